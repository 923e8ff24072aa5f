// Package shippingtest holds the shipping module's test kit: the service
// on SQLite for tests (MustService) and the contract suite every
// implementation must pass.
package shippingtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippingsql"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *shippingsql.Store {
	tb.Helper()
	st := shippingsql.New(sqldbtest.MustOpenSQLite(tb), nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate shipping: %v", err)
	}
	return st
}

// MustService returns the shipping service over MustStore. It passes
// TestService.
func MustService(tb testing.TB) *shippingsvc.Service {
	tb.Helper()
	svc, _ := MustServiceWithOutbox(tb)
	return svc
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB) (*shippingsvc.Service, eventtest.Outbox) {
	tb.Helper()
	st := MustStore(tb)
	return shippingsvc.New(st, shippingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now), eventtest.Outbox{DB: st.DB, Module: shipping.Module}
}
