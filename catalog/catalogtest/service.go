// Package catalogtest is the catalog's test kit: the service on SQLite for
// tests (MustService), the contract suite that every implementation of
// catalog.Service must pass (TestService), and helpers that open the test
// databases of the store tests (SQLite, PostgreSQL).
//
// Other modules use MustService in their tests as their catalog.
package catalogtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *catalogsql.Store {
	tb.Helper()
	return mustStoreOn(tb, MustOpenSQLite(tb))
}

func mustStoreOn(tb testing.TB, db *sqldb.DB) *catalogsql.Store {
	tb.Helper()
	st := catalogsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate catalog: %v", err)
	}
	return st
}

func newService(st *catalogsql.Store) *catalogsvc.Service {
	return catalogsvc.New(st, catalogsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
}

// MustService returns the catalog service over MustStore: the same
// validation, defaults and events as in production. It passes
// TestService.
func MustService(tb testing.TB) *catalogsvc.Service {
	tb.Helper()
	return newService(MustStore(tb))
}

// MustServiceOn is MustService on db, which the stores of other modules may
// share: their tables are prefixed by module, as on PostgreSQL.
func MustServiceOn(tb testing.TB, db *sqldb.DB) *catalogsvc.Service {
	tb.Helper()
	return newService(mustStoreOn(tb, db))
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB) (*catalogsvc.Service, eventtest.Outbox) {
	tb.Helper()
	st := MustStore(tb)
	return newService(st), eventtest.Outbox{DB: st.DB, Module: catalog.Module}
}
