// Package paymentmod is the payment module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package paymentmod

import (
	"context"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymenthttp"
	"github.com/agoracommerce/agora/payment/paymentsql"
	"github.com/agoracommerce/agora/payment/paymentstripe"
	"github.com/agoracommerce/agora/payment/paymentsvc"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
)

// Module wires payments: the store, the service with the built-in
// test provider (and the stripe provider when a Stripe secret key is
// configured), the admin and webhook routes and the outbox relay.
func Module() module.Module {
	return module.Module{
		Name:        payment.Module,
		Client:      func(c *httpx.Client) any { return paymenthttp.NewClient(c) },
		Permissions: paymenthttp.Permissions,
		Migrations:  paymentsql.Migrations,
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			st, _, rel, err := module.OpenStore(ctx, env, payment.Module, paymentsql.New)
			if err != nil {
				return nil, err
			}
			log := env.Log.With("module", payment.Module)
			providers := []payment.Provider{paymentsvc.NewTestProvider()}
			if env.Settings.StripeSecretKey != "" {
				cfg := paymentstripe.DefaultConfig()
				cfg.SecretKey, cfg.APIURL, cfg.WebhookSecret = env.Settings.StripeSecretKey, env.Settings.StripeAPIURL, env.Settings.StripeWebhookSecret
				sp, err := paymentstripe.New(cfg, log.With("provider", paymentstripe.Name))
				if err != nil {
					return nil, err
				}
				providers = append(providers, sp)
			}
			svc := paymentsvc.New(st, providers, log, env.Now)
			paymenthttp.Register(env.API, svc)
			env.Provide(payment.Module, payment.Service(svc))
			return &module.Running{Run: rel.Run}, nil
		},
	}
}
