package inventorytest

import (
	"context"
	"net/url"
	"os"
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

// MustOpenPostgresURL is MustOpenPostgres that also returns the URL of the
// new schema, so that a second pool (a second "process") can open it.
func MustOpenPostgresURL(tb testing.TB) (*sqldb.DB, string) {
	tb.Helper()
	db := MustOpenPostgres(tb)
	var schema string
	if err := db.QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&schema); err != nil {
		tb.Fatal(err)
	}
	u, err := url.Parse(os.Getenv(PostgresEnv))
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return db, u.String()
}

// MustOpenPostgresAt opens another pool of at most maxOpen connections on
// the database at pgURL, closed when the test ends (before the schema is
// dropped).
func MustOpenPostgresAt(tb testing.TB, pgURL string, maxOpen int) *sqldb.DB {
	tb.Helper()
	cfg := sqldb.DefaultConfig()
	cfg.PostgresURL = pgURL
	cfg.MaxOpen = maxOpen
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}
