// Package pricingtest holds pricing's test kit: the service on SQLite for
// tests (MustService) and the contract suite every pricing.Service
// implementation passes.
package pricingtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/pricing/pricingsql"
	"github.com/agoracommerce/agora/pricing/pricingsvc"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *pricingsql.Store {
	tb.Helper()
	return mustStoreOn(tb, sqldbtest.MustOpenSQLite(tb))
}

func mustStoreOn(tb testing.TB, db *sqldb.DB) *pricingsql.Store {
	tb.Helper()
	st := pricingsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate pricing: %v", err)
	}
	return st
}

func newService(st *pricingsql.Store) *pricingsvc.Service {
	return pricingsvc.New(st, pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
}

// MustService returns the pricing service over MustStore. It passes
// TestService with its HandleCatalogEvent as the Feed.
func MustService(tb testing.TB) *pricingsvc.Service {
	tb.Helper()
	return newService(MustStore(tb))
}

// MustServiceOn is MustService on db, which the stores of other modules may
// share: their tables are prefixed by module, as on PostgreSQL.
func MustServiceOn(tb testing.TB, db *sqldb.DB) *pricingsvc.Service {
	tb.Helper()
	return newService(mustStoreOn(tb, db))
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB) (*pricingsvc.Service, eventtest.Outbox) {
	tb.Helper()
	st := MustStore(tb)
	return newService(st), eventtest.Outbox{DB: st.DB, Module: pricing.Module}
}
