package pricingsvc_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/pricing/pricingsql"
	"github.com/agoracommerce/agora/pricing/pricingsvc"
	"github.com/agoracommerce/agora/pricing/pricingtest"
)

// TestService runs the contract suite on SQLite, and on PostgreSQL when
// AGORA_TEST_POSTGRES_URL is set.
func TestService(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			pricingtest.TestService(t, func(t *testing.T) pricingtest.Subject {
				st := pricingsql.New(d.Open(t), nil)
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				svc := pricingsvc.New(st, pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
				return pricingtest.Subject{Service: svc, Feed: svc.HandleCatalogEvent}
			})
		})
	}
}

// TestCachedService runs the contract suite over the cached store, on
// SQLite and on PostgreSQL when configured: in one process, its own writes
// must be read back at once.
func TestCachedService(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			pricingtest.TestService(t, func(t *testing.T) pricingtest.Subject {
				st := pricingsql.New(d.Open(t), nil)
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				svc := pricingsvc.New(pricingsvc.NewCachedStore(st, pricingsvc.DefaultCacheConfig()), pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
				return pricingtest.Subject{Service: svc, Feed: svc.HandleCatalogEvent}
			})
		})
	}
}
