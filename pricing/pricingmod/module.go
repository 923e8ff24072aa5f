// Package pricingmod is the pricing module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package pricingmod

import (
	"context"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/pricing/pricinghttp"
	"github.com/agoracommerce/agora/pricing/pricingsql"
	"github.com/agoracommerce/agora/pricing/pricingsvc"
)

// Module wires pricing: its store behind a read cache invalidated by
// pricing's and the catalog's events, the service with its read model of
// the catalog's list prices, the admin routes and the outbox relay.
func Module() module.Module {
	return module.Module{
		Name:        pricing.Module,
		Client:      func(c *httpx.Client) any { return pricinghttp.NewClient(c) },
		Permissions: pricinghttp.Permissions,
		Migrations:  pricingsql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, pricing.Module, pricingsql.New)
			if err != nil {
				return nil, err
			}
			// Quote's reads come from an in-process cache, invalidated by this
			// process's writes and, for every process, by pricing's events and
			// the catalog's product events (a watch: each process sees every
			// event).
			cached := pricingsvc.NewCachedStore(st, pricingsvc.DefaultCacheConfig())
			var unwatch func()
			if c, ok := cached.(*pricingsvc.CachedStore); ok {
				if unwatch, err = env.Bus.Watch(ctx, []string{event.Subject(pricing.Module, ">"), event.Subject(catalog.Module, "product.*")}, c.HandleEvent); err != nil {
					return nil, err
				}
			}
			svc := pricingsvc.New(cached, pricingsvc.DefaultConfig(), env.Log.With("module", pricing.Module), env.Now)
			pricinghttp.Register(env.API, svc)
			env.Provide(pricing.Module, pricing.Service(svc))
			// The read model of catalog prices follows the catalog's events.
			stop, err := env.Bus.Subscribe(ctx, event.Subscription{
				Durable:  pricingsvc.ConsumerName,
				Subjects: []string{event.Subject(catalog.Module, "product.*")},
				Handler:  svc.HandleCatalogEvent,
				// Applies a version only over an older one: order-free.
				Concurrency: 16,
			})
			if err != nil {
				if unwatch != nil {
					unwatch()
				}
				return nil, err
			}
			return &module.Running{Run: rel.Run, Stop: func(context.Context) error {
				stop()
				if unwatch != nil {
					unwatch()
				}
				return nil
			}}, nil
		},
	}
}
