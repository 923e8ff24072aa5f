// Package searchtest holds the contract suite of search.Service, run
// against the service in-process and through the HTTP client.
package searchtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/search"
)

// Feed gives products and categories to the implementation under test, as
// the catalog's events would.
type Feed interface {
	PutCategory(c catalog.Category)
	PutProduct(p catalog.Product)
	DeleteProduct(p catalog.Product)
}

// Factory returns a fresh, empty service and its feed.
type Factory func(t *testing.T) (search.Service, Feed)

// Products are the suite's catalog.
func Products() ([]catalog.Category, []catalog.Product) {
	cats := []catalog.Category{
		{ID: "cat_home", Handle: "home", Name: "Home"},
		{ID: "cat_tables", Handle: "tables", Name: "Tables", ParentID: "cat_home"},
		{ID: "cat_clothes", Handle: "clothes", Name: "Clothes"},
	}
	price := func(usd int64) []catalog.Variant {
		return []catalog.Variant{{ID: "var_1", Prices: []money.Money{{Amount: usd, Currency: "USD"}}}}
	}
	t0 := time.Unix(1_700_000_000, 0).UTC()
	ps := []catalog.Product{
		{ID: "prod_1", Handle: "walnut-dining-table", Title: "Walnut dining table", Description: "Solid walnut, seats six.", Status: catalog.Published,
			CategoryIDs: []string{"cat_tables"}, Attributes: map[string]string{"material": "walnut", "color": "brown"}, Variants: price(129900)},
		{ID: "prod_2", Handle: "garden-table", Title: "Garden table 180 cm", Description: "Teak.", Status: catalog.Published,
			CategoryIDs: []string{"cat_tables"}, Attributes: map[string]string{"material": "teak", "color": "brown"}, Variants: price(49900)},
		{ID: "prod_3", Handle: "red-shirt", Title: "Red cotton shirt", Description: "Soft.", Status: catalog.Published,
			CategoryIDs: []string{"cat_clothes"}, Attributes: map[string]string{"color": "red"}, Variants: price(2500)},
		{ID: "prod_4", Handle: "blue-shirts", Title: "Blue cotton shirts", Description: "Three.", Status: catalog.Published,
			CategoryIDs: []string{"cat_clothes"}, Attributes: map[string]string{"color": "blue"}, Variants: price(4500)},
		{ID: "prod_5", Handle: "draft-lamp", Title: "Draft lamp", Status: catalog.Draft, Variants: price(100)},
	}
	for i := range ps {
		ps[i].Version = 1
		ps[i].CreatedAt = t0.Add(time.Duration(i) * time.Hour)
	}
	return cats, ps
}

func load(f Feed) {
	cats, ps := Products()
	for _, c := range cats {
		f.PutCategory(c)
	}
	for _, p := range ps {
		f.PutProduct(p)
	}
}

func ids(r search.Result) []string {
	out := []string{}
	for _, h := range r.Data {
		out = append(out, h.ID)
	}
	return out
}

// TestService runs the contract suite against the implementation that new
// returns.
func TestService(t *testing.T, new Factory) {
	ctx := context.Background()
	t.Run("search", func(t *testing.T) {
		svc, feed := new(t)
		load(feed)
		r, err := svc.Search(ctx, search.Query{Q: "walnut tabel", Currency: "USD"})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(r); len(got) == 0 || got[0] != "prod_1" {
			t.Fatalf("walnut tabel: %v", got)
		}
		if h := r.Data[0]; h.Price == nil || h.Price.Amount != 129900 || !h.Available || h.Handle != "walnut-dining-table" {
			t.Errorf("hit: %+v", h)
		}
		r, err = svc.Search(ctx, search.Query{Currency: "USD", Facets: []string{"category", "price", "attributes.color"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != 4 {
			t.Errorf("empty q lists the 4 published products, got %d", r.Total)
		}
		if len(r.Facets["category"]) != 2 || len(r.Facets["attributes.color"]) != 3 || len(r.Facets["price"]) == 0 {
			t.Errorf("facets: %+v", r.Facets)
		}
		lo := int64(3000)
		r, err = svc.Search(ctx, search.Query{Q: "shirt", Currency: "USD", Filter: search.Filter{PriceMin: &lo}})
		if err != nil || !slices.Equal(ids(r), []string{"prod_4"}) {
			t.Errorf("price filter: %v %v", ids(r), err)
		}
		r, err = svc.Search(ctx, search.Query{Filter: search.Filter{Category: "home", Attributes: map[string][]string{"material": {"teak", "oak"}}}})
		if err != nil || !slices.Equal(ids(r), []string{"prod_2"}) {
			t.Errorf("category + attribute filter: %v %v", ids(r), err)
		}
		r, err = svc.Search(ctx, search.Query{Sort: search.SortPriceAsc, Currency: "USD", Limit: 2})
		if err != nil || !slices.Equal(ids(r), []string{"prod_3", "prod_4"}) || r.NextCursor == nil {
			t.Fatalf("price_asc page 1: %v %v", ids(r), err)
		}
		r, err = svc.Search(ctx, search.Query{Sort: search.SortPriceAsc, Currency: "USD", Limit: 2, Cursor: *r.NextCursor})
		if err != nil || !slices.Equal(ids(r), []string{"prod_2", "prod_1"}) || r.NextCursor != nil {
			t.Errorf("price_asc page 2: %v %v", ids(r), err)
		}
		if r, _ := svc.Search(ctx, search.Query{Q: "lamp"}); r.Total != 0 {
			t.Errorf("a draft is not searchable: %v", ids(r))
		}
		if r, _ := svc.Search(ctx, search.Query{Q: "grdeen"}); r.Total != 0 || r.DidYouMean != "garden" {
			t.Errorf("did you mean: %+v", r)
		}
	})
	t.Run("updates and deletes", func(t *testing.T) {
		svc, feed := new(t)
		load(feed)
		_, ps := Products()
		p := ps[2]
		p.Version = 2
		p.Variants = []catalog.Variant{{ID: "var_1", Prices: []money.Money{{Amount: 1999, Currency: "USD"}}}}
		feed.PutProduct(p)
		r, err := svc.Search(ctx, search.Query{Q: "red shirt", Currency: "USD"})
		if err != nil || len(r.Data) != 1 || r.Data[0].Price.Amount != 1999 {
			t.Fatalf("re-priced: %+v %v", r.Data, err)
		}
		p.Version = 3
		feed.DeleteProduct(p)
		if r, _ := svc.Search(ctx, search.Query{Q: "red shirt"}); r.Total != 0 {
			t.Errorf("deleted: %v", ids(r))
		}
	})
	t.Run("suggest", func(t *testing.T) {
		svc, feed := new(t)
		load(feed)
		s, err := svc.Suggest(ctx, search.SuggestQuery{Q: "wal"})
		if err != nil || len(s.Queries) == 0 || s.Queries[0].Text != "walnut" || len(s.Products) != 1 || s.Products[0].ProductID != "prod_1" {
			t.Errorf("suggest wal: %+v %v", s, err)
		}
	})
	t.Run("settings and rules", func(t *testing.T) {
		svc, feed := new(t)
		load(feed)
		st, err := svc.PutSettings(ctx, search.PutSettingsCommand{Locale: "en", Synonyms: []search.SynonymSet{{Terms: []string{"tee", "shirt"}}}, StopWords: []string{"the"}})
		if err != nil || len(st.Synonyms) != 1 {
			t.Fatalf("put settings: %+v %v", st, err)
		}
		got, err := svc.GetSettings(ctx, "en")
		if err != nil || len(got.StopWords) != 1 || got.StopWords[0] != "the" {
			t.Errorf("get settings: %+v %v", got, err)
		}
		if r, _ := svc.Search(ctx, search.Query{Q: "the tee"}); len(r.Data) != 2 {
			t.Errorf("synonym + stop word: %v", ids(r))
		}
		rule, err := svc.PutRule(ctx, search.PutRuleCommand{Query: "Shirt", Pin: []string{"prod_4"}})
		if err != nil || rule.ID == "" {
			t.Fatalf("put rule: %+v %v", rule, err)
		}
		again, err := svc.PutRule(ctx, search.PutRuleCommand{Query: "shirt!", Pin: []string{"prod_4", "prod_3"}})
		if err != nil || again.ID != rule.ID {
			t.Errorf("the same query replaces its rule: %+v %v", again, err)
		}
		if r, _ := svc.Search(ctx, search.Query{Q: "shirt"}); !slices.Equal(ids(r), []string{"prod_4", "prod_3"}) {
			t.Errorf("pinned: %v", ids(r))
		}
		rules, err := svc.ListRules(ctx)
		if err != nil || len(rules) != 1 {
			t.Errorf("rules: %+v %v", rules, err)
		}
		if err := svc.DeleteRule(ctx, rule.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteRule(ctx, rule.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("deleting twice: %v", err)
		}
		if _, err := svc.PutSettings(ctx, search.PutSettingsCommand{Locale: "en", Synonyms: []search.SynonymSet{{Terms: []string{"only one"}}}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a synonym set of one: %v", err)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		svc, feed := new(t)
		load(feed)
		long := make([]rune, search.MaxQueryLen+1)
		for i := range long {
			long[i] = 'ü'
		}
		lo, hi := int64(10), int64(5)
		bad := []search.Query{
			{Limit: search.MaxLimit + 1}, {Limit: -1}, {Sort: "cheapest"}, {Sort: search.SortPriceAsc}, {Currency: "usd"},
			{Cursor: "x"}, {Facets: []string{"colour"}}, {Q: string(long)},
			{Currency: "USD", Filter: search.Filter{PriceMin: &lo, PriceMax: &hi}}, {Filter: search.Filter{PriceMin: &lo}},
			{Facets: []string{"price", "price", "price", "price", "price", "price", "price", "price", "price", "price", "price"}},
		}
		for _, q := range bad {
			if _, err := svc.Search(ctx, q); !errs.Is(err, errs.Invalid) {
				t.Errorf("%+v: %v, want Invalid", q, err)
			}
		}
		odd := []string{`"`, "*", "-", "OR", "- OR *", `"walnut`, "🙂", "\u0000", "ＷＡＬＮＵＴ"}
		for _, q := range odd {
			if _, err := svc.Search(ctx, search.Query{Q: q, Facets: []string{"attributes.unknown"}, Filter: search.Filter{Attributes: map[string][]string{"unknown": {"x"}}}}); err != nil {
				t.Errorf("%q: %v", q, err)
			}
		}
	})
}
