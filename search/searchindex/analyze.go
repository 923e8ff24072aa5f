// Package searchindex is the search module's engine: an in-memory inverted
// index of products with posting lists and facet sets as compressed
// bitmaps (RoaringBitmap), a term dictionary as an FST (vellum) walked
// with a lazily computed Levenshtein automaton for typo-tolerant lookup and
// by range for prefixes, Snowball stemmers
// for English, German, French and Spanish, BM25 scoring with field
// weights, phrase and proximity boosts, facets, filters, sorting and
// offset cursors. It does no I/O except encoding a snapshot to a writer.
//
// An Index is safe for concurrent use: one writer at a time, any number of
// readers; a query sees the index as it was when it started.
package searchindex

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/spanish"
	"golang.org/x/text/unicode/norm"
)

// maxTokenBytes is the longest token kept; longer ones are cut.
const maxTokenBytes = 64

// Language returns the base language of a BCP 47 locale ("de-CH" → "de"),
// lower case; empty stays empty.
func Language(locale string) string {
	locale = strings.ToLower(locale)
	if i := strings.IndexAny(locale, "-_"); i >= 0 {
		locale = locale[:i]
	}
	return locale
}

// stemmers by language; languages without one are not stemmed.
var stemmers = map[string]func(*snowball.Env) bool{
	"en": english.Stem, "de": german.Stem, "fr": french.Stem, "es": spanish.Stem,
}

// stemCache remembers stems per language: product text repeats words a lot.
type stemCache struct {
	mu sync.RWMutex
	m  map[string]string
}

const stemCacheMax = 500_000

var caches = func() map[string]*stemCache {
	m := map[string]*stemCache{}
	for lang := range stemmers {
		m[lang] = &stemCache{m: map[string]string{}}
	}
	return m
}()

// Stem returns the stem of a lower-case word in lang, accents folded.
func Stem(lang, word string) string {
	fn, ok := stemmers[lang]
	if !ok || len(word) < 3 || isNumber(word) {
		return fold(word)
	}
	c := caches[lang]
	c.mu.RLock()
	s, ok := c.m[word]
	c.mu.RUnlock()
	if ok {
		return s
	}
	env := snowball.NewEnv(word)
	fn(env)
	s = fold(env.Current())
	if s == "" {
		s = fold(word)
	}
	c.mu.Lock()
	if len(c.m) < stemCacheMax {
		c.m[strings.Clone(word)] = s
	}
	c.mu.Unlock()
	return s
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var foldSpecial = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "ł", "l", "đ", "d", "ð", "d", "þ", "th", "ı", "i")

// fold removes accents: "crème" → "creme", "straße" → "strasse".
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = foldSpecial.Replace(s)
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// Token is a word of a text: its lower-case surface form and its position.
type Token struct {
	Word string // lower case, accents kept (what stemmers want)
	Pos  int
}

// Tokenize splits text into lower-case words: runs of letters or of
// digits, so that "180cm" and "180 cm" give the same tokens, "T-Shirt"
// gives "t" and "shirt". At most max tokens are returned (max ≤ 0: all).
func Tokenize(text string, max int) []Token {
	var out []Token
	forTokens(text, max, func(raw string) {
		w := strings.ToLower(raw)
		if len(w) > maxTokenBytes {
			w = truncateUTF8(w, maxTokenBytes)
		}
		out = append(out, Token{Word: w, Pos: len(out)})
	})
	return out
}

// forTokens calls fn with each of the first max (≤ 0: all) tokens of
// text as it is written (Tokenize lower-cases and cuts them), in order,
// and returns how many there were.
func forTokens(text string, max int, fn func(raw string)) int {
	n := 0
	start, kind := -1, 0 // kind 1 letters, 2 digits
	for i, r := range text {
		if max > 0 && n >= max {
			return n
		}
		k := 0
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
				k = 1
			case '0' <= r && r <= '9':
				k = 2
			default:
				k = asciiKind[r]
			}
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind || k == 0 {
			if start >= 0 {
				fn(text[start:i])
				n++
			}
			start = -1
			if k != 0 {
				start = i
			}
		}
		kind = k
	}
	if start >= 0 && (max <= 0 || n < max) {
		fn(text[start:])
		n++
	}
	return n
}

// asciiKind is the token kind of the ASCII characters other than letters
// and digits (letters and digits by unicode's tables: none).
var asciiKind = func() (t [utf8.RuneSelf]int) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			t[r] = 1
		case unicode.IsDigit(r):
			t[r] = 2
		}
	}
	return t
}()

// appendLowerToken appends the form Tokenize gives raw: lower case, cut
// to maxTokenBytes.
func appendLowerToken(b []byte, raw string) []byte {
	ascii := true
	for i := 0; i < len(raw); i++ {
		if raw[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		w := strings.ToLower(raw)
		if len(w) > maxTokenBytes {
			w = truncateUTF8(w, maxTokenBytes)
		}
		return append(b, w...)
	}
	raw = raw[:min(len(raw), maxTokenBytes)]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Terms returns the index terms of text in lang: stems with accents
// folded, in order.
func Terms(lang, text string) []string {
	toks := Tokenize(text, 0)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = Stem(lang, t.Word)
	}
	return out
}

// Normalize is the form of a query used to match merchandising rules and
// synonyms: words lower-cased, accents folded, joined by one space.
func Normalize(q string) string {
	toks := Tokenize(q, 0)
	ws := make([]string, len(toks))
	for i, t := range toks {
		ws[i] = fold(t.Word)
	}
	return strings.Join(ws, " ")
}
