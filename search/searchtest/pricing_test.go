package searchtest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/search"
	"github.com/agoracommerce/agora/search/searchsvc"
)

// fixedCatalog lists the same products for every rebuild.
type fixedCatalog struct{ ps []catalog.Product }

func (c fixedCatalog) ListProducts(context.Context, catalog.ListProductsQuery) (catalog.Page[catalog.Product], error) {
	return catalog.Page[catalog.Product]{Data: c.ps}, nil
}

func (c fixedCatalog) ListCategories(context.Context, catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error) {
	return catalog.Page[catalog.Category]{}, nil
}

// fixedPricing lists price lists and their prices, one of each per page.
type fixedPricing struct {
	lists  []pricing.PriceList
	prices map[string][]pricing.ListPrice
}

func (p fixedPricing) ListPriceLists(_ context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error) {
	return page(p.lists, q.Cursor), nil
}

func (p fixedPricing) ListPrices(_ context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error) {
	return page(p.prices[q.ListID], q.Cursor), nil
}

func page[T any](all []T, cursor string) pricing.Page[T] {
	i := 0
	if cursor != "" {
		i = int(cursor[0] - '0')
	}
	out := pricing.Page[T]{Data: all[i:min(i+1, len(all))]}
	if i+1 < len(all) {
		c := string(rune('0' + i + 1))
		out.NextCursor = &c
	}
	return out
}

func stool(id string, usd ...int64) catalog.Product {
	p := catalog.Product{ID: id, Handle: id, Title: "Oak stool " + id, Status: catalog.Published, Version: 1}
	for i, a := range usd {
		p.Variants = append(p.Variants, catalog.Variant{ID: "var_" + id + "_" + string(rune('a'+i)), Prices: []money.Money{{Amount: a, Currency: "USD"}}})
	}
	return p
}

func send(t *testing.T, svc *searchsvc.Service, module, typ, subject string, data any) {
	t.Helper()
	e, err := event.New(module, typ, subject, data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // at-least-once: twice is harmless
		if err := svc.Handle(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func priceIn(t *testing.T, svc search.Service, id, channel string) int64 {
	t.Helper()
	r, err := svc.Search(context.Background(), search.Query{Q: id, Currency: "USD", Channel: channel})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.Data {
		if h.ID == id && h.Price != nil {
			return h.Price.Amount
		}
	}
	t.Fatalf("%s not found with a price: %+v", id, r.Data)
	return 0
}

// TestPricingEvents: pricing's events re-price products, the event log
// brings them back after a crash, and a rebuild reads the lists from
// pricing (or keeps the index's lists without it).
func TestPricingEvents(t *testing.T) {
	cfg := searchsvc.DefaultConfig()
	cfg.Dir = t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ps := []catalog.Product{stool("p1", 3000, 4000), stool("p2", 5000)}
	svc, err := searchsvc.New(cfg, fixedCatalog{ps}, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		send(t, svc, catalog.Module, catalog.EventProductCreated, p.ID, p)
	}
	sale := pricing.PriceList{ID: "pl_sale", Name: "Sale", Currency: "USD", Active: true, Version: 1}
	send(t, svc, pricing.Module, pricing.EventPriceListCreated, sale.ID, pricing.PriceListCreated{PriceList: sale,
		Prices: []pricing.ListPrice{{VariantID: "var_p1_a", Amount: 4500}, {VariantID: "var_p1_b", Amount: 3500}}})
	if got := priceIn(t, svc, "p1", ""); got != 3500 {
		t.Fatalf("created with prices: %d, want 3500", got)
	}
	send(t, svc, pricing.Module, pricing.EventPricesSet, sale.ID, pricing.PricesSet{PriceListID: sale.ID, Version: 2,
		Prices: []pricing.ListPrice{{VariantID: "var_p2_a", Amount: 2000}}})
	if got := priceIn(t, svc, "p2", ""); got != 2000 {
		t.Fatalf("prices set: %d, want 2000", got)
	}
	trade := pricing.PriceList{ID: "pl_trade", Name: "Trade", Currency: "USD", Channel: "wholesale", Active: true, Version: 1}
	send(t, svc, pricing.Module, pricing.EventPriceListCreated, trade.ID, pricing.PriceListCreated{PriceList: trade,
		Prices: []pricing.ListPrice{{VariantID: "var_p2_a", Amount: 1000}}})
	sale.Version, sale.Active = 3, false
	send(t, svc, pricing.Module, pricing.EventPriceListUpdated, sale.ID, sale)
	if got := priceIn(t, svc, "p1", ""); got != 3000 {
		t.Fatalf("deactivated: %d, want 3000", got)
	}
	_ = svc.Close() // a crash: everything is in the event log only

	svc, err = searchsvc.New(cfg, fixedCatalog{ps}, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if got := priceIn(t, svc, "p2", "wholesale"); got != 1000 {
		t.Fatalf("after the event log's replay: %d, want 1000", got)
	}
	if got := priceIn(t, svc, "p2", ""); got != 5000 {
		t.Fatalf("after the event log's replay: %d, want 5000", got)
	}

	// Without pricing, a rebuild keeps the lists of the index.
	if err := svc.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := priceIn(t, svc, "p2", "wholesale"); got != 1000 {
		t.Fatalf("rebuild without pricing: %d, want 1000", got)
	}
	// With pricing, it reads them: the trade list is gone there and a
	// list the events never brought is in force.
	pr := fixedPricing{
		lists: []pricing.PriceList{sale, {ID: "pl_new", Currency: "USD", Active: true, Version: 1}},
		prices: map[string][]pricing.ListPrice{
			"pl_sale": {{VariantID: "var_p1_a", Amount: 1}},
			"pl_new":  {{VariantID: "var_p1_b", Amount: 2500}, {VariantID: "var_p2_a", Amount: 4800}},
		},
	}
	svc.ReadPricingFrom(func() searchsvc.Pricing { return pr })
	if err := svc.Rebuild(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id, channel string
		want        int64
	}{{"p1", "", 2500}, {"p2", "", 4800}, {"p2", "wholesale", 4800}} {
		if got := priceIn(t, svc, c.id, c.channel); got != c.want {
			t.Errorf("rebuild from pricing: %s in %q: %d, want %d", c.id, c.channel, got, c.want)
		}
	}
}
