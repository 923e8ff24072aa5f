// Package id makes Agora's identifiers: a short type prefix and a ULID
// ("prod_01JD3…"), so ids sort by creation time, are unique across processes
// and say what they name.
package id

import (
	"strings"

	"github.com/oklog/ulid/v2"
)

// New returns a new id with the given prefix, e.g. New("prod").
// Ids made by one process are strictly increasing.
func New(prefix string) string {
	return prefix + "_" + ulid.Make().String()
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
