// Package catalogmod is the catalog module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package catalogmod

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/cataloghttp"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
)

// Module wires the catalog: its store behind the in-process read cache
// (with the shared Redis level when configured), invalidated by the
// catalog's and inventory's events, the service, the admin and store
// routes, the consumer of inventory's level changes and the outbox relay.
func Module() module.Module {
	return module.Module{
		Name:        catalog.Module,
		Client:      func(c *httpx.Client) any { return cataloghttp.NewClient(c) },
		Permissions: cataloghttp.Permissions,
		Migrations:  catalogsql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, catalog.Module, catalogsql.New)
			if err != nil {
				return nil, err
			}
			// Store reads come from an in-process cache, invalidated by this
			// process's writes and, for every process, by the catalog's
			// events (a watch: each process sees every event).
			// With AGORA_REDIS_URL, a miss there is looked up in a second level
			// shared by every instance in Redis before the database.
			cached := catalogsvc.NewCachedStore(st, catalogsvc.DefaultCacheConfig())
			var unwatch func()
			if c, ok := cached.(*catalogsvc.CachedStore); ok {
				if sc := env.SharedCache(catalog.Module); sc != nil {
					cfg := catalogsvc.DefaultSharedConfig()
					if len(env.Settings.ReplicaURLs) > 0 {
						// Store reads go to replicas: invalidate again once
						// they have caught up with the write.
						cfg.Reinvalidate = 2 * time.Second
					}
					c.Shared(sc, cfg)
				}
				// Inventory's level changes too: every process keeps the
				// stock states of store reads from them (see CachedStore).
				if unwatch, err = env.Bus.Watch(ctx, []string{event.Subject(catalog.Module, ">"), event.Subject("inventory", catalogsvc.InventoryLevelChanged)}, c.HandleEvent); err != nil {
					return nil, err
				}
				env.Metrics.Registry.MustRegister(
					prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agora_catalog_cache_hits_total", Help: "Store reads of the catalog answered from the cache."},
						func() float64 { h, _ := c.Stats(); return float64(h) }),
					prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agora_catalog_cache_misses_total", Help: "Store reads of the catalog that missed the in-process cache (see agora_cache_hits_total{cache=\"catalog\"} for the shared one)."},
						func() float64 { _, m := c.Stats(); return float64(m) }))
			}
			svc := catalogsvc.New(cached, catalogsvc.DefaultConfig(), env.Log.With("module", catalog.Module), env.Now)
			cataloghttp.Register(env.API, svc)
			env.Provide(catalog.Module, catalog.Service(svc))
			// Store reads say whether a variant can be bought from what
			// inventory reports (events; the catalog is left of inventory).
			stop, err := env.Bus.Subscribe(ctx, event.Subscription{
				Durable:  catalogsvc.InventoryConsumer,
				Subjects: []string{event.Subject("inventory", catalogsvc.InventoryLevelChanged)},
				Handler:  svc.HandleInventoryEvent,
				// Applies a level only over an older one: order-free.
				Concurrency: 16,
			})
			if err != nil {
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
