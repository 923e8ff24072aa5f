package pricingsvc_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/pricing/pricingsql"
	"github.com/agoracommerce/agora/pricing/pricingsvc"
	"github.com/agoracommerce/agora/pricing/pricingtest"
)

// instance is one process's pricing over a shared database: its cache, and
// its service.
type instance struct {
	cache *pricingsvc.CachedStore
	svc   *pricingsvc.Service
}

func newInstance(t *testing.T, db *sqldb.DB, now func() time.Time) instance {
	t.Helper()
	st := pricingsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := pricingsvc.NewCachedStore(st, pricingsvc.DefaultCacheConfig()).(*pricingsvc.CachedStore)
	return instance{cache: c, svc: pricingsvc.New(c, pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), now)}
}

func unitPrice(t *testing.T, svc pricing.Service, q pricing.QuoteQuery) int64 {
	t.Helper()
	out, err := svc.Quote(context.Background(), q)
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	return out.Lines[0].UnitPrice.Amount
}

func usdQuote(variantID string) pricing.QuoteQuery {
	return pricing.QuoteQuery{Currency: "USD", Lines: []pricing.QuoteLine{{VariantID: variantID, Quantity: 1}}}
}

func productEvent(t *testing.T, typ string, p catalog.Product) event.Event {
	return pricingtest.ProductEvent(t, typ, p)
}

// The chair of every test: one product with one variant.
var chairID, chairVariant = id.New("prod"), id.New("var")

func chair(version int64, amount int64) catalog.Product {
	return catalog.Product{ID: chairID, Title: "Chair", Version: version,
		Variants: []catalog.Variant{{ID: chairVariant, SKU: "CHAIR", Prices: []money.Money{{Amount: amount, Currency: "USD"}}}}}
}

// TestCacheOwnWrites: every write of a process is read back by its next
// quote, whatever was cached before it.
func TestCacheOwnWrites(t *testing.T) {
	ctx := context.Background()
	a := newInstance(t, sqldbtest.MustOpenSQLite(t), time.Now)
	p := chair(1, 1000)
	vid := p.Variants[0].ID
	if err := a.svc.HandleCatalogEvent(ctx, productEvent(t, catalog.EventProductCreated, p)); err != nil {
		t.Fatal(err)
	}
	want := func(amount int64) {
		t.Helper()
		for range 2 { // the first read fills the cache, the second reads it
			if got := unitPrice(t, a.svc, usdQuote(vid)); got != amount {
				t.Fatalf("unit price %d, want %d", got, amount)
			}
		}
	}
	want(1000)
	p = chair(2, 900)
	if err := a.svc.HandleCatalogEvent(ctx, productEvent(t, catalog.EventProductUpdated, p)); err != nil {
		t.Fatal(err)
	}
	want(900)
	pl, err := a.svc.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Sale", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: vid, Amount: 800}}})
	if err != nil {
		t.Fatal(err)
	}
	want(800)
	if err := a.svc.SetPrices(ctx, pricing.SetPricesCommand{ListID: pl.ID, Prices: []pricing.ListPrice{{VariantID: vid, Amount: 700}}}); err != nil {
		t.Fatal(err)
	}
	want(700)
	off := false
	if _, err := a.svc.UpdatePriceList(ctx, pricing.UpdatePriceListCommand{ID: pl.ID, Active: &off}); err != nil {
		t.Fatal(err)
	}
	want(900)
	on := true
	if _, err := a.svc.UpdatePriceList(ctx, pricing.UpdatePriceListCommand{ID: pl.ID, Active: &on}); err != nil {
		t.Fatal(err)
	}
	want(700)
	if err := a.svc.DeletePriceList(ctx, pl.ID); err != nil {
		t.Fatal(err)
	}
	want(900)
	if hits, misses := a.cache.Stats(); hits == 0 || misses == 0 {
		t.Fatalf("hits %d, misses %d", hits, misses)
	}
}

// TestCacheWindowAtQuoteTime: the cache keeps a list's window, not whether
// it applied when it was read, so a sale starts and ends on time.
func TestCacheWindowAtQuoteTime(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	clock := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	a := newInstance(t, sqldbtest.MustOpenSQLite(t), now)
	p := chair(1, 1000)
	vid := p.Variants[0].ID
	if err := a.svc.HandleCatalogEvent(ctx, productEvent(t, catalog.EventProductCreated, p)); err != nil {
		t.Fatal(err)
	}
	starts, ends := clock.Add(time.Hour), clock.Add(2*time.Hour)
	if _, err := a.svc.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Black Friday", Currency: "USD", StartsAt: &starts, EndsAt: &ends,
		Prices: []pricing.ListPrice{{VariantID: vid, Amount: 500}}}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at   time.Time
		want int64
	}{{clock, 1000}, {clock, 1000}, {starts, 500}, {starts.Add(time.Minute), 500}, {ends.Add(-time.Microsecond), 500}, {ends, 1000}, {ends.Add(time.Hour), 1000}} {
		set(step.at)
		if got := unitPrice(t, a.svc, usdQuote(vid)); got != step.want {
			t.Fatalf("at %s: unit price %d, want %d", step.at, got, step.want)
		}
		q := usdQuote(vid)
		q.At = step.at
		if got := unitPrice(t, a.svc, q); got != step.want {
			t.Fatalf("quote at %s: unit price %d, want %d", step.at, got, step.want)
		}
	}
}

// TestCacheSharedDatabase: two processes on one database. The writes of
// one reach the other's cache through the events both see, and a catalog
// event seen before the read model applied it does not let the old price
// be kept.
func TestCacheSharedDatabase(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.MustOpenSQLite(t)
	a, b := newInstance(t, db, time.Now), newInstance(t, db, time.Now)
	p := chair(1, 1000)
	vid := p.Variants[0].ID
	created := productEvent(t, catalog.EventProductCreated, p)
	if err := b.svc.HandleCatalogEvent(ctx, created); err != nil { // b's consumer applies it
		t.Fatal(err)
	}
	_ = a.cache.HandleEvent(ctx, created) // a watches it
	if got := unitPrice(t, a.svc, usdQuote(vid)); got != 1000 {
		t.Fatalf("unit price %d", got)
	}

	// A price list created by b: a reads it once the event arrives.
	var events []event.Event
	pl, err := b.svc.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Sale", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: vid, Amount: 800}}})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := event.New(pricing.Module, pricing.EventPriceListCreated, pl.ID, pricing.PriceListCreated{PriceList: pl}, time.Now())
	events = append(events, e)
	for _, e := range events {
		_ = a.cache.HandleEvent(ctx, e)
	}
	if got := unitPrice(t, a.svc, usdQuote(vid)); got != 800 {
		t.Fatalf("after b's price list: unit price %d, want 800", got)
	}
	if err := b.svc.DeletePriceList(ctx, pl.ID); err != nil {
		t.Fatal(err)
	}
	e, _ = event.New(pricing.Module, pricing.EventPriceListDeleted, pl.ID, pl, time.Now())
	_ = a.cache.HandleEvent(ctx, e)
	if got := unitPrice(t, a.svc, usdQuote(vid)); got != 1000 {
		t.Fatalf("after b deleted the list: unit price %d, want 1000", got)
	}

	// The catalog's update reaches a's watch before b's consumer applied
	// it: a answers the old price meanwhile, but keeps nothing of it.
	p = chair(2, 900)
	updated := productEvent(t, catalog.EventProductUpdated, p)
	_ = a.cache.HandleEvent(ctx, updated)
	for range 2 {
		if got := unitPrice(t, a.svc, usdQuote(vid)); got != 1000 {
			t.Fatalf("before the read model applied version 2: unit price %d", got)
		}
	}
	if err := b.svc.HandleCatalogEvent(ctx, updated); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := unitPrice(t, a.svc, usdQuote(vid)); got != 900 {
			t.Fatalf("after the read model applied version 2: unit price %d, want 900", got)
		}
	}
}

// racingStore runs during, before BaseVariants and ListedPrices answer.
type racingStore struct {
	pricingsvc.Store
	during func()
}

func (s *racingStore) BaseVariants(ctx context.Context, ids []string) (map[string]pricingsvc.BaseVariant, error) {
	out, err := s.Store.BaseVariants(ctx, ids)
	if s.during != nil {
		s.during()
	}
	return out, err
}

func (s *racingStore) ListedPrices(ctx context.Context, currency string, ids []string) ([]pricingsvc.ListedPrice, error) {
	out, err := s.Store.ListedPrices(ctx, currency, ids)
	if s.during != nil {
		s.during()
	}
	return out, err
}

// TestCacheReadRacingWrite: a read that an invalidation overtook is
// answered but never kept.
func TestCacheReadRacingWrite(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.MustOpenSQLite(t)
	st := pricingsql.New(db, nil)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	writer := pricingsvc.New(st, pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
	rs := &racingStore{Store: st}
	c := pricingsvc.NewCachedStore(rs, pricingsvc.DefaultCacheConfig()).(*pricingsvc.CachedStore)
	svc := pricingsvc.New(c, pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
	p := chair(1, 1000)
	vid := p.Variants[0].ID
	if err := writer.HandleCatalogEvent(ctx, productEvent(t, catalog.EventProductCreated, p)); err != nil {
		t.Fatal(err)
	}
	// The product changes while the cache reads it (the other process's
	// event comes with it).
	rs.during = func() {
		rs.during = nil
		p := chair(2, 900)
		e := productEvent(t, catalog.EventProductUpdated, p)
		if err := writer.HandleCatalogEvent(ctx, e); err != nil {
			t.Error(err)
		}
		_ = c.HandleEvent(ctx, e)
	}
	if got := unitPrice(t, svc, usdQuote(vid)); got != 1000 {
		t.Fatalf("the racing read: %d", got)
	}
	if got := unitPrice(t, svc, usdQuote(vid)); got != 900 {
		t.Fatalf("after the race: unit price %d, want 900", got)
	}
	// An invalidation that names no version (a write whose commit failed
	// as far as it knows) keeps a racing read out too.
	rs.during = func() {
		rs.during = nil
		if err := writer.HandleCatalogEvent(ctx, productEvent(t, catalog.EventProductUpdated, chair(3, 850))); err != nil {
			t.Error(err)
		}
		c.InvalidateProduct(chairID, 0)
	}
	c.InvalidateProduct(chairID, 0)
	if got := unitPrice(t, svc, usdQuote(vid)); got != 900 {
		t.Fatalf("the second racing read: %d", got)
	}
	if got := unitPrice(t, svc, usdQuote(vid)); got != 850 {
		t.Fatalf("after the second race: unit price %d, want 850", got)
	}
	// Same for a price list created during a read of list prices.
	rs.during = func() {
		rs.during = nil
		pl, err := writer.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Sale", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: vid, Amount: 100}}})
		if err != nil {
			t.Error(err)
		}
		e, _ := event.New(pricing.Module, pricing.EventPriceListCreated, pl.ID, pricing.PriceListCreated{PriceList: pl}, time.Now())
		_ = c.HandleEvent(ctx, e)
	}
	c.InvalidateLists() // the chair's list prices are read again, racing with the list
	if got := unitPrice(t, svc, usdQuote(vid)); got != 850 {
		t.Fatalf("the racing read of list prices: %d", got)
	}
	if got := unitPrice(t, svc, usdQuote(vid)); got != 100 {
		t.Fatalf("after the list: unit price %d, want 100", got)
	}
}
