// Package id makes Agora's identifiers: a short type prefix and a ULID
// ("prod_01JD3…"), so ids sort by creation time, are unique across processes
// and say what they name.
package id

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// The clock is read under the same lock as the monotonic entropy (unlike
// ulid.Make), so concurrent callers cannot interleave milliseconds and reset
// the entropy; lastMS keeps the timestamp from going backwards.
var (
	mu      sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
	lastMS  uint64
)

// New returns a new id with the given prefix, e.g. New("prod").
// Ids made by one process are strictly increasing.
func New(prefix string) string {
	mu.Lock()
	ms := max(ulid.Timestamp(time.Now()), lastMS)
	u, err := ulid.New(ms, entropy)
	if err != nil { // entropy exhausted within this millisecond
		ms++
		u = ulid.MustNew(ms, entropy)
	}
	lastMS = ms
	mu.Unlock()
	return prefix + "_" + u.String()
}

// Valid reports whether s is a well-formed id with the given prefix.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}

// HasPrefix reports whether s looks like an id of the given prefix,
// without checking the rest.
func HasPrefix(prefix, s string) bool { return strings.HasPrefix(s, prefix+"_") }
