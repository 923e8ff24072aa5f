package inventorytest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysql"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *inventorysql.Store {
	tb.Helper()
	return mustStoreOn(tb, MustOpenSQLite(tb))
}

func mustStoreOn(tb testing.TB, db *sqldb.DB) *inventorysql.Store {
	tb.Helper()
	st := inventorysql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate inventory: %v", err)
	}
	return st
}

func newService(st *inventorysql.Store) *inventorysvc.Service {
	cfg := inventorysvc.DefaultConfig()
	cfg.Writers = st.Writers()
	return inventorysvc.New(st, cfg, slog.New(slog.DiscardHandler), time.Now)
}

// MustService returns the inventory service over MustStore, configured as
// the application configures it. It passes TestService.
func MustService(tb testing.TB) *inventorysvc.Service {
	tb.Helper()
	return newService(MustStore(tb))
}

// MustServiceOn is MustService on db, which the stores of other modules may
// share: their tables are prefixed by module, as on PostgreSQL.
func MustServiceOn(tb testing.TB, db *sqldb.DB) *inventorysvc.Service {
	tb.Helper()
	return newService(mustStoreOn(tb, db))
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB) (*inventorysvc.Service, eventtest.Outbox) {
	tb.Helper()
	st := MustStore(tb)
	return newService(st), eventtest.Outbox{DB: st.DB, Module: inventory.Module}
}
