// Package cartmod is the cart module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package cartmod

import (
	"context"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/carthttp"
	"github.com/agoracommerce/agora/cart/cartsql"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/tax"
)

// Module wires the cart: its store, the service calling the local
// catalog, customer, pricing, inventory and tax services, the store and admin
// routes, the outbox relay and the sweeper of expired carts.
func Module() module.Module {
	return module.Module{
		Name:        cart.Module,
		Client:      func(c *httpx.Client) any { return carthttp.NewClient(c) },
		Permissions: carthttp.Permissions,
		Deps:        []string{catalog.Module, customer.Module, pricing.Module, inventory.Module, tax.Module},
		Migrations:  cartsql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			cat, err := module.Dep[catalog.Service](env, catalog.Module)
			if err != nil {
				return nil, err
			}
			pri, err := module.Dep[pricing.Service](env, pricing.Module)
			if err != nil {
				return nil, err
			}
			inv, err := module.Dep[inventory.Service](env, inventory.Module)
			if err != nil {
				return nil, err
			}
			tx, err := module.Dep[tax.Service](env, tax.Module)
			if err != nil {
				return nil, err
			}
			cus, err := module.Dep[customer.Service](env, customer.Module)
			if err != nil {
				return nil, err
			}
			st, _, rel, err := module.OpenStore(ctx, env, cart.Module, cartsql.New)
			if err != nil {
				return nil, err
			}
			deps := cartsvc.NewDeps(pri, cat, inv, tx)
			deps.Customers = cus
			svc := cartsvc.New(st, deps, cartsvc.DefaultConfig(), env.Log.With("module", cart.Module), env.Now)
			carthttp.Register(env.API, svc)
			env.Provide(cart.Module, cart.Service(svc))
			return &module.Running{Run: module.Together(rel.Run, svc.Sweep)}, nil
		},
	}
}
