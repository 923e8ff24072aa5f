package inventorysvc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/event"
)

func available(t *testing.T, svc *inventorysvc.Service, sku string) int64 {
	t.Helper()
	st, err := svc.Availability(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	return st.Totals.Available
}

// TestAvailabilityFollowsWrites: Availability answers from memory, holds
// every write of its own process at once — levels set, reservations made,
// released and committed, also while many run at once — and another
// process's write once its event arrives.
func TestAvailabilityFollowsWrites(t *testing.T) {
	for _, d := range inventorytest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			ctx := context.Background()
			db := d.Open(t)
			cfg := inventorysvc.DefaultConfig()
			cfg.Writers = -1
			cfg.AvailabilityTTL = time.Hour // only invalidation may make it read again
			a := newSQLService(t, db, cfg, time.Now)
			b := newSQLService(t, db, cfg, time.Now) // another process on the database

			inventorytest.MustSetLevel(t, a, "AV-1", "", 10)
			if n := available(t, a, "AV-1"); n != 10 {
				t.Fatalf("after setting 10: %d", n)
			}
			r, err := a.Reserve(ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "AV-1", Quantity: 3}}})
			if err != nil {
				t.Fatal(err)
			}
			if n := available(t, a, "AV-1"); n != 7 {
				t.Fatalf("after reserving 3: %d, want 7", n)
			}
			if _, err := a.Release(ctx, inventory.ReleaseCommand{ReservationID: r.ID}); err != nil {
				t.Fatal(err)
			}
			if n := available(t, a, "AV-1"); n != 10 {
				t.Fatalf("after releasing: %d, want 10", n)
			}

			// Another process's write: b keeps what it read until the event.
			if n := available(t, b, "AV-1"); n != 10 {
				t.Fatalf("b: %d", n)
			}
			inventorytest.MustSetLevel(t, a, "AV-1", "", 4)
			if n := available(t, b, "AV-1"); n != 10 {
				t.Fatalf("b read the database again without an event (%d): the test proves nothing", n)
			}
			e, err := event.New(inventory.Module, inventory.EventLevelChanged, "AV-1", inventory.LevelChanged{SKU: "AV-1"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := b.HandleLevelEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			if n := available(t, b, "AV-1"); n != 4 {
				t.Fatalf("b after the event: %d, want 4", n)
			}

			// Many reservations and reads at once: once they are over, what
			// a reads is what the database holds.
			inventorytest.MustSetLevel(t, a, "AV-2", "", 100)
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Add(2)
				go func() {
					defer wg.Done()
					_, _ = a.Reserve(ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "AV-2", Quantity: int64(1 + i%3)}}})
				}()
				go func() {
					defer wg.Done()
					_, _ = a.Availability(ctx, "AV-2")
				}()
			}
			wg.Wait()
			truth, err := a.GetStock(ctx, "AV-2")
			if err != nil {
				t.Fatal(err)
			}
			if n := available(t, a, "AV-2"); n != truth.Totals.Available || n == 100 {
				t.Fatalf("after concurrent reservations: %d available, the database says %d", n, truth.Totals.Available)
			}
		})
	}
}
