// Package taxtest holds the tax module's test kit: the service on SQLite
// for tests (MustService) and the contract suite every implementation must
// pass.
package taxtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxsql"
	"github.com/agoracommerce/agora/tax/taxsvc"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *taxsql.Store {
	tb.Helper()
	return mustStoreOn(tb, sqldbtest.MustOpenSQLite(tb))
}

func mustStoreOn(tb testing.TB, db *sqldb.DB) *taxsql.Store {
	tb.Helper()
	st := taxsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate tax: %v", err)
	}
	return st
}

func newService(st *taxsql.Store) *taxsvc.Service {
	return taxsvc.New(st, taxsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
}

// MustService returns the tax service over MustStore. It passes
// TestService.
func MustService(tb testing.TB) *taxsvc.Service {
	tb.Helper()
	return newService(MustStore(tb))
}

// MustServiceOn is MustService on db, which the stores of other modules may
// share: their tables are prefixed by module, as on PostgreSQL.
func MustServiceOn(tb testing.TB, db *sqldb.DB) *taxsvc.Service {
	tb.Helper()
	return newService(mustStoreOn(tb, db))
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB) (*taxsvc.Service, eventtest.Outbox) {
	tb.Helper()
	st := MustStore(tb)
	return newService(st), eventtest.Outbox{DB: st.DB, Module: tax.Module}
}
