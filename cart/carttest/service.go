// Package carttest holds the cart's test kit: the service on SQLite for
// tests (MustService) and the contract suite every cart.Service
// implementation passes.
package carttest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/cartsql"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *cartsql.Store {
	tb.Helper()
	st := cartsql.New(sqldbtest.MustOpenSQLite(tb), nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate cart: %v", err)
	}
	return st
}

// MustService returns the cart service over MustStore, calling deps, with
// the clock now (time.Now when nil).
func MustService(tb testing.TB, deps cartsvc.Deps, cfg cartsvc.Config, now func() time.Time) *cartsvc.Service {
	tb.Helper()
	svc, _ := MustServiceWithOutbox(tb, deps, cfg, now)
	return svc
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB, deps cartsvc.Deps, cfg cartsvc.Config, now func() time.Time) (*cartsvc.Service, eventtest.Outbox) {
	tb.Helper()
	if now == nil {
		now = time.Now
	}
	st := MustStore(tb)
	return cartsvc.New(st, deps, cfg, slog.New(slog.DiscardHandler), now), eventtest.Outbox{DB: st.DB, Module: cart.Module}
}
