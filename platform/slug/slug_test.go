package slug_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agoracommerce/agora/platform/slug"
)

func TestMake(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Walnut Dining Table", "walnut-dining-table"},
		{"Crème brûlée", "creme-brulee"},
		{"Ünïcödé", "unicode"},
		{"Straße", "strasse"},
		{"Æsir Øl Œuvre Łódź Đorđe", "aesir-ol-oeuvre-lodz-dorde"},
		{"İstanbul", "istanbul"},
		{"  --Hello,   World!!  ", "hello-world"},
		{"a...b", "a-b"},
		{"a - b", "a-b"},
		{"under_score", "under-score"},
		{"tab\tnew\nline", "tab-new-line"},
		{"100% Cotton", "100-cotton"},
		{"R2-D2", "r2-d2"},
		{"ǅemal", "ǆemal"},       // title case lowers
		{"ϒ1 𝐀bc", "1-bc"},       // upper case without a lower form separates
		{"Cre\u0300me", "creme"}, // decomposed accents are removed too
		{"already-a-slug", "already-a-slug"},
		{"--leading and trailing--", "leading-and-trailing"},
		{"Привет, Мир", "привет-мир"},
		{"日本語 タイトル", "日本語-タイトル"},
		{"!!!", ""},
		{"   ", ""},
		{"", ""},
		{"\xff\xfe", ""},
		{"a\xffb", "a-b"},
	}
	for _, tt := range tests {
		got := slug.Make(tt.in)
		if got != tt.want {
			t.Errorf("Make(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" && !slug.Valid(got) {
			t.Errorf("Make(%q) = %q, which is not Valid", tt.in, got)
		}
	}
}

func TestMakeLength(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"exactly max", strings.Repeat("a", slug.MaxLen), strings.Repeat("a", slug.MaxLen)},
		{"cut at max", strings.Repeat("a", 200), strings.Repeat("a", slug.MaxLen)},
		// "ab-" × 40 is 120 bytes but would end in a hyphen: stop before it.
		{"no trailing hyphen", strings.Repeat("ab ", 100), strings.Repeat("ab-", 39) + "ab"},
		// A two-byte letter that does not fit is dropped, never split.
		{"rune boundary", "x" + strings.Repeat("ж", 100), "x" + strings.Repeat("ж", 59)},
		{"three-byte runes", strings.Repeat("日", 50), strings.Repeat("日", 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slug.Make(tt.in)
			if got != tt.want {
				t.Fatalf("Make = %q (%d bytes), want %q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
			if len(got) > slug.MaxLen || !utf8.ValidString(got) || !slug.Valid(got) {
				t.Fatalf("Make = %q: %d bytes, valid UTF-8 %v, Valid %v", got, len(got), utf8.ValidString(got), slug.Valid(got))
			}
		})
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		h  string
		ok bool
	}{
		{"walnut-dining-table", true},
		{"a", true},
		{"0", true},
		{"r2-d2", true},
		{"привет-мир", true},
		{"日本語", true},
		{strings.Repeat("a", slug.MaxLen), true},
		{strings.Repeat("a", slug.MaxLen+1), false},
		{"", false},
		{"-", false},
		{"-a", false},
		{"a-", false},
		{"a--b", false},
		{"A", false},
		{"Walnut", false},
		{"ПРИВЕТ", false},
		{"a b", false},
		{"a_b", false},
		{"a.b", false},
		{"a/b", false},
		{"a%20b", false},
		{"cre\u0300me", false}, // a combining accent is not a letter
		{"crème", true},        // a precomposed one is part of the letter
		{"\xff", false},
		{"a\xffb", false},
		{"a\uFFFDb", false},
	}
	for _, tt := range tests {
		if got := slug.Valid(tt.h); got != tt.ok {
			t.Errorf("Valid(%q) = %v, want %v", tt.h, got, tt.ok)
		}
	}
}

// FuzzSlug checks that Make never panics and returns "" or a Valid handle
// of at most MaxLen bytes, that Make keeps a valid ASCII handle as it is,
// and that Valid never panics.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"Walnut Dining Table", "Crème brûlée", "Straße", "!!!", "", "a--b", "\xff", "日本語", "ϒ", "𝐀𝐁𝐂", "ǅemal", strings.Repeat("ж", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := slug.Make(s)
		if h != "" && !slug.Valid(h) {
			t.Fatalf("Make(%q) = %q, which is not Valid", s, h)
		}
		if len(h) > slug.MaxLen {
			t.Fatalf("Make(%q) = %q, %d bytes > MaxLen", s, h, len(h))
		}
		if slug.Valid(s) && isASCII(s) && h != s {
			t.Fatalf("Make(%q) = %q, want the valid handle unchanged", s, h)
		}
		_ = slug.Valid(s)
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
