package searchindex

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/search"
)

var pt0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func tp(t time.Time) *time.Time { return &t }

// lamp is a product with two variants: v1 at 1000 USD, v2 at 2000 USD.
func lamp(id string, version int64) Doc {
	return Doc{ID: id, Title: "brass lamp " + id, Searchable: true, InStock: true, Version: version,
		Prices: map[string]int64{"USD": 1000},
		Variants: []Variant{
			{ID: "var_" + id + "_1", Prices: []money.Money{{Amount: 1000, Currency: "USD"}}},
			{ID: "var_" + id + "_2", Prices: []money.Money{{Amount: 2000, Currency: "USD"}}},
		}}
}

// priceOf is the price a shopper of channel ch sees for id in cur (-1: none).
func priceOf(t *testing.T, x *Index, id, cur, ch string) int64 {
	t.Helper()
	r := mustSearch(t, x, search.Query{Q: id, Currency: cur, Channel: ch, Limit: 1}, nil)
	if len(r.Data) != 1 || r.Data[0].ID != id {
		t.Fatalf("search %s: %+v", id, r.Data)
	}
	if r.Data[0].Price == nil {
		return -1
	}
	return r.Data[0].Price.Amount
}

func TestPriceListsRepriceProducts(t *testing.T) {
	x := New("en")
	x.Put(lamp("p1", 1))
	x.Put(lamp("p2", 1))
	want := func(stage, id, cur, ch string, amt int64) {
		t.Helper()
		if got := priceOf(t, x, id, cur, ch); got != amt {
			t.Fatalf("%s: %s in %s/%q costs %d, want %d", stage, id, cur, ch, got, amt)
		}
	}
	want("catalog", "p1", "USD", "", 1000)

	// A sale on v1: the product is found, filtered and sorted at 500.
	sale := pricing.PriceList{ID: "pl_sale", Currency: "USD", Active: true, Version: 1}
	x.PutPriceList(sale, []pricing.ListPrice{{VariantID: "var_p1_1", Amount: 500}}, pt0)
	want("sale", "p1", "USD", "", 500)
	want("sale", "p2", "USD", "", 1000)
	r := mustSearch(t, x, search.Query{Currency: "USD", Sort: search.SortPriceAsc, Facets: []string{"price"}}, nil)
	if r.Data[0].ID != "p1" || r.Data[0].Price.Amount != 500 {
		t.Fatalf("price sort: %+v", r.Data)
	}
	r = mustSearch(t, x, search.Query{Currency: "USD", Filter: search.Filter{PriceMax: i64(999)}}, nil)
	if r.Total != 1 || r.Data[0].ID != "p1" {
		t.Fatalf("price filter: %+v", r)
	}

	// A list price above the catalog's: the variant costs it, so the
	// product's lowest is the other variant's catalog price.
	x.SetListPrices(pricing.PricesSet{PriceListID: "pl_sale", Version: 2, Prices: []pricing.ListPrice{{VariantID: "var_p1_1", Amount: 3000}}}, pt0)
	want("raised", "p1", "USD", "", 2000)
	x.SetListPrices(pricing.PricesSet{PriceListID: "pl_sale", Version: 3, Prices: []pricing.ListPrice{{VariantID: "var_p1_2", Amount: 2500}}}, pt0)
	want("both raised", "p1", "USD", "", 2500)
	// Removing a price (-1) brings back the catalog's.
	x.SetListPrices(pricing.PricesSet{PriceListID: "pl_sale", Version: 4, Prices: []pricing.ListPrice{{VariantID: "var_p1_2", Amount: -1}}}, pt0)
	want("removed", "p1", "USD", "", 2000)

	// A list in a currency the catalog does not price gives the product a price.
	x.PutPriceList(pricing.PriceList{ID: "pl_eur", Currency: "EUR", Active: true, Version: 1}, []pricing.ListPrice{{VariantID: "var_p2_2", Amount: 1800}}, pt0)
	want("eur", "p2", "EUR", "", 1800)
	want("eur", "p1", "EUR", "", -1)

	// Customer-group lists do not apply to search; inactive ones neither.
	x.PutPriceList(pricing.PriceList{ID: "pl_vip", Currency: "USD", CustomerGroup: "vip", Active: true, Version: 1}, []pricing.ListPrice{{VariantID: "var_p2_1", Amount: 1}}, pt0)
	x.PutPriceList(pricing.PriceList{ID: "pl_off", Currency: "USD", Active: false, Version: 1}, []pricing.ListPrice{{VariantID: "var_p2_1", Amount: 2}}, pt0)
	want("group and inactive", "p2", "USD", "", 1000)
	x.PutPriceList(pricing.PriceList{ID: "pl_off", Currency: "USD", Active: true, Version: 2}, nil, pt0)
	want("activated", "p2", "USD", "", 2)
	x.PutPriceList(pricing.PriceList{ID: "pl_off", Currency: "USD", Active: false, Version: 1}, nil, pt0)
	want("an older version is ignored", "p2", "USD", "", 2)
	x.DeletePriceList("pl_off", pt0)
	want("deleted", "p2", "USD", "", 1000)

	// A channel's list: its shoppers see it, other channels do not; a
	// list for every channel applies in the channel too.
	x.PutPriceList(pricing.PriceList{ID: "pl_b2b", Currency: "USD", Channel: "wholesale", Active: true, Version: 1},
		[]pricing.ListPrice{{VariantID: "var_p2_1", Amount: 700}, {VariantID: "var_p1_1", Amount: 2600}}, pt0)
	want("channel", "p2", "USD", "wholesale", 700)
	want("channel", "p2", "USD", "", 1000)
	want("channel", "p2", "USD", "retail", 1000)
	want("channel: lowest of the shared and the channel's lists", "p1", "USD", "wholesale", 2000)
	r = mustSearch(t, x, search.Query{Currency: "USD", Channel: "wholesale", Facets: []string{"price", "available"}, Filter: search.Filter{PriceMax: i64(800)}}, nil)
	if r.Total != 1 || r.Data[0].ID != "p2" || r.Facets["available"][0].Count != 1 {
		t.Fatalf("channel filter: %+v", r)
	}

	// Windows: a list that starts later applies from its start to its end.
	x.PutPriceList(pricing.PriceList{ID: "pl_later", Currency: "USD", Active: true, Version: 1, StartsAt: tp(pt0.Add(time.Hour)), EndsAt: tp(pt0.Add(2 * time.Hour))},
		[]pricing.ListPrice{{VariantID: "var_p2_2", Amount: 300}}, pt0)
	want("before the window", "p2", "USD", "", 1000)
	x.Tick(pt0.Add(time.Hour - time.Nanosecond))
	want("just before the window", "p2", "USD", "", 1000)
	x.Tick(pt0.Add(time.Hour))
	want("window open", "p2", "USD", "", 300)
	want("window open, channel", "p2", "USD", "wholesale", 300)
	x.Tick(pt0.Add(2 * time.Hour))
	want("window closed", "p2", "USD", "", 1000)

	// A product that comes after the list is priced by it; so is its
	// next version.
	x.Put(lamp("p3", 1))
	x.SetListPrices(pricing.PricesSet{PriceListID: "pl_sale", Version: 5, Prices: []pricing.ListPrice{{VariantID: "var_p4_2", Amount: 150}}}, pt0)
	p4 := lamp("p4", 1)
	x.Put(p4)
	want("product after its list", "p4", "USD", "", 150)
	p4.Version, p4.Title = 2, "brass lamp p4 renamed"
	x.Put(p4)
	want("next version", "p4", "USD", "", 150)
	x.Delete("p4", 3)
	x.SetListPrices(pricing.PricesSet{PriceListID: "pl_sale", Version: 6, Prices: []pricing.ListPrice{{VariantID: "var_p4_2", Amount: 140}}}, pt0)
	p4.Version = 4
	x.Put(p4)
	want("put again after a delete", "p4", "USD", "", 140)

	// Prices of a list not known yet wait for its fields.
	x.SetListPrices(pricing.PricesSet{PriceListID: "pl_early", Version: 2, Prices: []pricing.ListPrice{{VariantID: "var_p3_1", Amount: 10}}}, pt0)
	want("prices before the list", "p3", "USD", "", 1000)
	x.PutPriceList(pricing.PriceList{ID: "pl_early", Currency: "USD", Active: true, Version: 1}, nil, pt0)
	want("the list came", "p3", "USD", "", 10)

	// The snapshot keeps the lists and the channel columns; a rebuild
	// carries them over.
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, nil); err != nil {
		t.Fatal(err)
	}
	y, _, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []*Index{x, y} {
		if got := priceOf(t, z, "p2", "USD", "wholesale"); got != 700 {
			t.Fatalf("channel price %d", got)
		}
	}
	x = y
	x.DeletePriceList("pl_b2b", pt0.Add(3*time.Hour))
	want("after load, deleting a list reprices", "p2", "USD", "wholesale", 1000)
	want("after load", "p1", "USD", "", 2000)
	z := New("en")
	z.CarryPrices(x)
	z.PutMany([]Doc{lamp("p1", 1), lamp("p2", 1), lamp("p3", 1)})
	if got := priceOf(t, z, "p1", "USD", ""); got != 2000 {
		t.Fatalf("rebuild: p1 %d", got)
	}
	if got := priceOf(t, z, "p3", "USD", ""); got != 10 {
		t.Fatalf("rebuild: p3 %d", got)
	}
}

// TestPriceListsMatchResolution applies random products, lists, prices
// and clock moves, and checks every product's indexed price in every
// currency and channel against pricing's resolution computed by brute
// force (for a buyer without a customer group, per variant, lowest over
// the variants), then again after a snapshot round trip.
func TestPriceListsMatchResolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := New("en")
	curs := []string{"USD", "EUR"}
	chans := []string{"", "wholesale", "app"}
	type prod struct {
		vars    []Variant
		version int64
		live    bool
	}
	prods := map[string]*prod{}
	lists := map[string]*pricing.PriceList{}
	lprices := map[string]map[string]int64{} // list → variant → amount
	now := pt0
	mkProduct := func(i int) {
		id := fmt.Sprintf("p%d", i)
		p := prods[id]
		if p == nil {
			p = &prod{}
			prods[id] = p
		}
		p.version++
		p.live = true
		p.vars = nil
		d := Doc{ID: id, Title: "item " + id, Searchable: true, InStock: true, Version: p.version, Prices: map[string]int64{}}
		for v := range 1 + rng.IntN(3) {
			vp := Variant{ID: fmt.Sprintf("var_%d_%d", i, v)}
			for _, c := range curs {
				if rng.IntN(4) > 0 {
					a := int64(100 + rng.IntN(900))
					vp.Prices = append(vp.Prices, money.Money{Amount: a, Currency: c})
					if old, ok := d.Prices[c]; !ok || a < old {
						d.Prices[c] = a
					}
				}
			}
			p.vars = append(p.vars, vp)
		}
		d.Variants = p.vars
		x.Put(d)
	}
	randVariant := func() string { return fmt.Sprintf("var_%d_%d", rng.IntN(40), rng.IntN(3)) }
	for i := range 40 {
		mkProduct(i)
	}
	check := func(x *Index, stage string) {
		t.Helper()
		for id, p := range prods {
			for _, c := range curs {
				for _, ch := range chans {
					want := int64(-1)
					for _, v := range p.vars {
						best := int64(-1)
						for lid, l := range lists {
							if !l.Active || l.Currency != c || l.CustomerGroup != "" || (l.Channel != "" && l.Channel != channelOf(ch)) ||
								(l.StartsAt != nil && now.Before(*l.StartsAt)) || (l.EndsAt != nil && !now.Before(*l.EndsAt)) {
								continue
							}
							if a, ok := lprices[lid][v.ID]; ok && (best < 0 || a < best) {
								best = a
							}
						}
						if best < 0 {
							if a, ok := priceIn(v.Prices, c); ok {
								best = a
							}
						}
						if best >= 0 && (want < 0 || best < want) {
							want = best
						}
					}
					if !p.live {
						continue
					}
					if got := priceOf(t, x, id, c, ch); got != want {
						t.Fatalf("%s: %s in %s/%q: %d, want %d", stage, id, c, ch, got, want)
					}
				}
			}
		}
	}
	for step := range 400 {
		switch k := rng.IntN(10); {
		case k < 2:
			mkProduct(rng.IntN(45))
		case k == 2:
			id := fmt.Sprintf("p%d", rng.IntN(45))
			if p := prods[id]; p != nil && p.live {
				p.version++
				p.live = false
				x.Delete(id, p.version)
			}
		case k < 5:
			id := fmt.Sprintf("pl_%d", rng.IntN(6))
			l := lists[id]
			if l == nil {
				l = &pricing.PriceList{ID: id, Currency: curs[rng.IntN(2)]}
				lists[id] = l
				lprices[id] = map[string]int64{}
			}
			l.Version++
			l.Active = rng.IntN(5) > 0
			l.Channel = []string{"", "", "wholesale", "app", "default"}[rng.IntN(5)]
			l.CustomerGroup = []string{"", "", "", "vip"}[rng.IntN(4)]
			l.StartsAt, l.EndsAt = nil, nil
			if rng.IntN(3) == 0 {
				l.StartsAt = tp(now.Add(time.Duration(rng.IntN(5)-1) * time.Minute))
			}
			if rng.IntN(3) == 0 {
				l.EndsAt = tp(now.Add(time.Duration(1+rng.IntN(5)) * time.Minute))
			}
			var ps []pricing.ListPrice
			if l.Version == 1 {
				for range rng.IntN(6) {
					v := randVariant()
					if _, dup := lprices[id][v]; !dup {
						a := int64(50 + rng.IntN(1000))
						lprices[id][v] = a
						ps = append(ps, pricing.ListPrice{VariantID: v, Amount: a})
					}
				}
			}
			x.PutPriceList(*l, ps, now)
		case k < 8:
			id := fmt.Sprintf("pl_%d", rng.IntN(6))
			l := lists[id]
			if l == nil {
				continue
			}
			l.Version++
			var ps []pricing.ListPrice
			seen := map[string]bool{}
			for range 1 + rng.IntN(5) {
				v := randVariant()
				if seen[v] {
					continue
				}
				seen[v] = true
				if rng.IntN(4) == 0 {
					delete(lprices[id], v)
					ps = append(ps, pricing.ListPrice{VariantID: v, Amount: -1})
				} else {
					a := int64(50 + rng.IntN(1000))
					lprices[id][v] = a
					ps = append(ps, pricing.ListPrice{VariantID: v, Amount: a})
				}
			}
			x.SetListPrices(pricing.PricesSet{PriceListID: id, Version: l.Version, Prices: ps}, now)
		case k == 8:
			id := fmt.Sprintf("pl_%d", rng.IntN(6))
			if _, ok := lists[id]; ok {
				delete(lists, id)
				delete(lprices, id)
				x.DeletePriceList(id, now)
			}
		default:
			now = now.Add(time.Duration(rng.IntN(90)) * time.Second)
			x.Tick(now)
		}
		if step%20 == 19 {
			check(x, fmt.Sprintf("step %d", step))
		}
	}
	check(x, "end")
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, nil); err != nil {
		t.Fatal(err)
	}
	y, _, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	check(y, "snapshot")
	now = now.Add(10 * time.Minute)
	y.Tick(now)
	check(y, "snapshot, later")
	if !slices.Equal(y.chans["USD"], x.chans["USD"]) {
		t.Errorf("channel columns %v, want %v", y.chans, x.chans)
	}
}

func TestVariantBlobRoundTrip(t *testing.T) {
	vs := []Variant{{ID: "var_a", Prices: []money.Money{{Amount: 1 << 40, Currency: "JPY"}, {Amount: 0, Currency: "USD"}}}, {ID: "var_b", Prices: []money.Money{{Amount: 5, Currency: "EUR"}}}, {ID: "var_c"}}
	rows := decodeVariants(encodeVariants(vs))
	if len(rows) != 3 {
		t.Fatalf("rows %v", rows)
	}
	for i, v := range vs {
		if rows[i].fp != variantHash(v.ID) || fmt.Sprint(rows[i].prices) != fmt.Sprint(v.Prices) && len(v.Prices) > 0 {
			t.Errorf("row %d: %+v, want %+v", i, rows[i], v)
		}
	}
	var fps []uint64
	variantFPs(encodeVariants(vs), func(fp uint64) { fps = append(fps, fp) })
	if len(fps) != 3 || fps[2] != variantHash("var_c") {
		t.Errorf("fps %v", fps)
	}
	if decodeVariants([]byte{5, 1}) != nil || encodeVariants(nil) != nil {
		t.Error("malformed or empty blobs")
	}
}

func TestVariantHashIsFNV1a(t *testing.T) {
	for _, id := range []string{"", "var_01J0000000000000000000000", "ü"} {
		h := fnv.New64a()
		h.Write([]byte(id))
		if variantHash(id) != h.Sum64() {
			t.Errorf("%q: %x, want %x", id, variantHash(id), h.Sum64())
		}
	}
}
