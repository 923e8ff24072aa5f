package cartsvc

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/platform/errs"
)

// validCountry reports whether c is an ISO 3166-1 alpha-2 code of a
// country, in upper case.
func validCountry(c string) bool {
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

// subdivision normalizes a subdivision of country: "NY" or "us-ny" →
// "US-NY". It reports false when s is not of the form of ISO 3166-2.
func subdivision(country, s string) (string, bool) {
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

func checkEmail(v *errs.Validator, field, email string) {
	if email == "" {
		return
	}
	if len(email) > cart.MaxEmail {
		v.Add(field, "is longer than %d bytes", cart.MaxEmail)
		return
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email {
		v.Add(field, "is not an email address")
	}
}

func checkText(v *errs.Validator, field, s string, required bool, max int) {
	if required && strings.TrimSpace(s) == "" {
		v.Add(field, "is required")
		return
	}
	if len(s) > max {
		v.Add(field, "is longer than %d bytes", max)
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n") {
		v.Add(field, "must be one line of UTF-8 text")
	}
}

// normalizeAddress checks a and returns it trimmed, with the subdivision
// in ISO 3166-2 form.
func normalizeAddress(v *errs.Validator, a cart.Address) cart.Address {
	a.Name, a.Line1, a.Line2 = strings.TrimSpace(a.Name), strings.TrimSpace(a.Line1), strings.TrimSpace(a.Line2)
	a.City, a.PostalCode = strings.TrimSpace(a.City), strings.TrimSpace(a.PostalCode)
	checkText(v, "shipping_address.name", a.Name, true, cart.MaxText)
	checkText(v, "shipping_address.line1", a.Line1, true, cart.MaxText)
	checkText(v, "shipping_address.line2", a.Line2, false, cart.MaxText)
	checkText(v, "shipping_address.city", a.City, true, cart.MaxText)
	checkText(v, "shipping_address.postal_code", a.PostalCode, true, cart.MaxPostalCode)
	if !validCountry(a.Country) {
		v.Add("shipping_address.country", "must be an ISO 3166-1 alpha-2 country code in upper case")
		return a
	}
	sub, ok := subdivision(a.Country, a.Subdivision)
	if !ok {
		v.Add("shipping_address.subdivision", "must be an ISO 3166-2 code of %s, or its part after the hyphen", a.Country)
	}
	a.Subdivision = sub
	return a
}
