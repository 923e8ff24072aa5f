package app

import (
	"context"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/cataloghttp"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/event"
)

func catalogModule() Module {
	return Module{
		Name:       catalog.Module,
		Migrations: catalogsql.Migrations,
		Start: func(ctx context.Context, env *Env) (*Running, error) {
			db, err := env.DB(ctx, catalog.Module)
			if err != nil {
				return nil, err
			}
			rel := env.Relay(catalog.Module, db)
			st := catalogsql.New(db, rel.Notify)
			if err := st.Migrate(ctx); err != nil {
				return nil, err
			}
			svc := catalogsvc.New(st, catalogsvc.DefaultConfig(), env.Log.With("module", catalog.Module), env.Now)
			cataloghttp.Register(env.API, svc)
			env.Provide(catalog.Module, catalog.Service(svc))
			env.Health.Add("catalog_db", db.Ping)
			// Store reads say whether a variant can be bought from what
			// inventory reports (events; the catalog is left of inventory).
			stop, err := env.Bus.Subscribe(ctx, event.Subscription{
				Durable:  catalogsvc.InventoryConsumer,
				Subjects: []string{event.Subject("inventory", catalogsvc.InventoryLevelChanged)},
				Handler:  svc.HandleInventoryEvent,
			})
			if err != nil {
				return nil, err
			}
			return &Running{Run: rel.Run, Stop: func(context.Context) error { stop(); return nil }}, nil
		},
	}
}
