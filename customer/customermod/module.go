// Package customermod is the customer module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package customermod

import (
	"context"
	"net/http"
	"path/filepath"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customerhttp"
	"github.com/agoracommerce/agora/customer/customersql"
	"github.com/agoracommerce/agora/customer/customersvc"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
)

// MailDir is where, with no mail provider configured, messages to
// customers (password resets) are written, inside the data dir.
const MailDir = "mail"

// Module wires customer accounts: the store, the service with its
// notifier (files in the data dir's mail folder), the store and admin
// routes, the identification of store shoppers by their sessions, the
// outbox relay and the sweeper of ended sessions.
func Module() module.Module {
	return module.Module{
		Name:        customer.Module,
		Client:      func(c *httpx.Client) any { return customerhttp.NewClient(c) },
		Permissions: customerhttp.Permissions,
		Migrations:  customersql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, customer.Module, customersql.New)
			if err != nil {
				return nil, err
			}
			log := env.Log.With("module", customer.Module)
			notify := customersvc.DirNotifier{Dir: filepath.Join(env.Settings.DataDir, MailDir), Log: log, Now: env.Now}
			cfg := customersvc.DefaultConfig()
			// Failed-login throttles are shared by every instance through
			// Redis when AGORA_REDIS_URL is set (in process otherwise).
			th := customersvc.Throttles{PerEmail: env.Limiter("login_email", cfg.LoginPerEmail), PerAddr: env.Limiter("login_addr", cfg.LoginPerAddr)}
			svc := customersvc.New(st, cfg, notify, th, log, env.Now)
			customerhttp.Register(env.API, svc)
			// Store requests carry their shopper: a customer with a
			// session, or a guest.
			env.Middleware(module.Identify, func(next http.Handler) http.Handler {
				return auth.StoreMiddleware(customer.SessionPrefix, func(ctx context.Context, token string) (auth.Shopper, error) {
					id, err := svc.Authenticate(ctx, token)
					if err != nil {
						return auth.Shopper{}, err
					}
					return auth.Shopper{CustomerID: id.CustomerID, SessionID: id.SessionID, Groups: id.Groups}, nil
				}, next)
			})
			env.Provide(customer.Module, customer.Service(svc))
			return &module.Running{Run: module.Together(rel.Run, svc.Sweep)}, nil
		},
	}
}
