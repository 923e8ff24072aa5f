package searchindex

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogseed"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/search"
)

var benchSizes = flag.String("search.sizes", "10000", "comma-separated catalog sizes of the scale benchmarks (e.g. 10000,100000,1000000)")

// capture is a catalog.Service that hands imported products to a callback
// instead of storing them, so that a million products need no database.
type capture struct {
	catalog.Service
	n      int
	cats   []catalog.Category
	onBulk func([]catalog.Product)
	onCat  func(catalog.Category)
}

func (c *capture) CreateCategory(_ context.Context, cmd catalog.CreateCategoryCommand) (catalog.Category, error) {
	cat := catalog.Category{ID: fmt.Sprintf("cat_%05d", len(c.cats)), Handle: cmd.Handle, Name: cmd.Name, ParentID: cmd.ParentID}
	c.cats = append(c.cats, cat)
	if c.onCat != nil {
		c.onCat(cat)
	}
	return cat, nil
}

func (c *capture) GetCategory(context.Context, string) (catalog.Category, error) {
	return catalog.Category{}, errs.E(errs.NotFound, "not_found", "no")
}

func (c *capture) GetProduct(context.Context, string) (catalog.Product, error) {
	return catalog.Product{}, errs.E(errs.NotFound, "not_found", "no")
}

func (c *capture) ImportProducts(_ context.Context, cmd catalog.ImportProductsCommand) (catalog.ImportResult, error) {
	out := make([]catalog.Product, len(cmd.Products))
	res := catalog.ImportResult{Created: len(out)}
	now := time.Unix(1_700_000_000, 0)
	for i, p := range cmd.Products {
		c.n++
		st := p.Status
		if st == "" {
			st = catalog.Draft
		}
		vs := make([]catalog.Variant, len(p.Variants))
		for j, v := range p.Variants {
			vs[j] = catalog.Variant{ID: fmt.Sprintf("var_%d_%d", c.n, j), SKU: v.SKU, Title: v.Title, Options: v.Options, Prices: v.Prices}
		}
		tr := map[string]catalog.Translation{}
		for k, v := range p.Translations {
			tr[k] = v
		}
		out[i] = catalog.Product{
			ID: "prod_" + strconv.Itoa(c.n), Handle: p.Handle, Title: p.Title, Description: p.Description, Status: st,
			CategoryIDs: p.CategoryIDs, Attributes: p.Attributes, Variants: vs, Media: p.Media, Translations: tr,
			Channels: p.Channels, Version: 1, CreatedAt: now.Add(time.Duration(c.n) * time.Second),
		}
		res.IDs = append(res.IDs, out[i].ID)
	}
	c.onBulk(out)
	return res, nil
}

// built is a generated index and what the benchmarks query it with.
type built struct {
	x          *Index
	n          int
	indexTime  time.Duration
	heapPer    float64
	titles     []string
	variants   []string // a variant of 5,000 products spread over the catalog, for price lists
	attrs      []string // the most common attribute names
	categories []string
}

var builtCache = map[int]*built{}

func build(tb testing.TB, n int) *built {
	if b, ok := builtCache[n]; ok {
		return b
	}
	for k := range builtCache { // one at a time: free the last one
		delete(builtCache, k)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	x := New("en")
	out := &built{x: x, n: n}
	rng := rand.New(rand.NewPCG(7, 7))
	attrCount := map[string]int{}
	c := &capture{onCat: func(cat catalog.Category) { x.PutCategory(FromCategory(cat)) }}
	c.onBulk = func(ps []catalog.Product) {
		docs := make([]Doc, len(ps))
		for i, p := range ps {
			docs[i] = FromProduct(p)
			if rng.IntN(200) == 0 && len(out.titles) < 2000 {
				out.titles = append(out.titles, p.Title)
			}
			if (len(out.variants)+1)*n/pricing.MaxPricesPerSet <= c.n-len(ps)+i && len(out.variants) < pricing.MaxPricesPerSet && len(p.Variants) > 0 {
				out.variants = append(out.variants, p.Variants[0].ID)
			}
			if len(attrCount) < 1000 {
				for k := range p.Attributes {
					attrCount[k]++
				}
			}
		}
		start := time.Now()
		x.PutMany(docs)
		out.indexTime += time.Since(start)
	}
	_, err := catalogseed.Generate(context.Background(), c, catalogseed.Options{Products: n, Categories: 1000, Seed: 42, SKUPrefix: "BENCH", Batch: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	for _, cat := range c.cats {
		if cat.ParentID == "" {
			out.categories = append(out.categories, cat.ID)
		}
	}
	start := time.Now()
	x.Optimize()
	out.indexTime += time.Since(start)
	c.cats = nil
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	out.heapPer = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	for k := range attrCount {
		out.attrs = append(out.attrs, k)
	}
	sort.Slice(out.attrs, func(i, j int) bool { return attrCount[out.attrs[i]] > attrCount[out.attrs[j]] })
	builtCache[n] = out
	return out
}

func sizes(tb testing.TB) []int {
	var out []int
	for _, s := range strings.Split(*benchSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			tb.Fatalf("bad -search.sizes %q", *benchSizes)
		}
		out = append(out, n)
	}
	return out
}

// textQueries makes shopper-like queries from generated titles: one or two
// of their words, the last sometimes cut short (typing) or with a typo.
func textQueries(titles []string, n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]string, 0, n)
	for len(out) < n {
		ws := strings.Fields(titles[rng.IntN(len(titles))])
		if len(ws) == 0 {
			continue
		}
		i := rng.IntN(len(ws))
		q := ws[i]
		if i+1 < len(ws) && rng.IntN(2) == 0 {
			q += " " + ws[i+1]
		}
		switch rng.IntN(4) {
		case 0:
			if r := []rune(q); len(r) > 4 {
				q = string(r[:len(r)-2]) // typing
			}
		case 1:
			if r := []rune(q); len(r) > 5 {
				r[2], r[3] = r[3], r[2] // typo
				q = string(r)
			}
		}
		out = append(out, q)
	}
	return out
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkScale measures, per catalog size: text + 4 facets + a price
// filter, autocomplete, indexing rate and heap per product. Sizes come
// from -search.sizes.
func BenchmarkScale(b *testing.B) {
	for _, n := range sizes(b) {
		b.Run(fmt.Sprintf("n=%d/index", n), func(b *testing.B) {
			bt := build(b, n)
			b.ReportMetric(float64(n)/bt.indexTime.Seconds(), "products/s")
			b.ReportMetric(bt.heapPer, "heap-B/product")
			st := bt.x.Stats()
			b.ReportMetric(float64(st.Terms), "terms")
			b.ReportMetric(0, "ns/op")
		})
		b.Run(fmt.Sprintf("n=%d/text+4facets+price", n), func(b *testing.B) {
			bt := build(b, n)
			qs := textQueries(bt.titles, 1000)
			facets := []string{"category", "price", search.AttributePrefix + bt.attrs[0], search.AttributePrefix + bt.attrs[1]}
			lo, hi := int64(1000), int64(50000)
			var lat []time.Duration
			total := 0
			for i := 0; b.Loop(); i++ {
				q := search.Query{Q: qs[i%len(qs)], Currency: "USD", Facets: facets, Filter: search.Filter{PriceMin: &lo, PriceMax: &hi}}
				start := time.Now()
				r, err := bt.x.Search(q, nil)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				total += r.Total
			}
			report(b, lat)
			b.ReportMetric(float64(total)/float64(len(lat)), "matches/query")
		})
		b.Run(fmt.Sprintf("n=%d/empty-q+4facets+price-sort", n), func(b *testing.B) {
			bt := build(b, n)
			facets := []string{"category", "price", search.AttributePrefix + bt.attrs[0], search.AttributePrefix + bt.attrs[1]}
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				q := search.Query{Currency: "USD", Facets: facets, Sort: search.SortPriceAsc, Filter: search.Filter{Category: bt.categories[i%len(bt.categories)]}}
				start := time.Now()
				if _, err := bt.x.Search(q, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			report(b, lat)
		})
		b.Run(fmt.Sprintf("n=%d/price-list", n), func(b *testing.B) {
			// A price list of 5,000 variants of as many products, in the
			// shared column and in a channel's: the time to apply it
			// (finding the products reads every document's variants), and
			// the text + 4 facets + price query in the channel.
			bt := build(b, n)
			qs := textQueries(bt.titles, 1000)
			facets := []string{"category", "price", search.AttributePrefix + bt.attrs[0], search.AttributePrefix + bt.attrs[1]}
			lo, hi := int64(1000), int64(50000)
			prices := make([]pricing.ListPrice, len(bt.variants))
			var lat, apply []time.Duration
			now := time.Unix(1_800_000_000, 0)
			for i := 0; b.Loop(); i++ {
				if i%100 == 0 {
					for j, v := range bt.variants {
						prices[j] = pricing.ListPrice{VariantID: v, Amount: int64(500 + (i+j)%5000)}
					}
					pl := pricing.PriceList{ID: fmt.Sprintf("pl_%d", i/100%2), Currency: "USD", Active: true, Version: int64(i + 1)}
					if i/100%2 == 1 {
						pl.Channel = "wholesale"
					}
					start := time.Now()
					bt.x.PutPriceList(pl, prices, now)
					apply = append(apply, time.Since(start))
				}
				q := search.Query{Q: qs[i%len(qs)], Currency: "USD", Channel: "wholesale", Facets: facets, Filter: search.Filter{PriceMin: &lo, PriceMax: &hi}}
				start := time.Now()
				if _, err := bt.x.Search(q, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			report(b, lat)
			slices.Sort(apply)
			b.ReportMetric(float64(apply[len(apply)-1].Microseconds())/1000, "apply-max-ms")
			bt.x.DeletePriceList("pl_0", now)
			bt.x.DeletePriceList("pl_1", now)
		})
		b.Run(fmt.Sprintf("n=%d/suggest", n), func(b *testing.B) {
			bt := build(b, n)
			qs := textQueries(bt.titles, 1000)
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				q := qs[i%len(qs)]
				r := []rune(q)
				q = string(r[:1+i%len(r)]) // every keystroke
				start := time.Now()
				bt.x.Suggest(search.SuggestQuery{Q: q}, nil)
				lat = append(lat, time.Since(start))
			}
			report(b, lat)
		})
	}
}
