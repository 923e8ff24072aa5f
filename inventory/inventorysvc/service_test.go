package inventorysvc_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysql"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// newSQLService returns the service over the SQL store on db, migrated.
func newSQLService(tb testing.TB, db *sqldb.DB, cfg inventorysvc.Config, now func() time.Time) *inventorysvc.Service {
	tb.Helper()
	st := inventorysql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	if cfg.Writers < 0 {
		cfg.Writers = st.Writers()
	}
	return inventorysvc.New(st, cfg, slog.New(slog.DiscardHandler), now)
}

// TestServiceSQL runs the contract suite against the service on SQLite and,
// when AGORA_TEST_POSTGRES_URL is set, on PostgreSQL, with and without
// coalescing.
func TestServiceSQL(t *testing.T) {
	for _, d := range inventorytest.Databases() {
		for _, coalesce := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/coalesce=%v", d.Name, coalesce), func(t *testing.T) {
				d.SkipUnlessConfigured(t)
				cfg := inventorysvc.DefaultConfig()
				cfg.Coalesce, cfg.Writers = coalesce, -1
				inventorytest.TestService(t, func(t *testing.T) inventory.Service { return newSQLService(t, d.Open(t), cfg, time.Now) })
			})
		}
	}
}

// clock is a settable clock for the sweeper tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func sweepConfig() inventorysvc.Config {
	cfg := inventorysvc.DefaultConfig()
	cfg.SweepInterval = 20 * time.Millisecond
	return cfg
}

// TestSweeper checks that expired reservations, and only they, are
// released by the sweeper, on every store, with an injected clock.
func TestSweeper(t *testing.T) {
	stores := map[string]func(t *testing.T, now func() time.Time) inventory.Service{}
	for _, d := range inventorytest.Databases() {
		stores[d.Name] = func(t *testing.T, now func() time.Time) inventory.Service {
			d.SkipUnlessConfigured(t)
			return newSQLService(t, d.Open(t), sweepConfig(), now)
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			c := &clock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
			svc := open(t, c.now)
			inventorytest.MustSetLevel(t, svc, "SWEEP", "", 10)
			short := inventorytest.MustReserve(t, svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "SWEEP", Quantity: 3}}, TTLSeconds: 60})
			long := inventorytest.MustReserve(t, svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "SWEEP", Quantity: 2}}, TTLSeconds: 600})
			committed := inventorytest.MustReserve(t, svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "SWEEP", Quantity: 1}}, TTLSeconds: 60})
			if _, err := svc.Commit(ctx, inventory.CommitCommand{ReservationID: committed.ID}); err != nil {
				t.Fatal(err)
			}
			c.add(59 * time.Second)
			if res, err := svc.ExpireReservations(ctx, inventory.ExpireCommand{}); err != nil || res.Expired != 0 {
				t.Fatalf("before expiry: %+v, %v", res, err)
			}
			c.add(2 * time.Second)
			res, err := svc.ExpireReservations(ctx, inventory.ExpireCommand{})
			if err != nil || res.Expired != 1 {
				t.Fatalf("after expiry: %+v, %v", res, err)
			}
			for _, w := range []struct {
				id    string
				state inventory.State
			}{{short.ID, inventory.Expired}, {long.ID, inventory.Active}, {committed.ID, inventory.Committed}} {
				if r, _ := svc.GetReservation(ctx, w.id); r.State != w.state {
					t.Errorf("reservation %s is %s, want %s", w.id, r.State, w.state)
				}
			}
			inventorytest.WantTotals(t, svc, "SWEEP", 9, 2, 1)
			// An expired reservation cannot be committed; releasing it is a no-op.
			_, err = svc.Commit(ctx, inventory.CommitCommand{ReservationID: short.ID})
			errstest.Want(t, err, errs.Conflict, "reservation_expired")
			if r, err := svc.Release(ctx, inventory.ReleaseCommand{ReservationID: short.ID}); err != nil || r.State != inventory.Expired {
				t.Fatalf("Release of an expired reservation: %+v, %v", r, err)
			}
			// The sweeper loop does the same on its own.
			c.add(time.Hour)
			s := svc.(*inventorysvc.Service)
			sctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { s.Sweep(sctx); close(done) }()
			deadline := time.Now().Add(15 * time.Second)
			for {
				if r, _ := svc.GetReservation(ctx, long.ID); r.State == inventory.Expired {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the sweeper did not expire the reservation")
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			<-done
			inventorytest.WantTotals(t, svc, "SWEEP", 9, 0, 1)
			inventorytest.MustReconcile(t, svc)
		})
	}
}

// TestReconcileFindsCorruption checks that Reconcile can fail: a level
// changed behind the ledger's back is reported.
func TestReconcileFindsCorruption(t *testing.T) {
	db := inventorytest.MustOpenSQLite(t)
	svc := newSQLService(t, db, inventorysvc.DefaultConfig(), time.Now)
	inventorytest.MustSetLevel(t, svc, "X", "", 5)
	inventorytest.MustReserve(t, svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "X", Quantity: 4}}})
	if _, err := db.ExecContext(t.Context(), `UPDATE inventory_levels SET on_hand = 3 WHERE sku = 'X'`); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.Reconcile(t.Context())
	if err != nil || rep.OK || len(rep.Differences) != 1 || rep.Differences[0].Field != "on_hand" || rep.Differences[0].Ledger != 5 || len(rep.Violations) != 1 {
		t.Fatalf("Reconcile of a corrupted level: %+v, %v", rep, err)
	}
}

// hammer runs buyers goroutines, each reserving qty units of sku until it
// is sold out, committing every other reservation and releasing every
// fifth; it returns the units reserved or committed at the end. Buyers
// stop once more than limit units are held (an oversell), so that a broken
// invariant fails the test instead of running forever.
func hammer(t testing.TB, svcs []inventory.Service, sku string, buyers int, qty, limit int64) (held int64) {
	var wg sync.WaitGroup
	var total atomic.Int64
	ctx := context.Background()
	for b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := svcs[b%len(svcs)]
			for i := 0; total.Load() <= limit; i++ {
				r, err := svc.Reserve(ctx, inventory.ReserveCommand{Reference: fmt.Sprintf("%s-%d-%d", sku, b, i), Lines: []inventory.Line{{SKU: sku, Quantity: qty}}})
				if errs.HasCode(err, "out_of_stock") {
					return
				}
				if err != nil {
					t.Errorf("reserve: %s", errstest.Describe(err))
					return
				}
				switch i % 5 {
				case 0, 2:
					_, err = svc.Commit(ctx, inventory.CommitCommand{ReservationID: r.ID})
				case 4:
					_, err = svc.Release(ctx, inventory.ReleaseCommand{ReservationID: r.ID})
					if err == nil {
						continue
					}
				}
				if err != nil {
					t.Errorf("commit/release: %s", errstest.Describe(err))
					return
				}
				total.Add(qty)
			}
		}()
	}
	wg.Wait()
	return total.Load()
}

// TestConcurrentSQL: hundreds of goroutines buy a few units of a few SKUs
// on each database, with and without coalescing, and with two service
// instances with separate pools on one PostgreSQL schema: exactly the
// stock is sold, and the ledger reconciles.
func TestConcurrentSQL(t *testing.T) {
	for _, d := range inventorytest.Databases() {
		for _, mode := range []struct {
			name     string
			coalesce bool
			writers  int
		}{{"coalesce", true, -1}, {"coalesce-per-sku", true, 0}, {"no-coalesce", false, 0}} {
			t.Run(d.Name+"/"+mode.name, func(t *testing.T) {
				d.SkipUnlessConfigured(t)
				cfg := inventorysvc.DefaultConfig()
				cfg.Coalesce, cfg.Writers = mode.coalesce, mode.writers
				svc := newSQLService(t, d.Open(t), cfg, time.Now)
				runConcurrent(t, []inventory.Service{svc}, svc)
			})
		}
	}
	t.Run("postgres/two-instances", func(t *testing.T) {
		if os.Getenv(inventorytest.PostgresEnv) == "" {
			t.Skipf("set %s to run it", inventorytest.PostgresEnv)
		}
		db1, url := inventorytest.MustOpenPostgresURL(t)
		db2 := inventorytest.MustOpenPostgresAt(t, url, 8)
		cfg := inventorysvc.DefaultConfig()
		cfg.Writers = -1
		a := newSQLService(t, db1, cfg, time.Now)
		b := newSQLService(t, db2, cfg, time.Now)
		runConcurrent(t, []inventory.Service{a, b}, a)
	})
}

func runConcurrent(t *testing.T, svcs []inventory.Service, check inventory.Service) {
	const buyers = 200
	stock := map[string]int64{"HOT-1": 150, "HOT-2": 61, "HOT-3": 7}
	qty := map[string]int64{"HOT-1": 1, "HOT-2": 2, "HOT-3": 3}
	for sku, n := range stock {
		inventorytest.MustSetLevel(t, check, sku, "", n)
	}
	var wg sync.WaitGroup
	got := map[string]int64{}
	var mu sync.Mutex
	for sku := range stock {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hammer(t, svcs, sku, buyers/len(stock), qty[sku], stock[sku])
			mu.Lock()
			got[sku] = h
			mu.Unlock()
		}()
	}
	wg.Wait()
	for sku, n := range stock {
		sellable := n - n%qty[sku]
		if got[sku] != sellable {
			t.Errorf("%s: buyers hold %d units of %d, want exactly %d", sku, got[sku], n, sellable)
		}
		st := inventorytest.MustStock(t, check, sku).Totals
		if st.Reserved+st.Committed != sellable || st.OnHand+st.Committed != n || st.Available < 0 {
			t.Errorf("%s: totals %+v, want reserved+committed = %d and on_hand+committed = %d", sku, st, sellable, n)
		}
	}
	inventorytest.MustReconcile(t, check)
}
