package catalogsvc

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
)

// text checks a text field: valid UTF-8, no control characters other than
// newlines and tabs, at most max runes.
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
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			v.Add(field, "contains control characters")
			return
		}
	}
}

// locale normalizes a BCP 47 tag ("de-ch" → "de-CH").
func locale(tag string) (string, bool) {
	t, err := language.Parse(tag)
	if err != nil || tag == "" || len(tag) > 35 {
		return "", false
	}
	return t.String(), true
}

func translations(v *errs.Validator, field string, in map[string]catalog.Translation) map[string]catalog.Translation {
	if len(in) > catalog.MaxLocales {
		v.Add(field, "has more than %d locales", catalog.MaxLocales)
		return nil
	}
	out := make(map[string]catalog.Translation, len(in))
	for k, t := range in {
		l, ok := locale(k)
		if !ok {
			v.Add(field+"."+k, "is not a BCP 47 language tag")
			continue
		}
		text(v, field+"."+k+".title", t.Title, catalog.MaxTitle, false)
		text(v, field+"."+k+".description", t.Description, catalog.MaxDescription, false)
		out[l] = catalog.Translation{Title: strings.TrimSpace(t.Title), Description: t.Description}
	}
	return out
}

func handle(v *errs.Validator, field, h string) {
	if !slug.Valid(h) {
		v.Add(field, "must be lower-case letters, digits and single hyphens (at most %d bytes)", slug.MaxLen)
	}
}

func ids(v *errs.Validator, field, prefix string, list []string, max int) []string {
	if len(list) > max {
		v.Add(field, "has more than %d entries", max)
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for i, s := range list {
		if !id.Valid(prefix, s) {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "is not a %s_ id", prefix)
			continue
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func channels(v *errs.Validator, field string, list []string) []string {
	if len(list) > catalog.MaxChannels {
		v.Add(field, "has more than %d channels", catalog.MaxChannels)
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for i, c := range list {
		if !slug.Valid(c) || len(c) > 64 {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be a channel name of lower-case letters, digits and hyphens")
			continue
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func attributes(v *errs.Validator, field string, in map[string]string) map[string]string {
	if len(in) > catalog.MaxAttributes {
		v.Add(field, "has more than %d attributes", catalog.MaxAttributes)
		return nil
	}
	out := make(map[string]string, len(in))
	for k, val := range in {
		name := strings.TrimSpace(k)
		if name == "" || utf8.RuneCountInString(name) > 100 {
			v.Add(field, "attribute names must have 1 to 100 characters")
			continue
		}
		text(v, field+"."+name, val, catalog.MaxShortText, false)
		out[name] = strings.TrimSpace(val)
	}
	return out
}

func media(v *errs.Validator, field string, in []catalog.Media) []catalog.Media {
	if len(in) > catalog.MaxMedia {
		v.Add(field, "has more than %d entries", catalog.MaxMedia)
		return nil
	}
	out := make([]catalog.Media, 0, len(in))
	for i, m := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		u, err := url.Parse(m.URL)
		if err != nil || len(m.URL) > catalog.MaxURL || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			v.Add(f+".url", "must be an absolute http(s) URL of at most %d bytes", catalog.MaxURL)
		}
		text(v, f+".alt", m.Alt, catalog.MaxShortText, false)
		out = append(out, catalog.Media{URL: m.URL, Alt: strings.TrimSpace(m.Alt), Position: i})
	}
	return out
}

func options(v *errs.Validator, field string, in []catalog.Option) []catalog.Option {
	if len(in) > catalog.MaxOptions {
		v.Add(field, "has more than %d options", catalog.MaxOptions)
		return nil
	}
	names := map[string]bool{}
	out := make([]catalog.Option, 0, len(in))
	for i, o := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		name := strings.TrimSpace(o.Name)
		text(v, f+".name", name, 100, true)
		if names[strings.ToLower(name)] {
			v.Add(f+".name", "repeats option %q", name)
		}
		names[strings.ToLower(name)] = true
		if len(o.Values) == 0 || len(o.Values) > catalog.MaxOptionValues {
			v.Add(f+".values", "must have 1 to %d values", catalog.MaxOptionValues)
		}
		seen := map[string]bool{}
		vals := make([]string, 0, len(o.Values))
		for j, val := range o.Values {
			val = strings.TrimSpace(val)
			text(v, fmt.Sprintf("%s.values[%d]", f, j), val, 100, true)
			if seen[val] {
				v.Add(fmt.Sprintf("%s.values[%d]", f, j), "repeats value %q", val)
			}
			seen[val] = true
			vals = append(vals, val)
		}
		out = append(out, catalog.Option{Name: name, Values: vals})
	}
	return out
}

// variants checks variant inputs against the product's options and turns
// them into variants, keeping the ids of existing ones.
func variants(v *errs.Validator, field string, in []catalog.VariantInput, opts []catalog.Option, existing map[string]catalog.Variant) []catalog.Variant {
	if len(in) > catalog.MaxVariants {
		v.Add(field, "has more than %d variants", catalog.MaxVariants)
		return nil
	}
	if len(in) == 0 {
		if len(opts) > 0 {
			v.Add(field, "a product with options needs variants")
			return nil
		}
		in = []catalog.VariantInput{{Title: "Default"}}
	}
	combos := map[string]int{}
	skus := map[string]int{}
	out := make([]catalog.Variant, 0, len(in))
	for i, vi := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		vid := vi.ID
		if vid != "" {
			if _, ok := existing[vid]; !ok {
				v.Add(f+".id", "is not a variant of this product")
			}
		} else {
			vid = id.New("var")
		}
		sku := strings.TrimSpace(vi.SKU)
		text(v, f+".sku", sku, catalog.MaxSKU, false)
		if sku != "" {
			if j, dup := skus[sku]; dup {
				v.Add(f+".sku", "repeats the SKU of variant %d", j)
			}
			skus[sku] = i
		}
		// Options: exactly one valid value per product option.
		if len(vi.Options) != len(opts) {
			v.Add(f+".options", "must give a value for each of the product's %d options", len(opts))
		}
		var key strings.Builder
		for _, o := range opts {
			val, ok := vi.Options[o.Name]
			if !ok {
				v.Add(f+".options", "misses option %q", o.Name)
				continue
			}
			valid := false
			for _, ov := range o.Values {
				valid = valid || ov == val
			}
			if !valid {
				v.Add(f+".options."+o.Name, "%q is not a value of option %q", val, o.Name)
			}
			key.WriteString(val + "\x00")
		}
		if len(opts) > 0 {
			if j, dup := combos[key.String()]; dup {
				v.Add(f+".options", "repeats the options of variant %d", j)
			}
			combos[key.String()] = i
		}
		title := strings.TrimSpace(vi.Title)
		if title == "" {
			parts := make([]string, 0, len(opts))
			for _, o := range opts {
				if val := vi.Options[o.Name]; val != "" {
					parts = append(parts, val)
				}
			}
			title = strings.Join(parts, " / ")
			if title == "" {
				title = "Default"
			}
		}
		text(v, f+".title", title, catalog.MaxTitle, false)
		if len(vi.Prices) > catalog.MaxPrices {
			v.Add(f+".prices", "has more than %d prices", catalog.MaxPrices)
		}
		curs := map[string]bool{}
		for j, p := range vi.Prices {
			pf := fmt.Sprintf("%s.prices[%d]", f, j)
			if err := money.Validate(p, false); err != nil {
				v.Add(pf, "%s", err.Error())
			}
			if curs[p.Currency] {
				v.Add(pf+".currency", "repeats currency %s", p.Currency)
			}
			curs[p.Currency] = true
		}
		if vi.WeightGrams < 0 {
			v.Add(f+".weight_grams", "must not be negative")
		}
		manage := true
		if vi.ManageInventory != nil {
			manage = *vi.ManageInventory
		}
		prices := append([]money.Money{}, vi.Prices...)
		sort.Slice(prices, func(a, b int) bool { return prices[a].Currency < prices[b].Currency })
		vopts := make(map[string]string, len(vi.Options))
		for k, val := range vi.Options {
			vopts[k] = val
		}
		out = append(out, catalog.Variant{
			ID: vid, SKU: sku, Title: title, Options: vopts, Prices: prices,
			ManageInventory: manage, AllowBackorder: vi.AllowBackorder, WeightGrams: vi.WeightGrams,
		})
	}
	return out
}
