package shippingsql_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippingsql"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
	"github.com/agoracommerce/agora/shipping/shippingtest"
)

// MustService returns the shipping service over a migrated store on db.
func MustService(tb testing.TB, db *sqldb.DB) *shippingsvc.Service {
	tb.Helper()
	st := shippingsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return shippingsvc.New(st, shippingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
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
		shippingtest.TestService(t, func(t *testing.T) shipping.Service { return MustService(t, d.Open(t)) })
	})
}

func count(t *testing.T, db *sqldb.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutboxAndCascade checks that every write appends its events in its
// transaction, that a zone's deletion removes its options and countries,
// and that options created while their zone is deleted never outlive it.
func TestOutboxAndCascade(t *testing.T) {
	forEachDB(t, func(t *testing.T, d catalogtest.Database) {
		ctx := t.Context()
		db := d.Open(t)
		svc := MustService(t, db)
		for range 4 {
			z := shippingtest.MustCreateZone(t, svc, "EU", "DE", "FR")
			var wg sync.WaitGroup
			for range 6 {
				wg.Go(func() {
					_, err := svc.CreateOption(ctx, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "o", Currency: "EUR", Rate: shipping.Rate{Kind: shipping.Flat, Amount: 1}})
					if err != nil && !errs.Is(err, errs.NotFound) {
						t.Errorf("create option: %s", errstest.Describe(err))
					}
				})
			}
			wg.Go(func() {
				if err := svc.DeleteZone(ctx, z.ID); err != nil {
					t.Errorf("delete zone: %s", errstest.Describe(err))
				}
			})
			wg.Wait()
		}
		if n := count(t, db, `SELECT COUNT(*) FROM shipping_options`); n != 0 {
			t.Errorf("%d options outlived their zone", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM shipping_zone_countries`); n != 0 {
			t.Errorf("%d country rows outlived their zone", n)
		}
		// zone_created + zone_deleted per round, and created + deleted per option that made it.
		created := count(t, db, `SELECT COUNT(*) FROM shipping_outbox WHERE type = 'shipping.option_created'`)
		deleted := count(t, db, `SELECT COUNT(*) FROM shipping_outbox WHERE type = 'shipping.option_deleted'`)
		zones := count(t, db, `SELECT COUNT(*) FROM shipping_outbox WHERE type IN ('shipping.zone_created', 'shipping.zone_deleted')`)
		if created != deleted || zones != 8 {
			t.Errorf("outbox: %d option_created, %d option_deleted, %d zone events; want equal counts and 8", created, deleted, zones)
		}
	})
}
