package catalogsvc_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func levelEvent(t *testing.T, sku string, available int64, tracked bool, at time.Time) event.Event {
	t.Helper()
	data := map[string]any{"sku": sku, "track_inventory": tracked, "allow_backorder": false, "totals": map[string]any{"available": available, "on_hand": available}}
	e, err := event.New("inventory", catalogsvc.InventoryLevelChanged, sku, data, at)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestStockReachesStoreReads: what inventory reports decides whether a
// priced variant is available, on every store.
func TestStockReachesStoreReads(t *testing.T) {
	stores := map[string]func(t *testing.T) catalogsvc.Store{}
	for _, d := range sqldbtest.Databases() {
		open := func(t *testing.T) catalogsvc.Store {
			d.SkipUnlessConfigured(t)
			st := catalogsql.New(d.Open(t), nil)
			if err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return st
		}
		stores[d.Name] = open
		stores[d.Name+"+cache"] = func(t *testing.T) catalogsvc.Store {
			return catalogsvc.NewCachedStore(open(t), catalogsvc.DefaultCacheConfig())
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			svc := catalogsvc.New(open(t), catalogsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
			usd := []money.Money{{Amount: 1000, Currency: "USD"}}
			p, err := svc.CreateProduct(ctx, catalog.CreateProductCommand{Title: "Kettle", Status: catalog.Published,
				Options: []catalog.Option{{Name: "Color", Values: []string{"Red", "Blue"}}},
				Variants: []catalog.VariantInput{
					{SKU: "KET-R", Options: map[string]string{"Color": "Red"}, Prices: usd},
					{SKU: "KET-B", Options: map[string]string{"Color": "Blue"}, Prices: usd},
				}})
			if err != nil {
				t.Fatal(err)
			}
			avail := func() (bool, bool, bool) {
				t.Helper()
				sp, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Currency: "USD"})
				if err != nil {
					t.Fatal(err)
				}
				page, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Currency: "USD"})
				if err != nil || len(page.Data) != 1 || page.Data[0].Available != sp.Available {
					t.Fatalf("listing %+v %v disagrees with the product page", page, err)
				}
				return sp.Variants[0].Available, sp.Variants[1].Available, sp.Available
			}
			if r, b, any := avail(); !r || !b || !any {
				t.Fatalf("before any stock report: %v %v %v", r, b, any)
			}
			t0 := time.Now()
			if err := svc.HandleInventoryEvent(ctx, levelEvent(t, "KET-R", 0, true, t0)); err != nil {
				t.Fatal(err)
			}
			if r, b, any := avail(); r || !b || !any {
				t.Fatalf("red sold out: %v %v %v", r, b, any)
			}
			if err := svc.HandleInventoryEvent(ctx, levelEvent(t, "KET-B", 0, true, t0)); err != nil {
				t.Fatal(err)
			}
			if r, b, any := avail(); r || b || any {
				t.Fatalf("both sold out: %v %v %v", r, b, any)
			}
			// An older report changes nothing; a newer one restocks; an
			// untracked SKU is always buyable; a redelivery is harmless.
			if err := svc.HandleInventoryEvent(ctx, levelEvent(t, "KET-R", 5, true, t0.Add(-time.Minute))); err != nil {
				t.Fatal(err)
			}
			if r, _, _ := avail(); r {
				t.Fatal("a stale report was applied")
			}
			restock := levelEvent(t, "KET-R", 5, true, t0.Add(time.Second))
			for range 2 {
				if err := svc.HandleInventoryEvent(ctx, restock); err != nil {
					t.Fatal(err)
				}
			}
			if err := svc.HandleInventoryEvent(ctx, levelEvent(t, "KET-B", 0, false, t0.Add(time.Second))); err != nil {
				t.Fatal(err)
			}
			if r, b, any := avail(); !r || !b || !any {
				t.Fatalf("restocked: %v %v %v", r, b, any)
			}
		})
	}
}
