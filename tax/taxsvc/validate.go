package taxsvc

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/tax"
)

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code of a
// country, in upper case.
func ValidCountry(c string) bool { return address.Country(c) }

// postal normalizes a postal code or prefix: upper case, without spaces
// and hyphens. It reports false for any other character.
func postal(s string, max int) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-':
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			return "", false
		}
	}
	return b.String(), b.Len() <= max
}

func classCode(c string) bool {
	if c == "" || len(c) > tax.MaxClassCode {
		return false
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			return false
		}
	}
	return true
}

func text(v *errs.Validator, field, s string, max int) {
	if !utf8.ValidString(s) {
		v.Add(field, "is not valid UTF-8")
		return
	}
	if utf8.RuneCountInString(s) > max {
		v.Add(field, "is longer than %d characters", max)
		return
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			v.Add(field, "contains control characters")
			return
		}
	}
}

// scope validates and normalizes a region's country, subdivision and
// postal prefix.
func scope(v *errs.Validator, r *tax.Region) {
	if !ValidCountry(r.Country) {
		v.Add("country", "must be an ISO 3166-1 alpha-2 country code in upper case")
		return
	}
	sub, ok := address.Subdivision(r.Country, r.Subdivision)
	if !ok {
		v.Add("subdivision", "must be an ISO 3166-2 code of %s such as %s-NY, or its part after the hyphen", r.Country, r.Country)
	}
	r.Subdivision = sub
	pp, ok := postal(r.PostalPrefix, tax.MaxPostalPrefix)
	if !ok {
		v.Add("postal_prefix", "must be at most %d letters and digits", tax.MaxPostalPrefix)
	}
	r.PostalPrefix = pp
}

func defaultName(r tax.Region) string {
	n := r.Country
	if r.Subdivision != "" {
		n = r.Subdivision
	}
	if r.PostalPrefix != "" {
		n += " " + r.PostalPrefix
	}
	return n
}

// rates validates rate inputs: known form of class and rate, one rate per
// class. The result is sorted by class.
func rates(v *errs.Validator, in []tax.RateInput) []tax.Rate {
	if len(in) > tax.MaxRates {
		v.Add("rates", "has more than %d rates", tax.MaxRates)
		return nil
	}
	out := make([]tax.Rate, 0, len(in))
	seen := map[string]bool{}
	for i, r := range in {
		f := fmt.Sprintf("rates[%d]", i)
		if !classCode(r.TaxClass) {
			v.Add(f+".tax_class", "must be a tax class code")
			continue
		}
		if seen[r.TaxClass] {
			v.Add(f+".tax_class", "has a rate already")
			continue
		}
		seen[r.TaxClass] = true
		ppm, err := ParseRate(r.Rate)
		if err != nil {
			v.Add(f+".rate", "%s", err.Error())
			continue
		}
		out = append(out, tax.Rate{TaxClass: r.TaxClass, Rate: FormatRate(ppm), PPM: ppm})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TaxClass < out[j].TaxClass })
	return out
}
