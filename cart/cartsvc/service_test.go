package cartsvc_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/cart/cartsql"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/cart/carttest"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/pricing/pricingtest"
	"github.com/agoracommerce/agora/tax/taxtest"
)

// services returns the services the cart calls, on one SQLite database,
// and a subject with them and no cart.
func services(tb testing.TB) (cartsvc.Deps, carttest.Subject) {
	db := sqldbtest.MustOpenSQLite(tb)
	p, c := pricingtest.MustServiceOn(tb, db), catalogtest.MustServiceOn(tb, db)
	i, tx := inventorytest.MustServiceOn(tb, db), taxtest.MustServiceOn(tb, db)
	return cartsvc.NewDeps(p, c, i, tx), carttest.Subject{Catalog: c, Pricing: p, Inventory: i, Tax: tx, FeedPricing: p.HandleCatalogEvent}
}

// TestService runs the contract suite on SQLite, and on PostgreSQL when
// AGORA_TEST_POSTGRES_URL is set.
func TestService(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			carttest.TestService(t, func(t *testing.T) carttest.Subject {
				st := cartsql.New(d.Open(t), nil)
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				deps, s := services(t)
				s.Cart = cartsvc.New(st, deps, cartsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
				return s
			})
		})
	}
}

func pricingEvent(p catalog.Product) (event.Event, error) {
	return event.New(catalog.Module, catalog.EventProductDeleted, p.ID, p, time.Now())
}
