// Package address checks the parts of postal and email addresses that
// modules take from outside: ISO 3166 countries and subdivisions, and
// email addresses. Every module uses it, so that an address one module
// accepts another does not refuse.
package address

import (
	"net/mail"
	"strings"

	"golang.org/x/text/language"
)

// Country reports whether c is an ISO 3166-1 alpha-2 code of a country, in
// upper case ("US"; not "us", "UK", "EU" or "ZZ").
func Country(c string) bool {
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return false
	}
	switch c {
	case "UN", "EU", "EZ", "UK":
		return false
	}
	r, err := language.ParseRegion(c)
	return err == nil && r.IsCountry() && r.Canonicalize().String() == c
}

// Subdivision normalizes a subdivision of country: "NY", "ny" or "us-ny"
// → "US-NY"; "" stays "". It reports false when s is not of the form of
// ISO 3166-2 (one to three letters or digits after the country).
func Subdivision(country, s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	if rest, ok := strings.CutPrefix(s, country+"-"); ok {
		s = rest
	}
	if len(s) < 1 || len(s) > 3 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
			return "", false
		}
	}
	return country + "-" + s, true
}

// MaxEmail is the longest email address accepted, in bytes.
const MaxEmail = 254

// Email reports whether s is one bare email address ("ada@example.com";
// not "Ada <ada@example.com>", not with spaces around), of at most
// MaxEmail bytes.
func Email(s string) bool {
	if s == "" || len(s) > MaxEmail {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}
