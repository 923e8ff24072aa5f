package searchindex

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agoracommerce/agora/search"
)

func i64(v int64) *int64 { return &v }

func corpus(t testing.TB) *Index {
	t.Helper()
	x := New("en")
	x.PutCategory(Category{ID: "cat_furn", Handle: "furniture", Name: "Furniture"})
	x.PutCategory(Category{ID: "cat_tables", Handle: "tables", Name: "Tables", ParentID: "cat_furn"})
	x.PutCategory(Category{ID: "cat_chairs", Handle: "chairs", Name: "Chairs", ParentID: "cat_furn"})
	x.PutCategory(Category{ID: "cat_shirts", Handle: "shirts", Name: "Shirts"})
	docs := []Doc{
		{ID: "p1", Title: "Walnut dining table", Description: "Solid walnut, seats six. 180cm long.", Attributes: map[string]string{"material": "walnut", "color": "brown"},
			CategoryIDs: []string{"cat_tables"}, Prices: map[string]int64{"USD": 129900, "EUR": 119900}, Popularity: 5},
		{ID: "p2", Title: "Oak dining chair", Description: "A chair for the walnut table.", Attributes: map[string]string{"material": "oak", "color": "brown"},
			CategoryIDs: []string{"cat_chairs"}, Prices: map[string]int64{"USD": 19900}, Popularity: 9},
		{ID: "p3", Title: "Red cotton shirt", Description: "Soft cotton shirt in red.", Attributes: map[string]string{"color": "red", "size": "M"},
			CategoryIDs: []string{"cat_shirts"}, Prices: map[string]int64{"USD": 2500}, Popularity: 2},
		{ID: "p4", Title: "Blue cotton shirts pack", Description: "Three shirts, blue.", Attributes: map[string]string{"color": "blue"},
			CategoryIDs: []string{"cat_shirts"}, Prices: map[string]int64{"USD": 4500}, Popularity: 1},
		{ID: "p5", Title: "Garden table 180 cm", Description: "Weatherproof table for the garden.", Attributes: map[string]string{"material": "teak", "color": "brown"},
			CategoryIDs: []string{"cat_tables"}, Prices: map[string]int64{"USD": 49900}},
		{ID: "p6", Title: "Küchentisch aus Eiche", Description: "Ein massiver Tisch für die Küche.", Translations: map[string]Text{"fr": {Title: "Table de cuisine en chêne", Description: "Une table solide."}, "es": {Title: "Mesa de cocina de roble"}},
			CategoryIDs: []string{"cat_tables"}, Prices: map[string]int64{"EUR": 39900}},
		{ID: "p7", Title: "Crème brûlée torch", Description: "Kitchen torch.", Prices: map[string]int64{"USD": 3900}},
		{ID: "p8", Title: "Hidden draft table", Description: "Not published.", Prices: map[string]int64{"USD": 100}, Searchable: false},
		{ID: "p9", Title: "Wholesale table", Description: "Only for the b2b channel.", Channels: []string{"b2b"}, Prices: map[string]int64{"USD": 100}},
		{ID: "p10", Title: "Laufschuhe für Herren", Description: "Leichte Schuhe zum Laufen.", Prices: map[string]int64{"EUR": 8900}},
		{ID: "p11", Title: "Chaussures de course", Description: "Pour courir.", Prices: map[string]int64{"EUR": 7900}},
		{ID: "p12", Title: "Zapatillas para correr", Description: "Ligeras.", Prices: map[string]int64{"EUR": 6900}},
	}
	for i := range docs {
		if docs[i].ID != "p8" {
			docs[i].Searchable = true
		}
		docs[i].InStock = true
		docs[i].Handle = "h-" + docs[i].ID
		docs[i].Version = 1
		docs[i].Created = int64(i)
	}
	x.PutMany(docs)
	return x
}

func ids(r search.Result) []string {
	out := []string{}
	for _, h := range r.Data {
		out = append(out, h.ID)
	}
	return out
}

func mustSearch(t *testing.T, x *Index, q search.Query, tun *Tuning) search.Result {
	t.Helper()
	r, err := x.Search(q, tun)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func TestRelevance(t *testing.T) {
	x := corpus(t)
	cases := []struct {
		name, q, locale string
		first           string   // expected first hit ("" none expected)
		has             []string // must be among the hits
		not             []string // must not be among the hits
	}{
		{"exact", "walnut table", "", "p1", nil, nil},
		{"title over description", "walnut", "", "p1", []string{"p2"}, nil},
		{"one typo from 5 letters", "walnit", "", "p1", nil, nil},
		{"no typo below 5 letters", "oek", "", "", nil, []string{"p2"}},
		{"two typos from 9 letters", "weatherprof tabel", "", "p5", nil, nil},
		{"transposition", "cottno", "", "", []string{"p3", "p4"}, nil},
		{"prefix on the last word", "walnut din", "", "p1", nil, nil},
		{"prefix alone", "shi", "", "", []string{"p3", "p4"}, nil},
		{"no prefix on an earlier word", "shi red", "", "", nil, []string{"p3"}},
		{"plural stem en", "shirts", "", "", []string{"p3", "p4"}, nil},
		{"units glued", "180cm", "", "", []string{"p1", "p5"}, nil},
		{"units apart", "180 cm table", "", "", []string{"p1", "p5"}, nil},
		{"accents folded", "creme brulee", "", "p7", nil, nil},
		{"accents typed", "crème", "", "p7", nil, nil},
		{"german stem", "küchentische", "de", "p6", nil, nil},
		{"german umlaut folded", "kuchentisch", "de", "p6", nil, nil},
		{"german plural", "schuh", "de", "p10", nil, nil},
		{"french stem", "chaussure", "fr", "p11", nil, nil},
		{"french translation", "tables cuisine", "fr", "p6", nil, nil},
		{"spanish stem", "zapatilla", "es", "p12", nil, nil},
		{"spanish translation", "mesas", "es", "p6", nil, nil},
		{"case", "WALNUT", "", "p1", nil, nil},
		{"draft hidden", "hidden draft", "", "", nil, []string{"p8"}},
		{"other channel hidden", "wholesale", "", "", nil, []string{"p9"}},
		{"phrase beats scattered", `"dining table"`, "", "p1", nil, nil},
		{"exclusion", "shirt -blue", "", "p3", nil, []string{"p4"}},
		{"or", "oak OR teak", "", "", []string{"p2", "p5"}, nil},
		{"operators only", `" * - OR`, "", "", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mustSearch(t, x, search.Query{Q: c.q, Locale: c.locale}, nil)
			got := ids(r)
			if c.first != "" && (len(got) == 0 || got[0] != c.first) {
				t.Errorf("q=%q: first hit %v, want %s", c.q, got, c.first)
			}
			if c.first == "" && len(c.has) == 0 && len(c.not) == 0 && len(got) != 0 && c.q != `" * - OR` {
				t.Errorf("q=%q: hits %v, want none", c.q, got)
			}
			for _, id := range c.has {
				if !slices.Contains(got, id) {
					t.Errorf("q=%q: hits %v, want %s among them", c.q, got, id)
				}
			}
			for _, id := range c.not {
				if slices.Contains(got, id) {
					t.Errorf("q=%q: hits %v, must not have %s", c.q, got, id)
				}
			}
		})
	}
	if r := mustSearch(t, x, search.Query{Q: "wholesale", Channel: "b2b"}, nil); !slices.Contains(ids(r), "p9") {
		t.Errorf("b2b channel: %v, want p9", ids(r))
	}
}

func TestSynonymsStopWordsAndRules(t *testing.T) {
	x := corpus(t)
	tun := Compile([]search.Settings{{Locale: "en", StopWords: []string{"the", "for"}, Synonyms: []search.SynonymSet{{Terms: []string{"tee", "shirt"}}, {Terms: []string{"desk", "dining table"}}}}},
		[]search.Rule{{Query: "Shirt", Pin: []string{"p4"}, Boost: []string{"p7"}}, {Query: "table", Pin: []string{"p8", "p2"}}})
	if got := ids(mustSearch(t, x, search.Query{Q: "tee"}, tun)); !slices.Contains(got, "p3") {
		t.Errorf("synonym tee: %v, want p3", got)
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "tee"}, nil)); len(got) != 0 {
		t.Errorf("without synonyms tee: %v, want none", got)
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "desk"}, tun)); !slices.Contains(got, "p1") || slices.Contains(got, "p5") {
		t.Errorf("multi-word synonym desk: %v, want p1 and not p5", got)
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "table for the garden"}, tun)); len(got) == 0 || got[0] != "p5" {
		t.Errorf("stop words: %v, want p5 first", got)
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "the"}, tun)); len(got) == 0 {
		t.Errorf("a query of stop words only must still search")
	}
	r := mustSearch(t, x, search.Query{Q: "shirt"}, tun)
	if got := ids(r); len(got) < 2 || got[0] != "p4" {
		t.Errorf("pin: %v, want p4 first", got)
	}
	r = mustSearch(t, x, search.Query{Q: "table"}, tun)
	if got := ids(r); len(got) == 0 || got[0] != "p2" || slices.Contains(got, "p8") {
		t.Errorf("pin of a matching-filter product first, unpublished never: %v", got)
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "table", Sort: search.SortPriceDesc, Currency: "USD"}, tun)); got[0] != "p1" {
		t.Errorf("pins apply to relevance only: %v", got)
	}
}

func TestFacetsFiltersSorting(t *testing.T) {
	x := corpus(t)
	r := mustSearch(t, x, search.Query{Limit: 1, Currency: "USD", Facets: []string{"category", "price", "available", "attributes.color", "attributes.nope"}}, nil)
	if r.Total != 10 {
		t.Fatalf("total %d, want 10 searchable products of the channel", r.Total)
	}
	if len(r.Data) != 1 || r.NextCursor == nil {
		t.Fatalf("limit 1: %d hits, cursor %v", len(r.Data), r.NextCursor)
	}
	want := map[string]int{"cat_furn": 4, "cat_shirts": 2}
	for _, fv := range r.Facets["category"] {
		if want[fv.Value] != fv.Count {
			t.Errorf("category facet %s = %d, want %d", fv.Value, fv.Count, want[fv.Value])
		}
	}
	colors := map[string]int{}
	for _, fv := range r.Facets["attributes.color"] {
		colors[fv.Value] = fv.Count
	}
	if colors["brown"] != 3 || colors["red"] != 1 || colors["blue"] != 1 {
		t.Errorf("color facet over all matches: %v", colors)
	}
	if len(r.Facets["attributes.nope"]) != 0 {
		t.Errorf("unknown attribute facet: %v", r.Facets["attributes.nope"])
	}
	n := 0
	for _, fv := range r.Facets["price"] {
		n += fv.Count
	}
	if n != 6 {
		t.Errorf("price facet counts %d products priced in USD, want 6: %+v", n, r.Facets["price"])
	}
	av := map[string]int{}
	for _, fv := range r.Facets["available"] {
		av[fv.Value] = fv.Count
	}
	if av["true"] != 6 || av["false"] != 4 {
		t.Errorf("available facet %v", av)
	}

	// Sub-categories are included; handles work.
	r = mustSearch(t, x, search.Query{Filter: search.Filter{Category: "furniture"}, Facets: []string{"category"}}, nil)
	if r.Total != 4 {
		t.Errorf("furniture with sub-categories: %d, want 4", r.Total)
	}
	if len(r.Facets["category"]) != 2 {
		t.Errorf("category facet under furniture lists its children: %+v", r.Facets["category"])
	}
	r = mustSearch(t, x, search.Query{Q: "table", Currency: "USD", Filter: search.Filter{PriceMin: i64(40000), PriceMax: i64(129900), Attributes: map[string][]string{"color": {"brown"}}}}, nil)
	if got := ids(r); !slices.Equal(sorted(got), []string{"p1", "p5"}) {
		t.Errorf("price and attribute filters: %v", got)
	}
	r = mustSearch(t, x, search.Query{Currency: "USD", Sort: search.SortPriceAsc, Filter: search.Filter{Available: ptr(true)}}, nil)
	if got := ids(r); len(got) != 6 || got[0] != "p3" || got[5] != "p1" {
		t.Errorf("price ascending over available: %v", got)
	}
	r = mustSearch(t, x, search.Query{Currency: "USD", Sort: search.SortPriceDesc, Limit: 2}, nil)
	if got := ids(r); got[0] != "p1" {
		t.Errorf("price descending: %v", got)
	}
	r = mustSearch(t, x, search.Query{Sort: search.SortNewest, Limit: 1}, nil)
	if got := ids(r); got[0] != "p12" {
		t.Errorf("newest: %v", got)
	}
	r = mustSearch(t, x, search.Query{Sort: search.SortPopular, Limit: 1}, nil)
	if got := ids(r); got[0] != "p2" {
		t.Errorf("popular: %v", got)
	}
	// Walk every page with the cursor: no duplicates, nothing lost.
	seen := map[string]bool{}
	q := search.Query{Limit: 3}
	for {
		r := mustSearch(t, x, q, nil)
		for _, id := range ids(r) {
			if seen[id] {
				t.Fatalf("%s twice across pages", id)
			}
			seen[id] = true
		}
		if r.NextCursor == nil {
			break
		}
		q.Cursor = *r.NextCursor
	}
	if len(seen) != 10 {
		t.Errorf("pages gave %d products, want 10", len(seen))
	}
	if _, err := x.Search(search.Query{Cursor: "garbage"}, nil); err == nil {
		t.Error("a bad cursor must be an error")
	}
}

func ptr[T any](v T) *T { return &v }

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestUpdatesDeletesAndVersions(t *testing.T) {
	x := corpus(t)
	x.Put(Doc{ID: "p3", Title: "Green linen shirt", Searchable: true, InStock: true, Version: 2, Prices: map[string]int64{"USD": 100}})
	if got := ids(mustSearch(t, x, search.Query{Q: "cotton red"}, nil)); slices.Contains(got, "p3") {
		t.Errorf("old text still found: %v", got)
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "linen"}, nil)); !slices.Equal(got, []string{"p3"}) {
		t.Errorf("new text: %v", got)
	}
	if x.Put(Doc{ID: "p3", Title: "Stale", Searchable: true, Version: 1}) {
		t.Error("an older version must be ignored")
	}
	// Same text, new price: the slot stays, the price changes.
	x.Put(Doc{ID: "p3", Title: "Green linen shirt", Searchable: true, InStock: false, Version: 3, Prices: map[string]int64{"USD": 999}})
	r := mustSearch(t, x, search.Query{Q: "linen", Currency: "USD"}, nil)
	if len(r.Data) != 1 || r.Data[0].Price.Amount != 999 || r.Data[0].Available {
		t.Errorf("re-priced, sold out: %+v", r.Data)
	}
	x.Delete("p3", 4)
	if got := ids(mustSearch(t, x, search.Query{Q: "linen"}, nil)); len(got) != 0 {
		t.Errorf("deleted still found: %v", got)
	}
	if r := mustSearch(t, x, search.Query{Facets: []string{"attributes.color"}}, nil); r.Total != 9 {
		t.Errorf("total after delete %d, want 9", r.Total)
	}
	if !x.Compact(true) {
		t.Error("compact did nothing")
	}
	if got := ids(mustSearch(t, x, search.Query{Q: "walnut table"}, nil)); len(got) == 0 || got[0] != "p1" {
		t.Errorf("after compaction: %v", got)
	}
	// Moving a category re-files its products.
	x.PutCategory(Category{ID: "cat_shirts", Handle: "shirts", Name: "Shirts", ParentID: "cat_furn"})
	if r := mustSearch(t, x, search.Query{Filter: search.Filter{Category: "cat_furn"}}, nil); r.Total != 5 {
		t.Errorf("after moving shirts under furniture: %d, want 5", r.Total)
	}
}

func TestDidYouMeanAndSuggest(t *testing.T) {
	x := corpus(t)
	r := mustSearch(t, x, search.Query{Q: "wallnutt"}, nil)
	if r.Total != 0 && r.DidYouMean != "" {
		t.Errorf("did-you-mean given with results")
	}
	r = mustSearch(t, x, search.Query{Q: "garedn tabel xx"}, nil)
	if r.Total != 0 {
		t.Fatalf("expected no results, got %v", ids(r))
	}
	r = mustSearch(t, x, search.Query{Q: "grdeen"}, nil)
	if r.Total != 0 || r.DidYouMean != "garden" {
		t.Errorf("did you mean for grdeen: total %d, %q", r.Total, r.DidYouMean)
	}
	s := x.Suggest(search.SuggestQuery{Q: "w"}, nil)
	if len(s.Queries) == 0 || !strings.HasPrefix(s.Queries[0].Text, "w") {
		t.Errorf("suggest from one letter: %+v", s)
	}
	s = x.Suggest(search.SuggestQuery{Q: "walnut di"}, nil)
	found := false
	for _, q := range s.Queries {
		found = found || q.Text == "walnut dining"
	}
	if !found || len(s.Products) == 0 || s.Products[0].ProductID != "p1" {
		t.Errorf("suggest walnut di: %+v", s)
	}
	if s := x.Suggest(search.SuggestQuery{Q: "  "}, nil); len(s.Queries)+len(s.Products) != 0 {
		t.Errorf("suggest of nothing: %+v", s)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	x := corpus(t)
	x.Delete("p2", 0)
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, []byte("meta")); err != nil {
		t.Fatal(err)
	}
	y, meta, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(meta) != "meta" {
		t.Errorf("meta %q", meta)
	}
	for _, q := range []search.Query{
		{Q: "walnut table"}, {Q: "shi"}, {Currency: "USD", Facets: []string{"category", "price", "attributes.color"}},
		{Filter: search.Filter{Category: "furniture"}}, {Q: "chêne", Locale: "fr"},
	} {
		a, b := mustSearch(t, x, q, nil), mustSearch(t, y, q, nil)
		if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
			t.Errorf("query %+v differs after the round trip:\n%v\n%v", q, a, b)
		}
	}
	y.Put(Doc{ID: "p2", Title: "Oak chair again", Searchable: true, Version: 5})
	if got := ids(mustSearch(t, y, search.Query{Q: "again"}, nil)); !slices.Equal(got, []string{"p2"}) {
		t.Errorf("writable after load: %v", got)
	}
}

func TestBadInputIsBounded(t *testing.T) {
	x := corpus(t)
	huge := strings.Repeat("walnut ", 10_000)
	inputs := []string{"", " ", huge, strings.Repeat("é", 5000), strings.Repeat("\"", 300), "***", "- - -", "OR OR OR",
		"\x00\xff\xfe", "🙂🙂🙂 table", strings.Repeat("a", 5000), "NOT AND OR -", "ｔａｂｌｅ", "तालिका", "桌子 table"}
	for _, in := range inputs {
		if _, err := x.Search(search.Query{Q: in, Facets: []string{"price", "category"}}, nil); err != nil {
			t.Errorf("%.20q: %v", in, err)
		}
		x.Suggest(search.SuggestQuery{Q: in}, nil)
	}
}

func TestTokenize(t *testing.T) {
	cases := map[string][]string{
		"180cm":        {"180", "cm"},
		"180 cm":       {"180", "cm"},
		"T-Shirt, XL!": {"t", "shirt", "xl"},
		"Crème Brûlée": {"crème", "brûlée"},
		"l'eau":        {"l", "eau"},
		"":             nil,
		"iPhone15Pro":  {"iphone", "15", "pro"},
		"e\u0301clair": {"e\u0301clair"},
	}
	for in, want := range cases {
		var got []string
		for _, tk := range Tokenize(in, 0) {
			got = append(got, tk.Word)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Stem("de", "Küchentische"); got == "" {
		t.Error("empty stem")
	}
	if Normalize("  Crème-BRÛLÉE ") != "creme brulee" {
		t.Errorf("Normalize: %q", Normalize("  Crème-BRÛLÉE "))
	}
	if d := editDistance("walnut", "walnit", 2); d != 1 {
		t.Errorf("edit distance %d", d)
	}
	if d := editDistance("dinnig", "dining", 2); d != 1 {
		t.Errorf("transposition distance %d", d)
	}
}

func FuzzParse(f *testing.F) {
	x := corpus(f)
	for _, s := range []string{"walnut table", `"dining table" -oak`, "a OR b", "180cm", "-", "OR", "é", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) && len(q) > 1000 {
			return
		}
		r, err := x.Search(search.Query{Q: q, Limit: 5, Facets: []string{"category"}}, nil)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(r.Data) > 5 || r.Total < 0 {
			t.Fatalf("%q: %d hits, total %d", q, len(r.Data), r.Total)
		}
		p := x.parse(q, "en", nil)
		if len(p.clauses) > search.MaxQueryTerms {
			t.Fatalf("%q: %d clauses", q, len(p.clauses))
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The writer's forms of a token, of the text hash and of the SKU hash are
// what Tokenize, hash/fnv and crc32 give.
func TestWriterFormsMatchReference(t *testing.T) {
	long := strings.Repeat("Ab", 40)
	texts := []string{"", "T-Shirt, XL! 180cm", "Crème BRÛLÉE Straße ÆON", long + " " + strings.Repeat("É", 40), "İstanbul ǅemal \xff x", "a_b-c.d 12ab34"}
	for _, text := range texts {
		var want []string
		for _, tk := range Tokenize(text, 3) {
			want = append(want, tk.Word)
		}
		var got []string
		n := forTokens(text, 3, func(raw string) { got = append(got, string(appendLowerToken(nil, raw))) })
		if !slices.Equal(got, want) || n != len(want) {
			t.Errorf("%q: writer %q (%d), Tokenize %q", text, got, n, want)
		}
	}
	for _, sku := range []string{"", "BENCH-000001-01", long} {
		h := fnv.New64a()
		h.Write([]byte(sku))
		if fp := skuHash(sku); fp.H != h.Sum64() || fp.C != crc32.Checksum([]byte(sku), crcTable) {
			t.Errorf("skuHash(%q) = %+v", sku, fp)
		}
	}
	d := Doc{Title: "Oak table", Description: "Solid", Attributes: map[string]string{"b": "2", "a": "1"},
		Translations: map[string]Text{"fr": {Title: "Table"}, "de": {Title: "Tisch", Description: "Eiche"}}}
	h := fnv.New64a()
	for _, s := range []string{"Oak table", "Solid", "a", "1", "b", "2", "de", "Tisch", "Eiche", "fr", "Table", ""} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if got := New("en").textHash(&d); got != h.Sum64() {
		t.Errorf("textHash %x, want %x", got, h.Sum64())
	}
}
