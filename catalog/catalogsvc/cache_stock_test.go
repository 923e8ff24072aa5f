package catalogsvc_test

import (
	"context"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// TestStockStatesAcrossInstances: three processes' caches over one
// database. The process whose durable consumer applies an inventory event
// shows it at once; the others when the event reaches their watch, even
// when the watch brings it before the database has it, and a database
// read that lags an event never brings an older state back.
func TestStockStatesAcrossInstances(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			ctx := context.Background()
			db := d.Open(t)
			instance := func() (*catalogsvc.Service, *catalogsvc.CachedStore) { return catalogtest.CachedInstance(t, db) }
			a, _ := instance()
			b, bCache := instance()
			p, err := a.CreateProduct(ctx, catalog.CreateProductCommand{Title: "Kettle", Status: catalog.Published,
				Variants: []catalog.VariantInput{{SKU: "KET-1", Prices: []money.Money{{Amount: 1000, Currency: "USD"}}}}})
			if err != nil {
				t.Fatal(err)
			}
			available := func(svc *catalogsvc.Service) bool {
				t.Helper()
				sp, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Currency: "USD"})
				if err != nil {
					t.Fatal(err)
				}
				return sp.Variants[0].Available
			}
			if !available(a) || !available(b) {
				t.Fatal("a SKU no report mentions is available")
			}
			t0 := time.Now().UTC().Truncate(time.Millisecond)
			soldOut := levelEvent(t, "KET-1", 0, true, t0)
			if err := a.HandleInventoryEvent(ctx, soldOut); err != nil { // a's durable consumer
				t.Fatal(err)
			}
			if available(a) {
				t.Fatal("the process that applied the sale still shows stock")
			}
			if !available(b) {
				t.Fatal("b answered from the database, not from what it holds (the test would prove nothing)")
			}
			_ = bCache.HandleEvent(ctx, soldOut) // b's watch
			if available(b) {
				t.Fatal("b's watch delivered the sale and b still shows stock")
			}

			// A restock reaches b's watch before any database has it.
			restock := levelEvent(t, "KET-1", 5, true, t0.Add(time.Second))
			_ = bCache.HandleEvent(ctx, restock)
			if !available(b) {
				t.Fatal("b's watch delivered the restock and b still shows it sold out")
			}
			// A new process reads the database (sold out, t0) after its
			// watch brought the restock (t0+1s): the newer report stands.
			c, cCache := instance()
			_ = cCache.HandleEvent(ctx, restock)
			if !available(c) {
				t.Fatal("a lagging database read brought back an older state")
			}
			// An older report arriving late changes nothing.
			_ = cCache.HandleEvent(ctx, levelEvent(t, "KET-1", 0, true, t0.Add(-time.Minute)))
			if !available(c) {
				t.Fatal("an older report was applied over a newer one")
			}
			if h, m := bCache.StockStats(); h == 0 || m == 0 {
				t.Fatalf("stock reads: %d hits, %d misses; want both", h, m)
			}
		})
	}
}
