// Package shippingmod is the shipping module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package shippingmod

import (
	"context"

	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippinghttp"
	"github.com/agoracommerce/agora/shipping/shippingsql"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
)

// Module wires shipping: its store, the service, the admin routes and the
// outbox relay.
func Module() module.Module {
	return module.Module{
		Name:        shipping.Module,
		Client:      func(c *httpx.Client) any { return shippinghttp.NewClient(c) },
		Permissions: shippinghttp.Permissions,
		Migrations:  shippingsql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, shipping.Module, shippingsql.New)
			if err != nil {
				return nil, err
			}
			svc := shippingsvc.New(st, shippingsvc.DefaultConfig(), env.Log.With("module", shipping.Module), env.Now)
			shippinghttp.Register(env.API, svc)
			env.Provide(shipping.Module, shipping.Service(svc))
			return &module.Running{Run: rel.Run}, nil
		},
	}
}
