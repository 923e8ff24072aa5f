// Package inventorymod is the inventory module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package inventorymod

import (
	"context"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventoryhttp"
	"github.com/agoracommerce/agora/inventory/inventorysql"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
)

// Module wires inventory: its store (the default location is
// created at the first start), the service with per-SKU coalescing, the
// admin routes, the outbox relay and the sweeper of expired reservations.
func Module() module.Module {
	return module.Module{
		Name:        inventory.Module,
		Client:      func(c *httpx.Client) any { return inventoryhttp.NewClient(c) },
		Permissions: inventoryhttp.Permissions,
		Migrations:  inventorysql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, inventory.Module, inventorysql.New)
			if err != nil {
				return nil, err
			}
			cfg := inventorysvc.DefaultConfig()
			cfg.Writers = st.Writers()
			svc := inventorysvc.New(st, cfg, env.Log.With("module", inventory.Module), env.Now)
			// Availability (the cart's stock checks) keeps reads in memory,
			// forgotten on this process's writes and, for the writes of
			// other processes, on their level_changed events (a watch:
			// each process sees every event).
			unwatch, err := env.Bus.Watch(ctx, []string{event.Subject(inventory.Module, inventory.EventLevelChanged)}, svc.HandleLevelEvent)
			if err != nil {
				return nil, err
			}
			inventoryhttp.Register(env.API, svc)
			env.Provide(inventory.Module, inventory.Service(svc))
			return &module.Running{Run: module.Together(rel.Run, svc.Sweep), Stop: func(context.Context) error {
				unwatch()
				return nil
			}}, nil
		},
	}
}
