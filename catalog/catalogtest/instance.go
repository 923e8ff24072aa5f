package catalogtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// CachedInstance is one process's catalog over db, as the application
// wires it: the SQL store (migrated), its read cache and the service on it.
// Several instances over one database stand for several processes.
func CachedInstance(tb testing.TB, db *sqldb.DB) (*catalogsvc.Service, *catalogsvc.CachedStore) {
	tb.Helper()
	st := catalogsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	c := catalogsvc.NewCachedStore(st, catalogsvc.DefaultCacheConfig()).(*catalogsvc.CachedStore)
	return catalogsvc.New(c, catalogsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now), c
}
