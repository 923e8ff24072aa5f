package catalogtest

import (
	"testing"

	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// PostgresEnv names the variable with the PostgreSQL URL of the tests.
const PostgresEnv = sqldbtest.PostgresEnv

// Database opens a fresh, empty database of one dialect for one test.
type Database = sqldbtest.Database

// Databases are the databases every store test runs on.
func Databases() []Database { return sqldbtest.Databases() }

// MustOpenSQLite opens a new SQLite database for tb.
func MustOpenSQLite(tb testing.TB) *sqldb.DB { return sqldbtest.MustOpenSQLite(tb) }

// MustOpenSQLiteConfig is MustOpenSQLite with cfg.
func MustOpenSQLiteConfig(tb testing.TB, cfg sqldb.Config) *sqldb.DB {
	return sqldbtest.MustOpenSQLiteConfig(tb, cfg)
}

// MustOpenPostgres opens PostgreSQL in a schema of its own, or skips tb.
func MustOpenPostgres(tb testing.TB) *sqldb.DB { return sqldbtest.MustOpenPostgres(tb) }
