package paymentsql_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentsql"
	"github.com/agoracommerce/agora/payment/paymentsvc"
	"github.com/agoracommerce/agora/payment/paymenttest"

	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// TestService runs the contract suite on every configured database.
func TestService(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			paymenttest.TestService(t, func(t *testing.T) payment.Service {
				st := paymentsql.New(d.Open(t), nil)
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				return paymentsvc.New(st, []payment.Provider{paymentsvc.NewTestProvider()}, slog.New(slog.DiscardHandler), time.Now)
			})
		})
	}
}
