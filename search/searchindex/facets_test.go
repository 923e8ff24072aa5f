package searchindex

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agoracommerce/agora/search"
)

// TestFacetCountsAreExact checks facet counts and the price filter against
// a brute-force count over random products, through updates, deletions and
// a snapshot round trip (attribute columns, price buckets and the rank
// columns must follow every change). Each facet counts the matches of
// every filter but its own (disjunctive faceting).
func TestFacetCountsAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := New("en")
	docs := map[string]Doc{}
	mk := func(i, v int) Doc {
		d := Doc{ID: fmt.Sprintf("p%d", i), Title: "lamp " + []string{"red", "green", "blue"}[rng.IntN(3)], Searchable: rng.IntN(10) > 0,
			InStock: true, Version: int64(v), Created: int64(rng.IntN(1000)), Popularity: float32(rng.IntN(50)),
			Attributes: map[string]string{"brand": fmt.Sprintf("b%02d", rng.IntN(30)), "size": []string{"S", "M"}[rng.IntN(2)]}}
		if rng.IntN(5) == 0 {
			delete(d.Attributes, "brand")
		}
		d.Prices = map[string]int64{}
		if rng.IntN(8) > 0 {
			d.Prices["USD"] = []int64{0, 999, 1000, 2499, 50000, 50001, 999999, 1 << 33}[rng.IntN(8)] + int64(rng.IntN(3))
		}
		if rng.IntN(2) == 0 {
			d.Prices["JPY"] = int64(rng.IntN(20000))
		}
		return d
	}
	for i := range 3000 {
		d := mk(i, 1)
		docs[d.ID] = d
		x.Put(d)
	}
	x.Optimize()
	facets := []string{"price", "attributes.brand", "attributes.size", "category", "available"}
	check := func(x *Index, stage string) {
		t.Helper()
		for _, cur := range []string{"USD", "JPY"} {
			for _, q := range []string{"", "lamp red", "blue"} {
				for ri, rg := range [][2]int64{{-1, -1}, {1000, 50000}, {999, 999}, {0, 1 << 40}, {50001, 1 << 40}, {5000, 100}} {
					qq := search.Query{Q: q, Currency: cur, Facets: facets, Limit: 1}
					if rg[0] >= 0 {
						qq.Filter.PriceMin, qq.Filter.PriceMax = i64(rg[0]), i64(rg[1])
					}
					// Attribute filters on some of the ranges: one size,
					// two brands (alternatives).
					var sizes, brands []string
					if ri%2 == 1 {
						sizes = []string{"S"}
						qq.Filter.Attributes = map[string][]string{"size": sizes}
					}
					if ri%3 == 1 {
						brands = []string{"b03", "b07"}
						if qq.Filter.Attributes == nil {
							qq.Filter.Attributes = map[string][]string{}
						}
						qq.Filter.Attributes["brand"] = brands
					}
					r := mustSearch(t, x, qq, nil)
					want := map[string]int{}
					total := 0
					for _, d := range docs {
						if !d.Searchable || (q == "lamp red" && d.Title != "lamp red") || (q == "blue" && d.Title != "lamp blue") {
							continue
						}
						pr, ok := d.Prices[cur]
						inPrice := rg[0] < 0 || ok && pr >= rg[0] && pr <= rg[1]
						b, hasBrand := d.Attributes["brand"]
						inSize := sizes == nil || slices.Contains(sizes, d.Attributes["size"])
						inBrand := brands == nil || hasBrand && slices.Contains(brands, b)
						if inPrice && inSize && inBrand {
							total++
						}
						if hasBrand && inPrice && inSize {
							want["brand="+b]++
						}
						if inPrice && inBrand {
							want["size="+d.Attributes["size"]]++
						}
						if ok && inSize && inBrand {
							b := bucketBounds(cur)
							i := len(b) - 1
							for i > 0 && pr < b[i] {
								i--
							}
							want[fmt.Sprintf("price=%d", b[i])]++
						}
					}
					got := map[string]int{}
					for _, fv := range r.Facets["attributes.brand"] {
						got["brand="+fv.Value] = fv.Count
					}
					for _, fv := range r.Facets["attributes.size"] {
						got["size="+fv.Value] = fv.Count
					}
					for _, fv := range r.Facets["price"] {
						got[fmt.Sprintf("price=%d", *fv.From)] = fv.Count
					}
					if r.Total != total || fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%s: q=%q %s %v: total %d want %d\n got %v\nwant %v", stage, q, cur, rg, r.Total, total, got, want)
					}
				}
			}
		}
		// Popularity order reads the rank columns.
		r := mustSearch(t, x, search.Query{Sort: search.SortPopular, Limit: 5}, nil)
		var best []float32
		for _, d := range docs {
			if d.Searchable {
				best = append(best, d.Popularity)
			}
		}
		slices.Sort(best)
		if top := docs[r.Data[0].ID].Popularity; top != best[len(best)-1] {
			t.Fatalf("%s: most popular has %v, want %v", stage, top, best[len(best)-1])
		}
	}
	check(x, "built")
	for i := range 600 {
		id := fmt.Sprintf("p%d", rng.IntN(3000))
		switch i % 3 {
		case 0:
			x.Delete(id, 0)
			delete(docs, id)
		default:
			n := 0
			fmt.Sscanf(id, "p%d", &n)
			d := mk(n, 2)
			if i%3 == 1 {
				d.Title = docs[id].Title // same text: attributes and prices only
				if _, ok := docs[id]; !ok {
					d.Title = "lamp red"
				}
			}
			docs[id] = d
			x.Put(d)
		}
	}
	check(x, "updated")
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, nil); err != nil {
		t.Fatal(err)
	}
	y, _, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	check(y, "snapshot")
}

// TestFacetsIgnoreTheirOwnFilter: with color=red and available=true, the
// color facet still counts blue and green (of the available ones), the
// available facet counts the unavailable red ones, and the other facets
// count only what every filter keeps.
func TestFacetsIgnoreTheirOwnFilter(t *testing.T) {
	x := New("en")
	n := 0
	add := func(color, size string, stock bool, k int) {
		for range k {
			n++
			x.Put(Doc{ID: fmt.Sprintf("p%d", n), Title: "shirt", Searchable: true, InStock: stock, Version: 1,
				Attributes: map[string]string{"color": color, "size": size}, Prices: map[string]int64{"USD": int64(1000 * n)}})
		}
	}
	add("red", "S", true, 3)
	add("red", "M", false, 2)
	add("blue", "S", true, 4)
	add("blue", "M", true, 1)
	add("green", "M", false, 5)
	yes := true
	r := mustSearch(t, x, search.Query{Q: "shirt", Facets: []string{"attributes.color", "attributes.size", "available"},
		Filter: search.Filter{Available: &yes, Attributes: map[string][]string{"color": {"red"}}}}, nil)
	got := map[string]int{}
	for name, vs := range r.Facets {
		for _, v := range vs {
			got[name+"="+v.Value] = v.Count
		}
	}
	want := map[string]int{
		"attributes.color=red": 3, "attributes.color=blue": 5, // available ones of every color
		"attributes.size=S": 3,                       // red and available
		"available=true":    3, "available=false": 2, // red ones of both kinds
	}
	if r.Total != 3 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("total %d, facets %v, want 3 and %v", r.Total, got, want)
	}
}
