// Package ordermod is the order module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package ordermod

import (
	"context"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/orderhttp"
	"github.com/agoracommerce/agora/order/ordersql"
	"github.com/agoracommerce/agora/order/ordersvc"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// Module wires the order module: its store, the service calling the
// local cart, inventory and payment services, the checkout, store and
// admin routes, the outbox relay and recovery. Before it serves, a
// recovery pass completes or compensates the checkouts a previous process
// left running and finishes the cancels it left unfinished: all of them
// on SQLite (one process per data directory), on PostgreSQL those still
// for RecoverAfter (another process may be working on the others); then a
// pass runs periodically.
func Module() module.Module {
	return module.Module{
		Name:        order.Module,
		Client:      func(c *httpx.Client) any { return orderhttp.NewClient(c) },
		Permissions: orderhttp.Permissions,
		Deps:        []string{cart.Module, inventory.Module, payment.Module},
		Migrations:  ordersql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			crt, err := module.Dep[cart.Service](env, cart.Module)
			if err != nil {
				return nil, err
			}
			inv, err := module.Dep[inventory.Service](env, inventory.Module)
			if err != nil {
				return nil, err
			}
			pay, err := module.Dep[payment.Service](env, payment.Module)
			if err != nil {
				return nil, err
			}
			st, db, rel, err := module.OpenStore(ctx, env, order.Module, ordersql.New)
			if err != nil {
				return nil, err
			}
			cfg := ordersvc.DefaultConfig()
			log := env.Log.With("module", order.Module)
			svc := ordersvc.New(st, ordersvc.NewDeps(crt, inv, pay), cfg, log, env.Now)
			older := cfg.RecoverAfter
			if db.Dialect() == sqldb.SQLite {
				older = 0
			}
			if r, err := svc.Recover(ctx, older); err != nil {
				log.Error("recovery at start failed; the periodic pass will retry", "err", err)
			} else if r != (order.RecoverResult{}) {
				log.Info("recovery at start", "completed", r.Completed, "compensated", r.Compensated, "failed", r.Failed,
					"cancels_completed", r.CancelsCompleted, "cancels_aborted", r.CancelsAborted, "cancels_failed", r.CancelsFailed)
			}
			orderhttp.Register(env.API, svc)
			env.Provide(order.Module, order.Service(svc))
			// A customer's privacy export includes their orders.
			ex, ok, err := module.Optional[interface {
				AddExporter(string, customer.Exporter)
			}](env, customer.Module)
			if err != nil {
				return nil, err
			}
			if ok {
				ex.AddExporter(order.Module, func(ctx context.Context, cid string) (any, error) { return customerOrders(ctx, svc, cid) })
			}
			// An erased customer's orders lose their personal data.
			stop, err := env.Bus.Subscribe(ctx, event.Subscription{
				Durable:  ordersvc.CustomerConsumer,
				Subjects: []string{event.Subject(customer.Module, customer.EventErased)},
				Handler:  svc.HandleCustomerEvent,
			})
			if err != nil {
				return nil, err
			}
			return &module.Running{Stop: func(context.Context) error { stop(); return nil }, Run: module.Together(rel.Run, svc.RunRecovery)}, nil
		},
	}
}

// customerOrders lists every order of a customer, for the privacy export.
func customerOrders(ctx context.Context, svc order.Service, customerID string) ([]order.Order, error) {
	out := []order.Order{}
	q := order.ListQuery{CustomerID: customerID, Limit: order.MaxListLimit}
	for {
		page, err := svc.List(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Data...)
		if page.NextCursor == nil {
			return out, nil
		}
		q.Cursor = *page.NextCursor
	}
}
