package cartsvc

import (
	"strings"
	"unicode/utf8"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/errs"
)

func checkEmail(v *errs.Validator, field, email string) {
	if email == "" {
		return
	}
	if len(email) > cart.MaxEmail {
		v.Add(field, "is longer than %d bytes", cart.MaxEmail)
		return
	}
	if !address.Email(email) {
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
	if !address.Country(a.Country) {
		v.Add("shipping_address.country", "must be an ISO 3166-1 alpha-2 country code in upper case")
		return a
	}
	sub, ok := address.Subdivision(a.Country, a.Subdivision)
	if !ok {
		v.Add("shipping_address.subdivision", "must be an ISO 3166-2 code of %s, or its part after the hyphen", a.Country)
	}
	a.Subdivision = sub
	return a
}
