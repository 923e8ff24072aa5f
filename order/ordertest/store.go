package ordertest

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/order/ordersql"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *ordersql.Store {
	tb.Helper()
	st := ordersql.New(sqldbtest.MustOpenSQLite(tb), nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate order: %v", err)
	}
	return st
}
