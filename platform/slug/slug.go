// Package slug makes URL handles ("walnut-dining-table") from titles and
// checks handles read from outside.
package slug

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxLen is the longest handle Agora accepts.
const MaxLen = 120

// Make returns a handle for s: lower case ASCII letters and digits joined by
// single hyphens, accents removed ("Crème brûlée" → "creme-brulee"). Letters
// without an ASCII form are kept as they are, lower-cased. It returns "" when
// s has no letter or digit.
func Make(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	folded = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "ae", "ø", "o", "Ø", "o", "œ", "oe", "Œ", "oe", "ł", "l", "Ł", "l", "đ", "d", "Đ", "d").Replace(folded)
	var b strings.Builder
	hyphen := false
	for _, r := range folded {
		r = unicode.ToLower(r)
		// Keep exactly what Valid accepts: an upper-case letter without a
		// lower-case form ("ϒ", "𝐀") separates words like punctuation.
		if !unicode.IsDigit(r) && !(unicode.IsLetter(r) && !unicode.IsUpper(r)) {
			hyphen = true
			continue
		}
		need := utf8.RuneLen(r)
		if hyphen && b.Len() > 0 {
			need++
		}
		if b.Len()+need > MaxLen {
			break
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(r)
	}
	return b.String()
}

// Valid reports whether h is a well-formed handle: 1..MaxLen bytes of lower
// case letters, digits and single inner hyphens, valid UTF-8.
func Valid(h string) bool {
	if h == "" || len(h) > MaxLen || h[0] == '-' || h[len(h)-1] == '-' || strings.Contains(h, "--") {
		return false
	}
	for _, r := range h {
		if r == unicode.ReplacementChar {
			return false
		}
		if r != '-' && !unicode.IsDigit(r) && !(unicode.IsLetter(r) && !unicode.IsUpper(r)) {
			return false
		}
	}
	return true
}
