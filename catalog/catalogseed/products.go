package catalogseed

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
)

// usdRates are rough reference rates (units of the currency per US dollar,
// times 10,000) for plausible list prices, not for conversion.
var usdRates = map[string]int64{
	"USD": 10_000, "EUR": 9_200, "GBP": 7_900, "JPY": 1_500_000, "CAD": 13_600, "AUD": 15_200, "NZD": 16_500,
	"CHF": 8_800, "SEK": 105_000, "NOK": 107_000, "DKK": 68_600, "PLN": 40_000, "CZK": 230_000, "HUF": 3_600_000,
	"INR": 830_000, "CNY": 72_000, "HKD": 78_000, "SGD": 13_400, "KRW": 13_500_000, "BRL": 50_000, "MXN": 170_000,
	"ZAR": 185_000, "AED": 36_700, "SAR": 37_500, "TRY": 320_000, "ILS": 37_000, "THB": 360_000, "KWD": 3_100,
	"BHD": 3_770, "TWD": 320_000, "CLP": 9_300_000, "ISK": 1_380_000, "RON": 45_800,
}

// leaf is a category products are put in.
type leaf struct {
	categoryID string
	noun       string // "Bookcase"
	prof       *profile
	// level is where the category's prices sit in its profile's price
	// range, 0 (cheapest) to 1 (dearest): sofas cost more than magnets.
	level float64
}

// generator makes product commands. It is deterministic: the same rng
// state, leaves and prefix give the same products.
type generator struct {
	rng        *rand.Rand
	leaves     []leaf
	currencies []string
	prefix     string // SKU run prefix
	counter    int64
	handles    map[string]bool
	codes      map[string]string // brand → SKU code
}

func newGenerator(rng *rand.Rand, leaves []leaf, currencies []string, prefix string) *generator {
	return &generator{rng: rng, leaves: leaves, currencies: currencies, prefix: prefix, handles: map[string]bool{}, codes: map[string]string{}}
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// product returns the next product.
func (g *generator) product() catalog.CreateProductCommand {
	g.counter++
	rng := g.rng
	lf := g.leaves[rng.IntN(len(g.leaves))]
	prof := lf.prof
	brand := pick(rng, prof.brands)

	// Title: brand, then one or two of model, adjective, material, suffix.
	var model, adj, suffix string
	var mat *word
	hasMat := len(prof.materials) > 0
	switch r := rng.IntN(100); {
	case r < 30 && hasMat:
		mat = &prof.materials[rng.IntN(len(prof.materials))]
	case r < 48:
		adj = pick(rng, prof.adjectives)
	case r < 62:
		model = pick(rng, models)
	case r < 76 && len(prof.suffixes) > 0:
		suffix = pick(rng, prof.suffixes)
	case r < 88 && hasMat:
		adj = pick(rng, prof.adjectives)
		mat = &prof.materials[rng.IntN(len(prof.materials))]
	case r < 94:
		model = pick(rng, models)
		if len(prof.suffixes) > 0 {
			suffix = pick(rng, prof.suffixes)
		}
	}
	if adj != "" && containsWord(lf.noun, adj) {
		adj = ""
	}
	if mat != nil && containsWord(lf.noun, mat.en) {
		mat = nil
	}
	matEN := ""
	if mat != nil {
		matEN = mat.en
	}
	title := joinWords(brand, model, adj, matEN, lf.noun, suffix)
	handle := g.handle(title)

	attrs := map[string]string{"brand": brand, "origin": pick(rng, origins)}
	attrMat := mat
	if attrMat == nil && hasMat && rng.IntN(100) < 60 {
		attrMat = &prof.materials[rng.IntN(len(prof.materials))]
	}
	if attrMat != nil {
		attrs["material"] = attrMat.en
	}
	for _, a := range prof.attrs {
		if rng.IntN(100) < 70 {
			attrs[a.name] = pick(rng, a.values)
		}
	}
	warranty := 0
	if len(prof.warrantyYears) > 0 && rng.IntN(2) == 0 {
		warranty = pick(rng, prof.warrantyYears)
		attrs["warranty"] = plural(warranty, "year")
	}

	opts, specs, colors := g.options(prof)
	if colors == nil {
		attrs["color"] = pick(rng, prof.colors).en
	}
	variants := g.variants(lf, brand, opts, specs, rng.IntN(100) < 5)

	cmd := catalog.CreateProductCommand{
		Title:       title,
		Handle:      handle,
		Description: describe(rng, prof, brand, lf.noun, attrMat, colors, warranty),
		Status:      catalog.Published,
		CategoryIDs: []string{lf.categoryID},
		Attributes:  attrs,
		Options:     opts,
		Variants:    variants,
		Media:       media(rng, handle, title, colors),
	}
	if rng.IntN(100) < 6 {
		cmd.Status = catalog.Draft
	}
	if rng.IntN(100) < 25 {
		cmd.Translations = translate(rng, prof, brand, model, adj, suffix, lf.noun, mat, attrMat, colors)
	}
	return cmd
}

// handle makes a handle from title that no earlier product of this
// generator has: the slug, else the slug with "-2", "-3", ...
func (g *generator) handle(title string) string {
	base := slug.Make(title)
	if base == "" {
		base = "product"
	}
	h := base
	for n := 2; g.handles[h]; n++ {
		h = withSuffix(base, "-"+strconv.Itoa(n))
	}
	g.handles[h] = true
	return h
}

// withSuffix appends suffix to handle, shortening handle (never inside a
// letter) so that the result stays within slug.MaxLen.
func withSuffix(handle, suffix string) string {
	if len(handle)+len(suffix) > slug.MaxLen {
		cut := slug.MaxLen - len(suffix)
		for cut > 0 && !utf8.RuneStart(handle[cut]) {
			cut--
		}
		handle = strings.TrimRight(handle[:cut], "-")
	}
	return handle + suffix
}

// options picks 1 to 3 options with 2 to 12 combinations of values. It
// returns the options, their specs (for prices) and the colours offered,
// nil when colour is not an option.
func (g *generator) options(prof *profile) ([]catalog.Option, []optionSpec, []word) {
	rng := g.rng
	n := 1
	switch r := rng.IntN(100); {
	case r >= 88:
		n = 3
	case r >= 50:
		n = 2
	}
	colorSpec := optionSpec{name: "Color"}
	for _, c := range prof.colors {
		colorSpec.values = append(colorSpec.values, c.en)
	}
	// The usual dimension and colour first, then the others in random order.
	cands := []optionSpec{prof.options[0], colorSpec}
	if rng.IntN(3) == 0 {
		cands[0], cands[1] = cands[1], cands[0]
	}
	rest := slices.Clone(prof.options[1:])
	rng.Shuffle(len(rest), func(a, b int) { rest[a], rest[b] = rest[b], rest[a] })
	cands = append(cands, rest...)
	n = min(n, len(cands))

	budget := 12
	opts := make([]catalog.Option, 0, n)
	specs := make([]optionSpec, 0, n)
	var colors []word
	for i, spec := range cands[:n] {
		// Most products come in a few sizes or colours; few in many.
		maxK := min(len(spec.values), budget>>(n-1-i))
		if n == 1 || spec.name == "Color" {
			maxK = min(maxK, 5)
		}
		k := maxK
		if maxK > 2 {
			k = 2 + rng.IntN(maxK-1)
		}
		budget /= k
		var idx []int
		if spec.ordered {
			start := rng.IntN(len(spec.values) - k + 1)
			for j := range k {
				idx = append(idx, start+j)
			}
		} else {
			idx = rng.Perm(len(spec.values))[:k]
			slices.Sort(idx)
		}
		vals := make([]string, k)
		for j, x := range idx {
			vals[j] = spec.values[x]
			if spec.name == "Color" {
				colors = append(colors, prof.colors[x])
			}
		}
		opts = append(opts, catalog.Option{Name: spec.name, Values: vals})
		specs = append(specs, spec)
	}
	return opts, specs, colors
}

// variants makes one variant per combination of option values (the first
// option varies slowest), with unique SKUs and prices in every currency.
func (g *generator) variants(lf leaf, brand string, opts []catalog.Option, specs []optionSpec, backorder bool) []catalog.VariantInput {
	rng := g.rng
	prof := lf.prof
	// Price and weight go together: a dear thing of a kind is a big one.
	at := lf.level + rng.NormFloat64()*0.12
	base := logScale(prof.priceMin, prof.priceMax, at)
	weight := logScale(prof.weightMin, prof.weightMax, at+rng.NormFloat64()*0.15)
	total := 1
	for _, o := range opts {
		total *= len(o.Values)
	}
	code := g.brandCode(brand)
	serial := strings.ToUpper(strconv.FormatInt(g.counter, 36))
	if len(serial) < 6 {
		serial = strings.Repeat("0", 6-len(serial)) + serial
	}
	out := make([]catalog.VariantInput, total)
	for v := range total {
		values := make(map[string]string, len(opts))
		usd, w := base, weight
		rem := v
		for i := len(opts) - 1; i >= 0; i-- {
			k := rem % len(opts[i].Values)
			rem /= len(opts[i].Values)
			values[opts[i].Name] = opts[i].Values[k]
			if specs[i].ordered {
				usd = usd * int64(100+15*k) / 100
				w = w * int64(100+12*k) / 100
			}
		}
		// Every currency's price derives from the US list price, so that
		// they stay in proportion after rounding.
		usd = listPrice(usd, "USD")
		prices := make([]money.Money, len(g.currencies))
		for i, c := range g.currencies {
			prices[i] = money.Money{Amount: listPrice(usd, c), Currency: c}
		}
		out[v] = catalog.VariantInput{
			SKU:            fmt.Sprintf("%s-%s-%s-%02d", code, g.prefix, serial, v+1),
			Options:        values,
			Prices:         prices,
			AllowBackorder: backorder,
			WeightGrams:    w,
		}
	}
	return out
}

// brandCode is the three-letter SKU code of a brand ("Nordhaven" → "NOR").
func (g *generator) brandCode(brand string) string {
	if c, ok := g.codes[brand]; ok {
		return c
	}
	var b strings.Builder
	for _, r := range brand {
		if r < 128 && unicode.IsLetter(r) && b.Len() < 3 {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	c := b.String()
	if c == "" {
		c = "AGR"
	}
	g.codes[brand] = c
	return c
}

// logScale returns the number at position at (clamped to 0..1) of the
// range lo..hi on a log scale: 0.5 of 100..10,000 is 1,000.
func logScale(lo, hi int64, at float64) int64 {
	at = min(max(at, 0), 1)
	v := math.Exp(math.Log(float64(lo)) + at*(math.Log(float64(hi))-math.Log(float64(lo))))
	return min(max(int64(v), lo), hi)
}

// priceLevel places a category's products in its profile's price range by
// the head noun of its product noun: big-ticket things high, small
// consumables low, others at a position fixed by a hash of the noun (so a
// category has the same level in every run).
func priceLevel(noun string) float64 {
	f := strings.Fields(noun)
	head := strings.ToLower(f[len(f)-1])
	h := fnv.New32a()
	h.Write([]byte(noun))
	jitter := float64(h.Sum32()%1000) / 1000
	switch {
	case bigTicket[head]:
		return 0.7 + 0.25*jitter
	case smallTicket[head]:
		return 0.05 + 0.25*jitter
	}
	return 0.15 + 0.6*jitter
}

// listPrice turns a price in US cents into a price in minor units of cur,
// at the reference rate, rounded up to a price ending the way shops end
// them: 49.99 (or 49.990 for three decimals), 1,299.00 from 1,000 up, and
// for currencies without decimals 980, 4,980 and 375,000.
// cur must be in usdRates.
func listPrice(usdCents int64, cur string) int64 {
	d := money.Digits(cur)
	unit := int64(math.Pow10(d))
	minor, err := money.MulRatio(usdCents, usdRates[cur]*unit, 10_000*100)
	if err != nil || minor < 1 {
		minor = 1
	}
	if d == 0 {
		switch {
		case minor < 100:
			return max(roundUp(minor, 10), 10)
		case minor < 100_000:
			return roundUp(minor, 100) - 20
		default:
			return roundUp(minor, 1000)
		}
	}
	major := max((minor+unit-1)/unit, 1)
	if major >= 1000 {
		return (roundUp(major, 10) - 1) * unit
	}
	return major*unit - max(unit/100, 1)
}

func roundUp(v, step int64) int64 { return (v + step - 1) / step * step }

// describe writes an English description of two to five sentences; a
// warranty of 0 years is not mentioned.
func describe(rng *rand.Rand, prof *profile, brand, noun string, mat *word, colors []word, warranty int) string {
	use := pick(rng, prof.uses)
	n := lowerWords(noun)
	this, is := "This", "is"
	if prof.plural && strings.HasSuffix(noun, "s") {
		this, is = "These", "are"
	}
	var s []string
	switch rng.IntN(3) {
	case 0:
		if mat != nil {
			s = append(s, fmt.Sprintf("%s %s from %s %s made from %s and built for %s.", this, n, brand, is, lowerWords(mat.en), use))
		} else {
			s = append(s, fmt.Sprintf("%s %s from %s %s built for %s.", this, n, brand, is, use))
		}
	case 1:
		if mat != nil {
			s = append(s, fmt.Sprintf("Designed by %s for %s, and made from %s.", brand, use, lowerWords(mat.en)))
		} else {
			s = append(s, fmt.Sprintf("Designed by %s for %s.", brand, use))
		}
	default:
		s = append(s, fmt.Sprintf("Made for %s.", use))
		if mat != nil {
			s = append(s, fmt.Sprintf("%s uses %s for a look that lasts.", brand, lowerWords(mat.en)))
		}
	}
	s = append(s, pick(rng, prof.benefits))
	if len(colors) > 0 {
		names := make([]string, len(colors))
		for i, c := range colors {
			names[i] = lowerWords(c.en)
		}
		s = append(s, "Available in "+list(names, "and")+".")
	}
	if warranty > 0 {
		s = append(s, fmt.Sprintf("Backed by a %d-year warranty.", warranty))
	} else {
		s = append(s, pick(rng, closings))
	}
	return strings.Join(s, " ")
}

// translate returns German and French texts. Brand, model and product noun
// stay as they are (they are names); the material and the sentences are
// translated. The title is translated only when it names a material.
func translate(rng *rand.Rand, prof *profile, brand, model, adj, suffix, noun string, titleMat, mat *word, colors []word) map[string]catalog.Translation {
	ingredient := prof.plural || prof == profiles["beauty"]
	var deTitle, frTitle string
	if titleMat != nil {
		base := joinWords(brand, model, adj, noun, suffix)
		if ingredient {
			deTitle, frTitle = base+" mit "+titleMat.de, base+", "+titleMat.fr
		} else {
			deTitle, frTitle = base+" aus "+titleMat.de, base+" en "+titleMat.fr
		}
	}
	de, fr := []string{"Entworfen von " + brand}, []string{"Conçu par " + brand}
	if mat != nil {
		if ingredient {
			de[0] = "Hergestellt von " + brand + ", mit " + mat.de
			fr[0] = "Élaboré par " + brand + ", saveur " + mat.fr
		} else {
			de[0] += ", gefertigt aus " + mat.de
			fr[0] += ", fabriqué en " + mat.fr
		}
	}
	de[0] += "."
	fr[0] += "."
	de = append(de, pick(rng, deBenefits))
	fr = append(fr, pick(rng, frBenefits))
	if len(colors) > 0 {
		var dn, fn []string
		for _, c := range colors {
			dn, fn = append(dn, c.de), append(fn, c.fr)
		}
		de = append(de, "Erhältlich in "+list(dn, "und")+".")
		fr = append(fr, "Disponible en "+list(fn, "et")+".")
	}
	de = append(de, pick(rng, deClosings))
	fr = append(fr, pick(rng, frClosings))
	return map[string]catalog.Translation{
		"de": {Title: deTitle, Description: strings.Join(de, " ")},
		"fr": {Title: frTitle, Description: strings.Join(fr, " ")},
	}
}

// media returns one to four images under https://images.example.com.
func media(rng *rand.Rand, handle, title string, colors []word) []catalog.Media {
	n := 1 + rng.IntN(4)
	alts := []string{title, title + ", close-up", title + " in use", title + ", from the side"}
	if len(colors) > 1 {
		alts[1] = title + " in " + lowerWords(colors[1].en)
	}
	out := make([]catalog.Media, n)
	for i := range n {
		out[i] = catalog.Media{
			URL:      fmt.Sprintf("https://images.example.com/products/%s/%d.jpg", handle, i+1),
			Alt:      alts[i],
			Position: i,
		}
	}
	return out
}

// productNoun makes the noun a product of a category is called by, from
// the category's title: "Bookcases & Standing Shelves" → "Bookcase",
// "Kitchen & Dining Room Tables" → "Dining Room Table". With keepPlural the
// plural stays ("Cookies").
func productNoun(category string, keepPlural bool) string {
	parts := strings.FieldsFunc(category, func(r rune) bool { return r == '&' || r == ',' || r == '/' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	if len(parts) == 0 {
		return category
	}
	// "Kitchen & Dining Room Tables": the first part only qualifies the
	// last, whose head noun they share. Take the first part when it ends in
	// a plural, else the last.
	noun := parts[0]
	if f := strings.Fields(noun); len(parts) > 1 && !looksPlural(f[len(f)-1]) {
		noun = parts[len(parts)-1]
	}
	if keepPlural {
		return noun
	}
	f := strings.Fields(noun)
	f[len(f)-1] = singularize(f[len(f)-1])
	return strings.Join(f, " ")
}

func looksPlural(w string) bool {
	if s, ok := singular[w]; ok {
		return s != w || strings.HasSuffix(w, "s")
	}
	return strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}

// singularize returns the singular of an English plural noun, or w itself
// when it is not a plural it knows.
func singularize(w string) string {
	if s, ok := singular[w]; ok {
		return s
	}
	switch {
	case !looksPlural(w), strings.HasSuffix(w, "ics"):
		return w
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"),
		strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zzes"):
		return w[:len(w)-2]
	}
	return w[:len(w)-1]
}

// containsWord reports whether phrase has word as one of its words, or
// as part of one ("Wooden" in "Wooden Toys", "Oak" in "Oak Bookcases").
func containsWord(phrase, word string) bool {
	return strings.Contains(strings.ToLower(phrase), strings.ToLower(word))
}

// joinWords joins the non-empty parts with spaces.
func joinWords(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// lowerWords lower-cases capitalised words for use inside a sentence and
// keeps acronyms and single letters ("USB-C Cable" → "USB-C cable").
func lowerWords(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		r := []rune(w)
		if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
			f[i] = strings.ToLower(w)
		}
	}
	return strings.Join(f, " ")
}

// list joins items as "a, b and c".
func list(items []string, and string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + and + " " + items[len(items)-1]
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
