package searchindex

import (
	"bytes"
	"encoding/gob"
	"slices"
	"testing"
	"time"

	"github.com/agoracommerce/agora/search"
)

var t0 = time.Unix(1_700_000_000, 0)

// available returns the ids of available=true matches and each hit's
// available flag.
func available(t *testing.T, x *Index) ([]string, map[string]bool, map[string]int) {
	t.Helper()
	yes := true
	a := mustSearch(t, x, search.Query{Filter: search.Filter{Available: &yes}, Sort: search.SortNewest}, nil)
	got := ids(a)
	slices.Sort(got)
	all := mustSearch(t, x, search.Query{Facets: []string{search.FacetAvailable}}, nil)
	flags := map[string]bool{}
	for _, h := range all.Data {
		flags[h.ID] = h.Available
	}
	facet := map[string]int{}
	for _, v := range all.Facets[search.FacetAvailable] {
		facet[v.Value] = v.Count
	}
	return got, flags, facet
}

func putStock(x *Index, docs ...Doc) {
	for i := range docs {
		docs[i].Searchable, docs[i].InStock = true, true
		if docs[i].Version == 0 {
			docs[i].Version = 1
		}
	}
	x.PutMany(docs)
}

func newStockIndex() *Index {
	x := New("en")
	putStock(x,
		Doc{ID: "lamp", Title: "Brass lamp", SKUs: []string{"LAMP-1"}},
		Doc{ID: "shirt", Title: "Linen shirt", SKUs: []string{"SHIRT-S", "SHIRT-M"}},
		Doc{ID: "poster", Title: "Paper poster"},
	)
	return x
}

func TestStockFollowsInventory(t *testing.T) {
	x := newStockIndex()
	got, flags, facet := available(t, x)
	if !slices.Equal(got, []string{"lamp", "poster", "shirt"}) || !flags["lamp"] || facet["true"] != 3 || facet["false"] != 0 {
		t.Fatalf("before inventory: %v %v %v", got, flags, facet)
	}
	// The lamp's only SKU sells out; one of the shirt's two does.
	if !x.SetStock("LAMP-1", false, t0) || !x.SetStock("SHIRT-S", false, t0) {
		t.Fatal("events not applied")
	}
	got, flags, facet = available(t, x)
	if !slices.Equal(got, []string{"poster", "shirt"}) || flags["lamp"] || !flags["shirt"] || facet["true"] != 2 || facet["false"] != 1 {
		t.Fatalf("lamp sold out: %v %v %v", got, flags, facet)
	}
	no := false
	if r := ids(mustSearch(t, x, search.Query{Filter: search.Filter{Available: &no}}, nil)); !slices.Equal(r, []string{"lamp"}) {
		t.Errorf("available=false: %v", r)
	}
	// The shirt's other SKU sells out too.
	x.SetStock("SHIRT-M", false, t0.Add(time.Second))
	if got, flags, _ = available(t, x); !slices.Equal(got, []string{"poster"}) || flags["shirt"] {
		t.Fatalf("shirt sold out: %v %v", got, flags)
	}
	// Restocked.
	x.SetStock("LAMP-1", true, t0.Add(2*time.Second))
	x.SetStock("SHIRT-M", true, t0.Add(2*time.Second))
	if got, flags, _ = available(t, x); !slices.Equal(got, []string{"lamp", "poster", "shirt"}) || !flags["lamp"] {
		t.Fatalf("restocked: %v %v", got, flags)
	}
	// A SKU unknown to the catalog is kept: the product created later is out.
	x.SetStock("NEW-1", false, t0)
	putStock(x, Doc{ID: "new", Title: "New thing", SKUs: []string{"NEW-1"}})
	if _, flags, _ = available(t, x); flags["new"] {
		t.Error("a product created after its SKU sold out is available")
	}
}

func TestStockIgnoresStaleEvents(t *testing.T) {
	x := newStockIndex()
	x.SetStock("LAMP-1", false, t0.Add(2*time.Second))
	if x.SetStock("LAMP-1", true, t0.Add(time.Second)) {
		t.Error("an older restock was applied")
	}
	if x.SetStock("LAMP-1", false, t0.Add(2*time.Second)) {
		t.Error("a redelivered event was applied")
	}
	if _, flags, _ := available(t, x); flags["lamp"] {
		t.Error("lamp available after a stale event")
	}
	x.SetStock("LAMP-1", true, t0.Add(3*time.Second))
	if x.SetStock("LAMP-1", false, t0.Add(2500*time.Millisecond)) {
		t.Error("an older sell-out was applied")
	}
	if _, flags, _ := available(t, x); !flags["lamp"] {
		t.Error("lamp not available after its newest event")
	}
}

func TestStockSurvivesProductUpdates(t *testing.T) {
	x := newStockIndex()
	x.SetStock("LAMP-1", false, t0)
	// Same text (same slot), then new text (new slot), then a new SKU.
	putStock(x, Doc{ID: "lamp", Title: "Brass lamp", SKUs: []string{"LAMP-1"}, Version: 2, Prices: map[string]int64{"USD": 100}})
	putStock(x, Doc{ID: "lamp", Title: "Brass desk lamp", SKUs: []string{"LAMP-1"}, Version: 3})
	if _, flags, _ := available(t, x); flags["lamp"] {
		t.Fatal("lamp available again after an update")
	}
	if x.SetStock("LAMP-1", true, t0.Add(-time.Second)) {
		t.Error("stale event applied after an update")
	}
	putStock(x, Doc{ID: "lamp", Title: "Brass desk lamp", SKUs: []string{"LAMP-1", "LAMP-2"}, Version: 4})
	if _, flags, _ := available(t, x); !flags["lamp"] {
		t.Error("a new, never reported SKU does not make the lamp available")
	}
	x.Delete("lamp", 5)
	x.SetStock("LAMP-2", false, t0)
	if n := len(x.skus) + len(x.skuMore); n != 2 { // the shirt's two
		t.Errorf("%d SKU refs after the delete, want 2", n)
	}
}

func TestStockHashCollisions(t *testing.T) {
	old := skuHash
	defer func() { skuHash = old }()
	skuHash = func(s string) skuFP { fp := old(s); fp.H = 42; return fp } // every SKU collides
	x := newStockIndex()
	x.SetStock("SHIRT-S", false, t0)
	x.SetStock("SHIRT-M", false, t0)
	got, flags, _ := available(t, x)
	if !slices.Equal(got, []string{"lamp", "poster"}) || flags["shirt"] || !flags["lamp"] {
		t.Fatalf("collisions: %v %v", got, flags)
	}
	// A newer event for one SKU does not make another's look stale.
	if !x.SetStock("LAMP-1", false, t0.Add(-time.Hour)) {
		t.Fatal("LAMP-1 judged by another SKU's time")
	}
	x.SetStock("SHIRT-M", true, t0.Add(time.Second))
	if got, _, _ = available(t, x); !slices.Equal(got, []string{"poster", "shirt"}) {
		t.Fatalf("after restock: %v", got)
	}
	putStock(x, Doc{ID: "shirt", Title: "Linen shirt, long", SKUs: []string{"SHIRT-M"}, Version: 2})
	x.Delete("lamp", 0)
	if len(x.skuMore[42])+1 != 1 || x.skus[42].slot != x.byID["shirt"] {
		t.Errorf("refs after update and delete: %v %v", x.skus, x.skuMore)
	}
}

func TestStockSnapshotAndCarryOver(t *testing.T) {
	x := newStockIndex()
	x.SetStock("LAMP-1", false, t0)
	x.SetStock("SHIRT-S", false, t0)
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, nil); err != nil {
		t.Fatal(err)
	}
	y, _, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, flags, _ := available(t, y)
	if !slices.Equal(got, []string{"poster", "shirt"}) || flags["lamp"] {
		t.Fatalf("after the round trip: %v %v", got, flags)
	}
	if y.SetStock("LAMP-1", true, t0) {
		t.Error("stale event applied after the round trip")
	}
	y.SetStock("SHIRT-M", false, t0)
	if got, _, _ = available(t, y); !slices.Equal(got, []string{"poster"}) {
		t.Errorf("the set is live after the round trip: %v", got)
	}
	// A rebuild: a new index from the catalog, with the old one's stock.
	z := New("en")
	z.CarryStock(y)
	putStock(z,
		Doc{ID: "lamp", Title: "Brass lamp", SKUs: []string{"LAMP-1"}},
		Doc{ID: "shirt", Title: "Linen shirt", SKUs: []string{"SHIRT-S", "SHIRT-M"}},
		Doc{ID: "poster", Title: "Paper poster"},
	)
	if got, _, _ = available(t, z); !slices.Equal(got, []string{"poster"}) {
		t.Errorf("after a rebuild: %v", got)
	}
}

func TestSnapshotVersion1Loads(t *testing.T) {
	x := newStockIndex()
	x.SetStock("LAMP-1", false, t0)
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, nil); err != nil {
		t.Fatal(err)
	}
	// Rewrite the header as version 1 wrote it: no set, no fingerprints.
	dec := gob.NewDecoder(&buf)
	var h snapHeader
	if err := dec.Decode(&h); err != nil {
		t.Fatal(err)
	}
	h.Version, h.NoSell = 1, nil
	for i := range h.Docs {
		h.Docs[i].SKUs = nil
	}
	var out bytes.Buffer
	enc := gob.NewEncoder(&out)
	if err := enc.Encode(&h); err != nil {
		t.Fatal(err)
	}
	// Terms and facets follow the header in the same gob stream: re-encode them.
	x.mu.RLock()
	for i, term := range x.termStr {
		st := snapTerm{Term: term, Surface: x.surface[i]}
		for f := range numFields {
			st.Post[f] = bmBytes(x.post[i][f])
		}
		if err := enc.Encode(&st); err != nil {
			t.Fatal(err)
		}
	}
	for _, bm := range x.facetBm {
		if err := enc.Encode(bmBytes(bm)); err != nil {
			t.Fatal(err)
		}
	}
	x.mu.RUnlock()
	y, _, err := ReadSnapshot(&out)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := available(t, y); !slices.Equal(got, []string{"poster", "shirt"}) {
		t.Errorf("version 1: %v (the stored flags hold)", got)
	}
	putStock(y, Doc{ID: "lamp", Title: "Brass lamp", SKUs: []string{"LAMP-1"}, Version: 2})
	y.SetStock("LAMP-1", false, t0)
	if got, _, _ := available(t, y); !slices.Equal(got, []string{"poster", "shirt"}) {
		t.Errorf("version 1, then events: %v", got)
	}
}
