package app

import (
	"context"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymenthttp"
	"github.com/agoracommerce/agora/payment/paymentsql"
	"github.com/agoracommerce/agora/payment/paymentsvc"
)

// paymentModule wires payments: the store, the service with the built-in
// test provider, the admin routes and the outbox relay.
func paymentModule() Module {
	return Module{
		Name:       payment.Module,
		Migrations: paymentsql.Migrations,
		Start: func(ctx context.Context, env *Env) (*Running, error) {
			db, err := env.DB(ctx, payment.Module)
			if err != nil {
				return nil, err
			}
			rel := env.Relay(payment.Module, db)
			st := paymentsql.New(db, rel.Notify)
			if err := st.Migrate(ctx); err != nil {
				return nil, err
			}
			providers := []payment.Provider{paymentsvc.NewTestProvider()}
			svc := paymentsvc.New(st, providers, env.Log.With("module", payment.Module), env.Now)
			paymenthttp.Register(env.API, svc)
			env.Provide(payment.Module, payment.Service(svc))
			env.Health.Add("payment_db", db.Ping)
			return &Running{Run: rel.Run}, nil
		},
	}
}
