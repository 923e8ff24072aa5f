package carttest

import (
	"context"
	"slices"
	"testing"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/pricing/pricingtest"
	"github.com/agoracommerce/agora/tax/taxtest"
)

// services returns the services the cart calls, on one SQLite database,
// and a subject with them and no cart.
func services(tb testing.TB) (cartsvc.Deps, Subject) {
	db := sqldbtest.MustOpenSQLite(tb)
	p, c := pricingtest.MustServiceOn(tb, db), catalogtest.MustServiceOn(tb, db)
	i, tx := inventorytest.MustServiceOn(tb, db), taxtest.MustServiceOn(tb, db)
	return cartsvc.NewDeps(p, c, i, tx), Subject{Catalog: c, Pricing: p, Inventory: i, Tax: tx, FeedPricing: p.HandleCatalogEvent}
}

func TestEvents(t *testing.T) {
	deps, s := services(t)
	svc, ob := MustServiceWithOutbox(t, deps, cartsvc.DefaultConfig(), nil)
	s.Cart = svc
	ctx := context.Background()
	p := MustProduct(t, s, catalog.Published, 5, usd(100))
	c := Must(t)(svc.Create(ctx, cart.CreateCommand{Currency: "USD"}))
	Must(t)(svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
	_, _ = svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 50}) // out of stock: no event
	Must(t)(svc.Complete(ctx, c.ID))
	Must(t)(svc.Complete(ctx, c.ID)) // idempotent: no event
	want := []string{cart.EventCreated, cart.EventUpdated, cart.EventCompleted}
	if got := ob.EventTypes(t); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	var done cart.Cart
	if err := ob.Events(t)[2].Decode(&done); err != nil || done.ID != c.ID || done.Status != cart.Completed || ob.Events(t)[2].Subject != c.ID {
		t.Fatalf("completed event %+v %v", done, err)
	}
}
