package inventorysvc

import (
	"strings"
	"unicode/utf8"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

func text(v *errs.Validator, field, s string, max int, required bool) {
	if required && strings.TrimSpace(s) == "" {
		v.Add(field, "is required")
		return
	}
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

// validSKU checks a SKU: required, at most MaxSKU characters, no control
// characters, no surrounding spaces and no slash (it is a path segment).
func validSKU(v *errs.Validator, field, sku string) string {
	text(v, field, sku, inventory.MaxSKU, true)
	if sku != strings.TrimSpace(sku) {
		v.Add(field, "has leading or trailing spaces")
	}
	if strings.Contains(sku, "/") {
		v.Add(field, "contains a slash")
	}
	return sku
}

func locationID(v *errs.Validator, s string) {
	if s != "" && !id.Valid("loc", s) {
		v.Add("location_id", "is not a loc_ id")
	}
}
