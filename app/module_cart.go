package app

import (
	"context"
	"sync"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/carthttp"
	"github.com/agoracommerce/agora/cart/cartsql"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/tax"
)

// cartModule wires the cart: its store, the service calling the local
// catalog, customer, pricing, inventory and tax services, the store and admin
// routes, the outbox relay and the sweeper of expired carts.
func cartModule() Module {
	return Module{
		Name:       cart.Module,
		Deps:       []string{catalog.Module, customer.Module, pricing.Module, inventory.Module, tax.Module},
		Migrations: cartsql.Migrations,
		Start: func(ctx context.Context, env *Env) (*Running, error) {
			cat, _ := env.Service(catalog.Module).(catalog.Service)
			pri, _ := env.Service(pricing.Module).(pricing.Service)
			inv, _ := env.Service(inventory.Module).(inventory.Service)
			tx, _ := env.Service(tax.Module).(tax.Service)
			db, err := env.DB(ctx, cart.Module)
			if err != nil {
				return nil, err
			}
			rel := env.Relay(cart.Module, db)
			st := cartsql.New(db, rel.Notify)
			if err := st.Migrate(ctx); err != nil {
				return nil, err
			}
			deps := cartsvc.NewDeps(pri, cat, inv, tx)
			if cus, ok := env.Service(customer.Module).(customer.Service); ok {
				deps.Customers = cus
			}
			svc := cartsvc.New(st, deps, cartsvc.DefaultConfig(), env.Log.With("module", cart.Module), env.Now)
			carthttp.Register(env.API, svc)
			env.Provide(cart.Module, cart.Service(svc))
			env.Health.Add("cart_db", db.Ping)
			return &Running{Run: func(ctx context.Context) {
				var wg sync.WaitGroup
				wg.Add(2)
				go func() { defer wg.Done(); rel.Run(ctx) }()
				go func() { defer wg.Done(); svc.Sweep(ctx) }()
				wg.Wait()
			}}, nil
		},
	}
}
