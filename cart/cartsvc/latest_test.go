package cartsvc_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/cartsql"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/cart/carttest"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// TestTwoInstances: two processes (two services, each with its copies of
// the carts it changed) on one database. A change started from a copy the
// other process made stale is never saved over its change: it starts over
// from the stored cart, and an error the stale copy suggests is checked on
// the stored cart first.
func TestTwoInstances(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			ctx := context.Background()
			db := d.Open(t)
			newService := func(deps cartsvc.Deps) *cartsvc.Service {
				st := cartsql.New(db, nil)
				if err := st.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return cartsvc.New(st, deps, cartsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
			}
			deps, s := services(t)
			a, b := newService(deps), newService(deps)
			s.Cart = a
			usd := func(n int64) money.Money { return money.Money{Amount: n, Currency: "USD"} }
			x := carttest.MustProduct(t, s, catalog.Published, 50, usd(100))
			y := carttest.MustProduct(t, s, catalog.Published, 50, usd(200))
			z := carttest.MustProduct(t, s, catalog.Published, 50, usd(400))
			must := carttest.Must(t)

			c := must(a.Create(ctx, cart.CreateCommand{Currency: "USD"}))
			must(a.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: x.VariantID, Quantity: 1})) // a holds version 2
			must(b.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: y.VariantID, Quantity: 1})) // version 3, unknown to a
			got := must(a.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: z.VariantID, Quantity: 1}))
			if len(got.Items) != 3 || got.Version != 4 || got.Totals.Subtotal != usd(700) {
				t.Fatalf("a's add over b's: %d lines, version %d, subtotal %v", len(got.Items), got.Version, got.Totals.Subtotal)
			}

			// b removes x; a (whose copy has x, quantity 1) adds x again:
			// a new line of 1, not a line of 2.
			var xLine, yLine string
			for _, it := range got.Items {
				switch it.VariantID {
				case x.VariantID:
					xLine = it.ID
				case y.VariantID:
					yLine = it.ID
				}
			}
			must(b.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: xLine}))
			got = must(a.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: x.VariantID, Quantity: 1}))
			for _, it := range got.Items {
				if it.VariantID == x.VariantID && (it.Quantity != 1 || it.ID == xLine) {
					t.Fatalf("x re-added as %+v", it)
				}
			}
			if got.Version != 6 || len(got.Items) != 3 {
				t.Fatalf("after re-adding x: version %d, %d lines", got.Version, len(got.Items))
			}

			// b adds a line; a, whose copy lacks it, changes it: the stale
			// copy's item_not_found is not the answer.
			w := carttest.MustProduct(t, s, catalog.Published, 50, usd(800))
			bc := must(b.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: w.VariantID, Quantity: 1}))
			wLine := bc.Items[len(bc.Items)-1].ID
			got = must(a.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: wLine, Quantity: 2}))
			if got.Version != 8 || len(got.Items) != 4 {
				t.Fatalf("after a updated b's line: version %d, %d lines", got.Version, len(got.Items))
			}
			// And the reverse: a line b removed is not found by a.
			must(b.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: yLine}))
			_, err := a.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: yLine, Quantity: 2})
			carttest.WantErr(t, err, errs.NotFound, cart.CodeItemNotFound)

			// Reads are the truth in both processes.
			for _, svc := range []*cartsvc.Service{a, b} {
				if g := must(svc.Get(ctx, c.ID)); g.Version != 9 || len(g.Items) != 3 {
					t.Fatalf("get: version %d, %d lines", g.Version, len(g.Items))
				}
			}

			// b completes the cart (checkout); a's copy says active.
			must(b.Complete(ctx, c.ID))
			_, err = a.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: z.VariantID, Quantity: 1})
			carttest.WantErr(t, err, errs.Conflict, cart.CodeCompleted)
		})
	}
}

// TestTwoInstancesConcurrent: shoppers' tabs served by two processes add
// different products to one cart at once: every line lands.
func TestTwoInstancesConcurrent(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			ctx := context.Background()
			db := d.Open(t)
			deps, s := services(t)
			var svcs []*cartsvc.Service
			for range 2 {
				st := cartsql.New(db, nil)
				if err := st.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				svcs = append(svcs, cartsvc.New(st, deps, cartsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now))
			}
			s.Cart = svcs[0]
			const n = 12
			var ps []carttest.Product
			for range n {
				ps = append(ps, carttest.MustProduct(t, s, catalog.Published, 50, money.Money{Amount: 100, Currency: "USD"}))
			}
			c := carttest.Must(t)(svcs[0].Create(ctx, cart.CreateCommand{Currency: "USD"}))
			// Both processes hold a copy before the race.
			carttest.Must(t)(svcs[1].Update(ctx, cart.UpdateCommand{CartID: c.ID}))
			var wg sync.WaitGroup
			errc := make(chan error, n)
			for i, p := range ps {
				svc := svcs[i%2]
				wg.Go(func() {
					for {
						_, err := svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1})
						if errs.HasCode(err, cart.CodeVersion) {
							continue
						}
						errc <- err
						return
					}
				})
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				if err != nil {
					t.Fatalf("add: %s", carttest.Describe(err))
				}
			}
			got := carttest.Must(t)(svcs[1].Get(ctx, c.ID))
			if len(got.Items) != n || got.Version != 2+n {
				t.Fatalf("after %d concurrent adds: %d lines, version %d", n, len(got.Items), got.Version)
			}
		})
	}
}
