package catalogsvc_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
)

// TestServiceCached runs the whole contract suite over the cached store:
// every read after a write of the same process sees the write.
func TestServiceCached(t *testing.T) {
	catalogtest.TestService(t, func(t *testing.T) catalog.Service {
		st := catalogsql.New(catalogtest.MustOpenSQLite(t), nil)
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return catalogsvc.New(catalogsvc.NewCachedStore(st, catalogsvc.DefaultCacheConfig()), catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	})
}

// TestCacheAcrossProcesses: two services share one database, each with its
// own cache (two processes). A write through one is seen by the other once
// the other applies the write's event, and not served stale after it.
func TestCacheAcrossProcesses(t *testing.T) {
	ctx := t.Context()
	db := catalogtest.MustOpenSQLite(t)
	st := catalogsql.New(db, nil)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cacheA := catalogsvc.NewCachedStore(catalogsql.New(db, nil), catalogsvc.DefaultCacheConfig()).(*catalogsvc.CachedStore)
	cacheB := catalogsvc.NewCachedStore(catalogsql.New(db, nil), catalogsvc.DefaultCacheConfig()).(*catalogsvc.CachedStore)
	a := catalogsvc.New(cacheA, catalogsvc.DefaultConfig(), log, time.Now)
	b := catalogsvc.New(cacheB, catalogsvc.DefaultConfig(), log, time.Now)

	p := catalogtest.MustCreateProduct(t, a, catalog.CreateProductCommand{Title: "Oak chair", Status: catalog.Published,
		Variants: []catalog.VariantInput{{SKU: "OAK-1", Prices: []money.Money{{Amount: 4900, Currency: "USD"}}}}})
	read := func(svc catalog.Service, key string) catalog.StoreProduct {
		t.Helper()
		sp, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: key, Currency: "USD"})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	for range 3 {
		read(b, p.Handle)
		read(b, p.ID)
	}
	if hits, misses := cacheB.Stats(); hits != 4 || misses != 2 {
		t.Fatalf("hits %d, misses %d; want 4 and 2", hits, misses)
	}
	title := "Oak armchair"
	upd, err := a.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(a, p.Handle).Title; got != title {
		t.Fatalf("the writer reads %q after its write", got)
	}
	if got := read(b, p.Handle).Title; got != "Oak chair" {
		t.Fatalf("before the event the other process still has its entry, got %q", got)
	}
	e, err := event.New(catalog.Module, catalog.EventProductUpdated, p.ID, upd, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := cacheB.HandleEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got := read(b, p.Handle).Title; got != title {
		t.Fatalf("after the event the other process reads %q", got)
	}
	if got := read(b, p.ID).Title; got != title {
		t.Fatalf("by id after the event: %q", got)
	}

	// Listings follow product events too.
	list := func(svc catalog.Service) int {
		page, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Currency: "USD", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Data)
	}
	if n := list(b); n != 1 {
		t.Fatalf("listing: %d", n)
	}
	q := catalogtest.MustCreateProduct(t, a, catalog.CreateProductCommand{Title: "Pine stool", Status: catalog.Published})
	if n := list(b); n != 1 {
		t.Fatalf("the listing changed before its event: %d", n)
	}
	e2, _ := event.New(catalog.Module, catalog.EventProductCreated, q.ID, q, time.Now())
	_ = cacheB.HandleEvent(ctx, e2)
	if n := list(b); n != 2 {
		t.Fatalf("the listing after the event: %d", n)
	}

	// Categories are read through the cache too, and follow their events.
	cat, err := a.CreateCategory(ctx, catalog.CreateCategoryCommand{Name: "Chairs", Handle: "chairs"})
	if err != nil {
		t.Fatal(err)
	}
	name := func(svc catalog.Service) string {
		t.Helper()
		c, err := svc.GetCategory(ctx, "chairs")
		if err != nil {
			t.Fatal(err)
		}
		return c.Name
	}
	name(b) // b keeps it
	renamed := "Seating"
	cu, err := a.UpdateCategory(ctx, catalog.UpdateCategoryCommand{ID: cat.ID, Name: &renamed})
	if err != nil {
		t.Fatal(err)
	}
	if got := name(a); got != renamed {
		t.Fatalf("the writer reads category %q after its write", got)
	}
	if got := name(b); got != "Chairs" {
		t.Fatalf("before the event the other process still has its category, got %q", got)
	}
	e3, _ := event.New(catalog.Module, catalog.EventCategoryUpdated, cat.ID, cu, time.Now())
	_ = cacheB.HandleEvent(ctx, e3)
	if got := name(b); got != renamed {
		t.Fatalf("the category after its event: %q", got)
	}
}
