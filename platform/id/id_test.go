package id_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

func TestNew(t *testing.T) {
	before := time.Now().Add(-time.Millisecond)
	s := id.New("prod")
	after := time.Now().Add(time.Millisecond)
	rest, ok := strings.CutPrefix(s, "prod_")
	if !ok {
		t.Fatalf("New(prod) = %q, want prefix prod_", s)
	}
	if len(rest) != ulid.EncodedSize {
		t.Fatalf("New(prod) = %q, want %d characters after the prefix", s, ulid.EncodedSize)
	}
	u, err := ulid.ParseStrict(rest)
	if err != nil {
		t.Fatalf("New(prod) = %q: not a ULID: %v", s, err)
	}
	if ts := ulid.Time(u.Time()); ts.Before(before) || ts.After(after) {
		t.Errorf("New(prod) time = %v, want between %v and %v", ts, before, after)
	}
	if !id.Valid("prod", s) {
		t.Errorf("Valid(prod, %q) = false", s)
	}
	if !id.HasPrefix("prod", s) {
		t.Errorf("HasPrefix(prod, %q) = false", s)
	}
}

func TestValid(t *testing.T) {
	good := id.New("cus")
	body := strings.TrimPrefix(good, "cus_")
	tests := []struct {
		prefix, s string
		ok        bool
	}{
		{"cus", good, true},
		{"cus", "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", true},
		{"prod", good, false},
		{"cu", good, false},
		{"cus_", good, false},
		{"cus", "cus" + body, false},
		{"cus", "cus-" + body, false},
		{"cus", "cus_", false},
		{"cus", "", false},
		{"cus", body, false},
		{"cus", "cus_" + body[:25], false},
		{"cus", "cus_" + body + "0", false},
		{"cus", "cus_cus_" + body, false},
		{"cus", "cus_01ARZ3NDEKTSV4RRFFQ69G5FAU", false}, // U is not Crockford base32
		{"cus", "cus_01ARZ3NDEKTSV4RRFFQ69G5F-V", false},
		{"cus", "cus_81ARZ3NDEKTSV4RRFFQ69G5FAV", false}, // beyond 2^128
		{"cus", "cus_01ARZ3NDEKTSV4RRFFQ69G5FA\u00e9", false},
		{"cus", " cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", false},
	}
	for _, tt := range tests {
		if got := id.Valid(tt.prefix, tt.s); got != tt.ok {
			t.Errorf("Valid(%q, %q) = %v, want %v", tt.prefix, tt.s, got, tt.ok)
		}
	}
}

func TestHasPrefix(t *testing.T) {
	tests := []struct {
		prefix, s string
		ok        bool
	}{
		{"ord", "ord_anything", true},
		{"ord", "ord_", true},
		{"ord", "order_01ARZ3NDEKTSV4RRFFQ69G5FAV", false},
		{"ord", "ord", false},
		{"ord", "", false},
	}
	for _, tt := range tests {
		if got := id.HasPrefix(tt.prefix, tt.s); got != tt.ok {
			t.Errorf("HasPrefix(%q, %q) = %v, want %v", tt.prefix, tt.s, got, tt.ok)
		}
	}
}

// Ids made one after the other in a process sort in creation order, also
// within one millisecond.
func TestNewIncreasing(t *testing.T) {
	const n = 20000
	prev := id.New("evt")
	sameMillisecond := 0
	for i := 0; i < n; i++ {
		next := id.New("evt")
		if next <= prev {
			t.Fatalf("id %d: %q does not sort after %q", i, next, prev)
		}
		if next[4:14] == prev[4:14] { // the 10-character timestamp
			sameMillisecond++
		}
		prev = next
	}
	if sameMillisecond == 0 {
		t.Fatalf("no two of %d ids shared a millisecond; the test did not exercise the monotonic entropy", n)
	}
}

func TestNewUniqueConcurrent(t *testing.T) {
	const workers, each = 8, 2000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids[w] = append(ids[w], id.New("ord"))
			}
		}()
	}
	wg.Wait()
	seen := make(map[string]bool, workers*each)
	for w := range ids {
		for i, s := range ids[w] {
			if seen[s] {
				t.Fatalf("duplicate id %q", s)
			}
			seen[s] = true
			if i > 0 && s <= ids[w][i-1] {
				t.Fatalf("goroutine %d: %q does not sort after %q", w, s, ids[w][i-1])
			}
		}
	}
}

func TestCursor(t *testing.T) {
	pid := id.New("prod")
	c := id.Cursor(pid)
	got, err := id.After(*c, "prod")
	if err != nil || got != pid {
		t.Fatalf("id.After(id.Cursor(%s)) = %q, %v", pid, got, err)
	}
	if got, err := id.After("", "prod"); got != "" || err != nil {
		t.Fatalf("empty cursor: %q %v", got, err)
	}
	for _, bad := range []string{"!!", *id.Cursor("prod_nope"), *id.Cursor(id.New("cat")), "cHJvZA"} {
		if _, err := id.After(bad, "prod"); !errs.Is(err, errs.Invalid) || errs.CodeOf(err) != "validation_failed" {
			t.Errorf("After(%q) = %v, want validation_failed", bad, err)
		}
	}
}
