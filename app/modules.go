package app

import (
	"context"
	"encoding/json"
	"io"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/cataloghttp"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/event/outbox"
)

const apiDescription = "Agora is a headless commerce platform. `/store/...` serves shoppers; " +
	"`/admin/...` serves staff and integrations with a secret API key (`Authorization: Bearer <key>`). " +
	"Errors are RFC 9457 problem+json documents with a stable `code`. Every POST, PUT, PATCH and DELETE " +
	"accepts an `Idempotency-Key` header."

// Modules returns the registry of every module the binary knows, in the
// declared order of ARCHITECTURE.md §2.
func Modules() *Registry {
	r, err := NewRegistry(catalogModule())
	if err != nil {
		panic(err) // the registry is fixed at compile time; a test covers it
	}
	return r
}

func catalogModule() Module {
	return Module{
		Name:       catalog.Module,
		Migrations: catalogsql.Migrations,
		Start: func(ctx context.Context, env *Env) (*Running, error) {
			db, err := env.DB(ctx, catalog.Module)
			if err != nil {
				return nil, err
			}
			rel := outbox.NewRelay(catalog.Module, db, env.Bus, outbox.DefaultRelayConfig(), env.Log)
			st := catalogsql.New(db, rel.Notify)
			if err := st.Migrate(ctx); err != nil {
				return nil, err
			}
			svc := catalogsvc.New(st, catalogsvc.DefaultConfig(), env.Log.With("module", catalog.Module), env.Now)
			cataloghttp.Register(env.API, svc)
			env.Provide(catalog.Module, catalog.Service(svc))
			env.Health.Add("catalog_db", db.Ping)
			env.Metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "agora_outbox_pending", Help: "Outbox rows waiting to be relayed, by module.",
				ConstLabels: prometheus.Labels{"module": catalog.Module},
			}, func() float64 { return float64(rel.Pending()) }))
			if env.Config.Demo {
				if err := loadDemo(ctx, env, svc); err != nil {
					return nil, err
				}
			}
			return &Running{Run: rel.Run}, nil
		},
	}
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
