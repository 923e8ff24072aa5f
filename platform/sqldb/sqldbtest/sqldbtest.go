// Package sqldbtest opens fresh databases for tests: SQLite in a temporary
// directory always, PostgreSQL in a schema of its own when
// AGORA_TEST_POSTGRES_URL is set.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema admin connection

	"github.com/agoracommerce/agora/platform/sqldb"
)

// PostgresEnv names the environment variable with the URL of the
// PostgreSQL database the store tests run on as well when it is set
// (CI sets it), e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "AGORA_TEST_POSTGRES_URL"

// Database opens a fresh, empty database of one dialect for one test.
type Database struct {
	Name string
	// Open opens a new database, or skips tb when the dialect is not
	// configured.
	Open func(tb testing.TB) *sqldb.DB
	// Configured reports whether Open can run.
	Configured func() bool
}

// SkipUnlessConfigured skips tb when the database is not configured.
func (d Database) SkipUnlessConfigured(tb testing.TB) {
	tb.Helper()
	if !d.Configured() {
		tb.Skipf("%s tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", d.Name, PostgresEnv)
	}
}

// Databases are the databases every store test runs on: SQLite always,
// PostgreSQL when PostgresEnv is set (its Open skips the test otherwise).
func Databases() []Database {
	return []Database{
		{"sqlite", MustOpenSQLite, func() bool { return true }},
		{"postgres", MustOpenPostgres, func() bool { return os.Getenv(PostgresEnv) != "" }},
	}
}

// MustOpenSQLite opens a new SQLite database in tb.TempDir with synchronous
// "normal" (durable across crashes of the process, which is all a test
// needs), closed when the test ends.
func MustOpenSQLite(tb testing.TB) *sqldb.DB {
	tb.Helper()
	cfg := sqldb.DefaultConfig()
	cfg.Synchronous = "normal"
	return MustOpenSQLiteConfig(tb, cfg)
}

// MustOpenSQLiteConfig is MustOpenSQLite with cfg (its Path is replaced by a file
// in tb.TempDir).
func MustOpenSQLiteConfig(tb testing.TB, cfg sqldb.Config) *sqldb.DB {
	tb.Helper()
	cfg.Path = filepath.Join(tb.TempDir(), "test.db")
	cfg.PostgresURL = ""
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqldb.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close sqlite: %v", err)
		}
	})
	return db
}

// MustOpenPostgres opens the database of PostgresEnv in a schema of its own
// ("t_" and random letters, created here and dropped with everything in it
// when the test ends), so tests never see each other's rows. It skips tb
// when PostgresEnv is not set.
func MustOpenPostgres(tb testing.TB) *sqldb.DB {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", PostgresEnv)
	}
	pgURL := SchemaURL(tb, base)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := sqldb.DefaultConfig()
	cfg.PostgresURL = pgURL
	cfg.MaxOpen = 8
	db, err := sqldb.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { // runs before the schema is dropped
		if err := db.Close(); err != nil {
			tb.Errorf("close postgres: %v", err)
		}
	})
	return db
}

// SchemaURL creates an empty schema ("t_" and random letters) in the
// PostgreSQL database at base, dropped with everything in it when the test
// ends, and returns base with the schema as its search_path: a URL for a
// process or pool of the test's own.
func SchemaURL(tb testing.TB, base string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", base, err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as run-time parameters
	u.RawQuery = q.Encode()
	return u.String()
}
