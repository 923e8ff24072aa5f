// Package taxmod is the tax module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package taxmod

import (
	"context"

	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxhttp"
	"github.com/agoracommerce/agora/tax/taxsql"
	"github.com/agoracommerce/agora/tax/taxsvc"
)

// Module wires tax: its store, the service, the admin routes and the
// outbox relay.
func Module() module.Module {
	return module.Module{
		Name:        tax.Module,
		Client:      func(c *httpx.Client) any { return taxhttp.NewClient(c) },
		Permissions: taxhttp.Permissions,
		Migrations:  taxsql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, tax.Module, taxsql.New)
			if err != nil {
				return nil, err
			}
			svc := taxsvc.New(st, taxsvc.DefaultConfig(), env.Log.With("module", tax.Module), env.Now)
			taxhttp.Register(env.API, svc)
			env.Provide(tax.Module, tax.Service(svc))
			return &module.Running{Run: rel.Run}, nil
		},
	}
}
