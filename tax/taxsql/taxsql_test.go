package taxsql_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxsql"
	"github.com/agoracommerce/agora/tax/taxsvc"
	"github.com/agoracommerce/agora/tax/taxtest"
)

// MustService returns the tax service over a migrated store on db.
func MustService(tb testing.TB, db *sqldb.DB, committed func()) *taxsvc.Service {
	tb.Helper()
	st := taxsql.New(db, committed)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return taxsvc.New(st, taxsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
}

func forEachDB(t *testing.T, fn func(t *testing.T, d catalogtest.Database)) {
	for _, d := range catalogtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			fn(t, d)
		})
	}
}

func TestContract(t *testing.T) {
	forEachDB(t, func(t *testing.T, d catalogtest.Database) {
		taxtest.TestService(t, func(t *testing.T) tax.Service { return MustService(t, d.Open(t), nil) })
	})
}

func countRows(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutbox checks that each write appends its event to tax_outbox in
// its transaction (and wakes the relay), and that a failed write appends
// nothing.
func TestOutbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, d catalogtest.Database) {
		ctx := t.Context()
		db := d.Open(t)
		var woken atomic.Int32
		svc := MustService(t, db, func() { woken.Add(1) })
		taxtest.MustCreateClass(t, svc, "reduced")
		r := taxtest.MustCreateRegion(t, svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "reduced", Rate: "7"}}})
		_, err := svc.CreateRegion(ctx, tax.CreateRegionCommand{Country: "DE"})
		errstest.Want(t, err, errs.Conflict, "region_exists")
		errstest.Want(t, svc.DeleteClass(ctx, "reduced"), errs.Conflict, "class_in_use")
		if err := svc.DeleteRegion(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "tax_outbox"); n != 3 || woken.Load() != 3 {
			t.Errorf("%d outbox rows, %d wake-ups; want 3 of each", n, woken.Load())
		}
		if n := countRows(t, db, "tax_rates"); n != 0 {
			t.Errorf("%d rate rows left after the delete", n)
		}
	})
}

// TestClassDeleteRace deletes a class while regions that use it are being
// created: either the region is created (and the class stays, in use) or
// the class is gone (and the region is refused); never a rate of a
// deleted class.
func TestClassDeleteRace(t *testing.T) {
	forEachDB(t, func(t *testing.T, d catalogtest.Database) {
		ctx := t.Context()
		db := d.Open(t)
		svc := MustService(t, db, nil)
		countries := []string{"DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL"}
		for round := range 5 {
			code := "c" + string(rune('a'+round))
			taxtest.MustCreateClass(t, svc, code)
			var wg sync.WaitGroup
			var deleted atomic.Bool
			for _, c := range countries {
				wg.Go(func() {
					_, err := svc.CreateRegion(ctx, tax.CreateRegionCommand{Country: c, PostalPrefix: code, Rates: []tax.RateInput{{TaxClass: code, Rate: "5"}}})
					if err != nil && !errs.Is(err, errs.Invalid) {
						t.Errorf("create: %s", errstest.Describe(err))
					}
				})
			}
			wg.Go(func() {
				err := svc.DeleteClass(ctx, code)
				if err == nil {
					deleted.Store(true)
				} else if !errs.HasCode(err, "class_in_use") {
					t.Errorf("delete: %s", errstest.Describe(err))
				}
			})
			wg.Wait()
			var orphans int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tax_rates WHERE tax_class = ? AND tax_class NOT IN (SELECT code FROM tax_classes)`, code).Scan(&orphans); err != nil {
				t.Fatal(err)
			}
			if orphans != 0 {
				t.Errorf("round %d: %d rates of the deleted class %s (deleted %v)", round, orphans, code, deleted.Load())
			}
		}
	})
}
