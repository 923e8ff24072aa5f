package sqldb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/agoracommerce/agora/platform/sqldb"
)

// PostgresURLEnv names the PostgreSQL server the tests also run on.
const PostgresURLEnv = "AGORA_TEST_POSTGRES_URL"

// testDB is one database a test runs on.
type testDB struct {
	name string
	open func(tb testing.TB) *sqldb.DB
}

// testDBs returns the databases every test runs on: SQLite always, and
// PostgreSQL, which skips unless AGORA_TEST_POSTGRES_URL is set.
func testDBs() []testDB {
	return []testDB{{"sqlite", MustOpenSQLite}, {"postgres", MustOpenPostgres}}
}

// forEachDB runs fn as one subtest per database of testDBs.
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range testDBs() {
		t.Run(d.name, func(t *testing.T) { fn(t, d.open(t)) })
	}
}

// MustOpenSQLite opens a fresh SQLite database in a temporary directory.
func MustOpenSQLite(tb testing.TB) *sqldb.DB {
	tb.Helper()
	cfg := sqldb.DefaultConfig()
	cfg.Path = filepath.Join(tb.TempDir(), "test.db")
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenPostgres opens the database of AGORA_TEST_POSTGRES_URL with a
// fresh schema of its own first in the search_path, dropped at cleanup. It
// skips the test when the variable is not set.
func MustOpenPostgres(tb testing.TB) *sqldb.DB {
	tb.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		tb.Skip(PostgresURLEnv + " is not set; skipping the PostgreSQL run (e.g. " + PostgresURLEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	admin, err := sqldb.Open(ctx, sqldb.Config{PostgresURL: base, MaxOpen: 2})
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	schema := "t_" + randomHex(tb, 8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sqldb.Open(ctx, sqldb.Config{PostgresURL: u.String(), MaxOpen: 16})
	if err != nil {
		tb.Fatalf("open postgres in schema %s: %v", schema, err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the DROP SCHEMA
	var cur string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&cur); err != nil || cur != schema {
		tb.Fatalf("current_schema() = %q, %v; want %q", cur, err, schema)
	}
	return db
}

func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// mustExec runs statements on db or fails the test.
func mustExec(tb testing.TB, db *sqldb.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}

func count(tb testing.TB, q sqldb.Querier, table string) int {
	tb.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "dir")
	db, err := sqldb.Open(ctx, sqldb.Config{Path: filepath.Join(dir, "a.db"), Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Dialect() != sqldb.SQLite {
		t.Errorf("Dialect = %q", db.Dialect())
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}

	if _, err := sqldb.Open(ctx, sqldb.Config{Path: filepath.Join(t.TempDir(), "b.db"), Synchronous: "off"}); err == nil {
		t.Error("Open with synchronous=off succeeded")
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sqldb.Open(ctx, sqldb.Config{PostgresURL: "postgres://agora@127.0.0.1:1/agora?sslmode=disable&connect_timeout=2"})
	if err == nil {
		db.Close()
		t.Fatal("Open of a closed port succeeded")
	}
	if !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("error = %v", err)
	}
}

func TestDialect(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		want, forUpdate := sqldb.SQLite, ""
		if strings.HasSuffix(t.Name(), "postgres") {
			want, forUpdate = sqldb.Postgres, " FOR UPDATE"
		}
		if db.Dialect() != want {
			t.Errorf("Dialect = %q, want %q", db.Dialect(), want)
		}
		err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			if tx.Dialect() != want || tx.ForUpdate() != forUpdate {
				t.Errorf("tx Dialect, ForUpdate = %q, %q; want %q, %q", tx.Dialect(), tx.ForUpdate(), want, forUpdate)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Queries with '?' placeholders run on both dialects, and question marks in
// string literals stay literal.
func TestRebindRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		const q = "SELECT CAST(? AS TEXT) || '?' || CAST(? AS TEXT) || 'x?y'"
		check := func(name string, r sqldb.Querier) {
			var got string
			if err := r.QueryRowContext(ctx, q, "a", "b").Scan(&got); err != nil || got != "a?bx?y" {
				t.Errorf("%s: got %q, %v; want %q", name, got, err, "a?bx?y")
			}
		}
		check("db", db)
		check("read", db.Read())
		err := db.Tx(ctx, func(tx *sqldb.Tx) error { check("tx", tx); return nil })
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestUniqueViolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustExec(t, db, "CREATE TABLE items (id TEXT PRIMARY KEY, sku TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL CHECK (qty >= 0))")
		const ins = "INSERT INTO items (id, sku, qty) VALUES (?, ?, ?)"
		if _, err := db.ExecContext(ctx, ins, "i1", "SKU-1", 1); err != nil {
			t.Fatal(err)
		}

		_, err := db.ExecContext(ctx, ins, "i1", "SKU-2", 1)
		assertUnique(t, "duplicate primary key", err)
		_, err = db.ExecContext(ctx, ins, "i2", "SKU-1", 1)
		assertUnique(t, "duplicate unique column", err)
		err = db.Tx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.ExecContext(ctx, ins, "i3", "SKU-3", 1); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, ins, "i4", "SKU-3", 1)
			return fmt.Errorf("store: create item: %w", err)
		})
		assertUnique(t, "duplicate in a transaction", err)
		if n := count(t, db, "items"); n != 1 {
			t.Errorf("%d rows after the failed transaction, want 1", n)
		}

		for name, args := range map[string][]any{
			"not null": {"i5", nil, 1},
			"check":    {"i6", "SKU-6", -1},
		} {
			_, err := db.ExecContext(ctx, ins, args...)
			if err == nil || sqldb.IsUnique(err) || sqldb.IsRetryable(err) {
				t.Errorf("%s violation: err = %v, IsUnique %v, IsRetryable %v; want a plain error", name, err, sqldb.IsUnique(err), sqldb.IsRetryable(err))
			}
		}
		_, err = db.ExecContext(ctx, "INSERT INTO nowhere VALUES (?)", 1)
		if err == nil || sqldb.IsUnique(err) || sqldb.IsRetryable(err) {
			t.Errorf("missing table: err = %v", err)
		}
	})
}

func assertUnique(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	if !sqldb.IsUnique(err) || !errors.Is(err, sqldb.ErrUnique) {
		t.Errorf("%s: %v is not ErrUnique", what, err)
	}
	if sqldb.IsRetryable(err) {
		t.Errorf("%s: %v is retryable", what, err)
	}
	// The driver's error stays in the chain for the log.
	var se *sqlite.Error
	var pe *pgconn.PgError
	if !errors.As(err, &se) && !errors.As(err, &pe) {
		t.Errorf("%s: %v lost the driver error", what, err)
	}
}

func TestTranslate(t *testing.T) {
	if sqldb.Translate(nil) != nil {
		t.Error("Translate(nil) != nil")
	}
	plain := errors.New("boom")
	if sqldb.Translate(plain) != plain {
		t.Error("Translate changed a plain error")
	}
	if sqldb.IsUnique(plain) || sqldb.IsRetryable(plain) || sqldb.IsUnique(nil) || sqldb.IsRetryable(nil) {
		t.Error("a plain or nil error is unique or retryable")
	}
	if !sqldb.IsRetryable(fmt.Errorf("x: %w", sqldb.ErrRetryable)) || !sqldb.IsUnique(fmt.Errorf("x: %w", sqldb.ErrUnique)) {
		t.Error("wrapped sentinels are not recognised")
	}
	pgUnique := &pgconn.PgError{Code: "23505", Message: "duplicate key"}
	pgSerial := &pgconn.PgError{Code: "40001", Message: "could not serialize"}
	pgDeadlock := &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
	pgOther := &pgconn.PgError{Code: "23503", Message: "foreign key"}
	tests := []struct {
		err               error
		unique, retryable bool
	}{
		{pgUnique, true, false},
		{fmt.Errorf("wrapped: %w", pgUnique), true, false},
		{pgSerial, false, true},
		{pgDeadlock, false, true},
		{pgOther, false, false},
	}
	for _, tt := range tests {
		tr := sqldb.Translate(tt.err)
		if errors.Is(tr, sqldb.ErrUnique) != tt.unique || errors.Is(tr, sqldb.ErrRetryable) != tt.retryable {
			t.Errorf("Translate(%v): unique %v retryable %v; want %v %v", tt.err, errors.Is(tr, sqldb.ErrUnique), errors.Is(tr, sqldb.ErrRetryable), tt.unique, tt.retryable)
		}
		if sqldb.Translate(tr) != tr {
			t.Errorf("Translate is not idempotent on %v", tr)
		}
		var pe *pgconn.PgError
		if !errors.As(tr, &pe) {
			t.Errorf("Translate(%v) lost the driver error", tt.err)
		}
	}
}

func TestTx(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustExec(t, db, "CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
		const ins = "INSERT INTO notes (id, body) VALUES (?, ?)"

		t.Run("commit", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				if _, err := tx.ExecContext(ctx, ins, "n1", "kept"); err != nil {
					return err
				}
				var body string
				if err := tx.QueryRowContext(ctx, "SELECT body FROM notes WHERE id = ?", "n1").Scan(&body); err != nil || body != "kept" {
					t.Errorf("read inside the transaction: %q, %v", body, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for name, q := range map[string]sqldb.Querier{"primary": db, "read": db.Read()} {
				var body string
				if err := q.QueryRowContext(ctx, "SELECT body FROM notes WHERE id = ?", "n1").Scan(&body); err != nil || body != "kept" {
					t.Errorf("%s after commit: %q, %v", name, body, err)
				}
			}
		})

		t.Run("rollback on error", func(t *testing.T) {
			errStop := errors.New("stop")
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				if _, err := tx.ExecContext(ctx, ins, "n2", "dropped"); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "UPDATE notes SET body = ? WHERE id = ?", "changed", "n1"); err != nil {
					return err
				}
				return errStop
			})
			if err != errStop {
				t.Fatalf("Tx = %v, want the error of fn itself", err)
			}
			assertNotes(t, db, map[string]string{"n1": "kept"})
		})

		t.Run("rollback on panic", func(t *testing.T) {
			func() {
				defer func() {
					if p := recover(); p != "boom" {
						t.Errorf("recovered %v, want the panic of fn", p)
					}
				}()
				_ = db.Tx(ctx, func(tx *sqldb.Tx) error {
					if _, err := tx.ExecContext(ctx, ins, "n3", "dropped"); err != nil {
						return err
					}
					panic("boom")
				})
			}()
			assertNotes(t, db, map[string]string{"n1": "kept"})
			// The connection went back to the pool: the single SQLite
			// writer is usable again.
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			err := db.Tx(tctx, func(tx *sqldb.Tx) error {
				_, err := tx.ExecContext(tctx, ins, "n4", "after panic")
				return err
			})
			if err != nil {
				t.Fatalf("Tx after a panic: %v", err)
			}
			assertNotes(t, db, map[string]string{"n1": "kept", "n4": "after panic"})
		})

		if db.Dialect() == sqldb.SQLite {
			t.Run("read pool is read-only", func(t *testing.T) {
				if _, err := db.Read().ExecContext(ctx, ins, "n5", "via reader"); err == nil {
					t.Fatal("a write through Read succeeded on SQLite")
				}
			})
		}
	})
}

func assertNotes(t *testing.T, db *sqldb.DB, want map[string]string) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT id, body FROM notes")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			t.Fatal(err)
		}
		got[id] = body
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("notes = %v, want %v", got, want)
	}
}

func TestTxRetry(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustExec(t, db, "CREATE TABLE attempts (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")

		t.Run("retried after a retryable error", func(t *testing.T) {
			var calls int
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				calls++
				// The same primary key each time: the first attempt's
				// insert must have been rolled back.
				if _, err := tx.ExecContext(ctx, "INSERT INTO attempts (id, n) VALUES (?, ?)", "a", calls); err != nil {
					return err
				}
				if calls == 1 {
					return fmt.Errorf("conflict: %w", sqldb.ErrRetryable)
				}
				return nil
			})
			if err != nil || calls != 2 {
				t.Fatalf("Tx = %v after %d calls; want nil after 2", err, calls)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT n FROM attempts WHERE id = ?", "a").Scan(&n); err != nil || n != 2 {
				t.Errorf("row written by attempt %d, %v; want 2", n, err)
			}
			if c := count(t, db, "attempts"); c != 1 {
				t.Errorf("%d rows, want 1", c)
			}
		})

		t.Run("gives up after MaxAttempts", func(t *testing.T) {
			var calls int
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				calls++
				return fmt.Errorf("attempt %d: %w", calls, sqldb.ErrRetryable)
			})
			if !sqldb.IsRetryable(err) || calls != sqldb.MaxAttempts {
				t.Fatalf("Tx = %v after %d calls; want a retryable error after %d", err, calls, sqldb.MaxAttempts)
			}
		})

		t.Run("other errors are not retried", func(t *testing.T) {
			var calls int
			errPlain := errors.New("plain")
			err := db.Tx(ctx, func(tx *sqldb.Tx) error { calls++; return errPlain })
			if err != errPlain || calls != 1 {
				t.Fatalf("Tx = %v after %d calls; want errPlain after 1", err, calls)
			}
			calls = 0
			err = db.Tx(ctx, func(tx *sqldb.Tx) error {
				calls++
				_, err := tx.ExecContext(ctx, "INSERT INTO attempts (id, n) VALUES (?, ?)", "a", 0)
				return err
			})
			if !sqldb.IsUnique(err) || calls != 1 {
				t.Fatalf("Tx = %v after %d calls; want a unique violation after 1", err, calls)
			}
		})

		t.Run("stops when the context ends", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var calls int
			err := db.Tx(cctx, func(tx *sqldb.Tx) error {
				calls++
				cancel()
				return sqldb.ErrRetryable
			})
			if !errors.Is(err, context.Canceled) || calls != 1 {
				t.Fatalf("Tx = %v after %d calls; want context.Canceled after 1", err, calls)
			}
		})
	})
}

// Two transactions that lock two rows in opposite orders deadlock; PostgreSQL
// aborts one with 40P01, which Tx translates and runs again.
func TestTxRetryDeadlockPostgres(t *testing.T) {
	db := MustOpenPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mustExec(t, db, "CREATE TABLE pair (id TEXT PRIMARY KEY, n INTEGER NOT NULL)", "INSERT INTO pair VALUES ('a', 0), ('b', 0)")

	ready := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var calls atomic.Int32
	run := func(me int, first, second string) error {
		attempt := 0
		return db.Tx(ctx, func(tx *sqldb.Tx) error {
			attempt++
			calls.Add(1)
			if _, err := tx.ExecContext(ctx, "UPDATE pair SET n = n + 1 WHERE id = ?", first); err != nil {
				return err
			}
			if attempt == 1 { // both hold their first lock before taking the second
				close(ready[me])
				select {
				case <-ready[1-me]:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			_, err := tx.ExecContext(ctx, "UPDATE pair SET n = n + 1 WHERE id = ?", second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(0, "a", "b") }()
	go func() { errs <- run(1, "b", "a") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Tx: %v", err)
		}
	}
	// At least one victim ran again; on a busy server a rerun can meet the
	// other transaction again, so more runs are fine: what must hold is
	// that each transaction counted exactly once.
	if c := calls.Load(); c < 3 {
		t.Errorf("fn ran %d times, want at least 3 (a deadlock victim runs again)", c)
	}
	for _, id := range []string{"a", "b"} {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT n FROM pair WHERE id = ?", id).Scan(&n); err != nil || n != 2 {
			t.Errorf("pair %s = %d, %v; want 2", id, n, err)
		}
	}
}

// Two handles on one SQLite file behave like two processes: a writer that
// holds the lock makes the other's statements fail as retryable once
// busy_timeout passes, and Tx retries until the lock is free.
func TestSQLiteBusyIsRetryable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() *sqldb.DB {
		db, err := sqldb.Open(ctx, sqldb.Config{Path: path, BusyTimeout: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := open(), open()
	mustExec(t, db1, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)")

	held, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- db1.Tx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO kv VALUES (?, ?)", "one", "1"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-holder:
		t.Fatalf("holder: %v", err)
	}

	_, err := db2.ExecContext(ctx, "INSERT INTO kv VALUES (?, ?)", "two", "2")
	if !sqldb.IsRetryable(err) || !errors.Is(err, sqldb.ErrRetryable) {
		t.Fatalf("write while another handle holds the lock: %v, want ErrRetryable", err)
	}

	waiter := make(chan error, 1)
	go func() {
		waiter <- db2.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO kv VALUES (?, ?)", "three", "3")
			return err
		})
	}()
	// Hold the lock for several busy timeouts, so the waiter's first
	// attempts fail and only a retry can succeed.
	time.Sleep(150 * time.Millisecond)
	close(release)
	if err := <-holder; err != nil {
		t.Fatalf("holder: %v", err)
	}
	if err := <-waiter; err != nil {
		t.Fatalf("Tx while the lock was held for a while: %v", err)
	}
	if n := count(t, db1, "kv"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

var shopMigrations = fstest.MapFS{
	"00001_widgets.sql": {Data: []byte(`-- +goose Up
CREATE TABLE shop_widgets (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    made_at TIMESTAMPTZ NOT NULL,
    photo BYTEA
);

-- +goose Down
DROP TABLE shop_widgets;
`)},
	"00002_widgets_name.sql": {Data: []byte(`-- +goose Up
CREATE UNIQUE INDEX shop_widgets_name ON shop_widgets (name);

-- +goose Down
DROP INDEX shop_widgets_name;
`)},
}

func TestMigrate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		assertPending(t, db, "shop", shopMigrations, true)
		if err := db.Migrate(ctx, "shop", shopMigrations); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		assertPending(t, db, "shop", shopMigrations, false)
		if err := db.Migrate(ctx, "shop", shopMigrations); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		assertPending(t, db, "shop", shopMigrations, false)
		assertVersion(t, db, "shop", 2)

		// The rewritten types work: an automatic id, a time, bytes.
		made := time.Date(2025, 6, 1, 10, 20, 30, 123456000, time.UTC)
		var id1, id2 int64
		const ins = "INSERT INTO shop_widgets (name, made_at, photo) VALUES (?, ?, ?) RETURNING id"
		if err := db.QueryRowContext(ctx, ins, "w1", made, []byte{0, 1, 2, 255}).Scan(&id1); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, ins, "w2", made, nil).Scan(&id2); err != nil {
			t.Fatal(err)
		}
		if id1 <= 0 || id2 <= id1 {
			t.Errorf("ids %d, %d; want increasing positive ids", id1, id2)
		}
		var gotMade time.Time
		var photo []byte
		if err := db.Read().QueryRowContext(ctx, "SELECT made_at, photo FROM shop_widgets WHERE id = ?", id1).Scan(&gotMade, &photo); err != nil {
			t.Fatal(err)
		}
		if !gotMade.Equal(made) || string(photo) != "\x00\x01\x02\xff" {
			t.Errorf("read back %v, %x; want %v, 000102ff", gotMade, photo, made)
		}
		_, err := db.ExecContext(ctx, "INSERT INTO shop_widgets (name, made_at) VALUES (?, ?)", "w1", made)
		if !sqldb.IsUnique(err) {
			t.Errorf("duplicate name: %v, want ErrUnique (migration 2 applied)", err)
		}

		// A new migration is pending, then applied.
		more := fstest.MapFS{"00003_widgets_color.sql": {Data: []byte("-- +goose Up\nALTER TABLE shop_widgets ADD COLUMN color TEXT NOT NULL DEFAULT 'red';\n")}}
		for k, v := range shopMigrations {
			more[k] = v
		}
		assertPending(t, db, "shop", more, true)
		if err := db.Migrate(ctx, "shop", more); err != nil {
			t.Fatalf("Migrate 3: %v", err)
		}
		assertPending(t, db, "shop", more, false)
		assertVersion(t, db, "shop", 3)
		var color string
		if err := db.QueryRowContext(ctx, "SELECT color FROM shop_widgets WHERE id = ?", id2).Scan(&color); err != nil || color != "red" {
			t.Errorf("color = %q, %v", color, err)
		}

		// Each module has its own version table.
		other := fstest.MapFS{"00001_gadgets.sql": {Data: []byte("-- +goose Up\nCREATE TABLE other_gadgets (id TEXT PRIMARY KEY);\n")}}
		assertPending(t, db, "other", other, true)
		if err := db.Migrate(ctx, "other", other); err != nil {
			t.Fatal(err)
		}
		assertVersion(t, db, "other", 1)
		assertVersion(t, db, "shop", 3)
	})
}

func TestMigrateFailure(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		bad := fstest.MapFS{
			"00001_ok.sql":  {Data: []byte("-- +goose Up\nCREATE TABLE bad_ok (id TEXT PRIMARY KEY);\n")},
			"00002_bad.sql": {Data: []byte("-- +goose Up\nCREATE TABLEX bad_nope (id TEXT);\n")},
		}
		err := db.Migrate(ctx, "bad", bad)
		if err == nil || !strings.Contains(err.Error(), "bad") {
			t.Fatalf("Migrate of a broken migration = %v, want an error naming the module", err)
		}
		assertPending(t, db, "bad", bad, true)
		assertVersion(t, db, "bad", 1)
	})
}

// TestMigrateDialectFiles: a migration written for one dialect
// ("*.postgres.sql", "*.sqlite.sql") runs only there, in its version's place.
func TestMigrateDialectFiles(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fsys := fstest.MapFS{
			"00001_base.sql":          {Data: []byte("-- +goose Up\nCREATE TABLE dia_base (id TEXT PRIMARY KEY);\n")},
			"00002_only.postgres.sql": {Data: []byte("-- +goose Up\nCREATE TABLE dia_postgres (id TEXT PRIMARY KEY);\n")},
			"00002_only.sqlite.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE dia_sqlite (id TEXT PRIMARY KEY);\n")},
			"00003_after.sql":         {Data: []byte("-- +goose Up\nCREATE TABLE dia_after (id TEXT PRIMARY KEY);\n")},
		}
		if err := db.Migrate(ctx, "dia", fsys); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		assertVersion(t, db, "dia", 3)
		assertPending(t, db, "dia", fsys, false)
		mine, other := "dia_sqlite", "dia_postgres"
		if db.Dialect() == sqldb.Postgres {
			mine, other = other, mine
		}
		for table, want := range map[string]bool{"dia_base": true, mine: true, other: false, "dia_after": true} {
			_, err := db.ExecContext(ctx, "SELECT id FROM "+table)
			if (err == nil) != want {
				t.Errorf("table %s: %v, want it to exist: %v", table, err, want)
			}
		}
	})
}

// Several processes starting at once migrate a module exactly once: the
// PostgreSQL advisory lock serialises them.
func TestMigrateConcurrentPostgres(t *testing.T) {
	db := MustOpenPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Migrate(ctx, "shop", shopMigrations)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	assertVersion(t, db, "shop", 2)
	assertPending(t, db, "shop", shopMigrations, false)
}

func assertPending(t *testing.T, db *sqldb.DB, module string, fsys fstest.MapFS, want bool) {
	t.Helper()
	got, err := db.Pending(context.Background(), module, fsys)
	if err != nil || got != want {
		t.Fatalf("Pending(%s) = %v, %v; want %v", module, got, err, want)
	}
}

func assertVersion(t *testing.T, db *sqldb.DB, module string, want int64) {
	t.Helper()
	var v sql.NullInt64
	err := db.QueryRowContext(context.Background(), "SELECT MAX(version_id) FROM "+module+"_schema_migrations WHERE is_applied = ?", true).Scan(&v)
	if err != nil || v.Int64 != want {
		t.Fatalf("%s_schema_migrations version = %v, %v; want %d", module, v.Int64, err, want)
	}
}

// Many goroutines incrementing one counter with read-then-write
// transactions lose no update.
func TestConcurrentIncrement(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		mustExec(t, db, "CREATE TABLE counters (id TEXT PRIMARY KEY, n INTEGER NOT NULL)", "INSERT INTO counters (id, n) VALUES ('c', 0)")
		const workers = 50
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.Tx(ctx, func(tx *sqldb.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, "SELECT n FROM counters WHERE id = ?"+tx.ForUpdate(), "c").Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, "UPDATE counters SET n = ? WHERE id = ?", n+1, "c")
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("Tx: %v", err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT n FROM counters WHERE id = ?", "c").Scan(&n); err != nil || n != workers {
			t.Fatalf("counter = %d, %v; want %d", n, err, workers)
		}
	})
}

func TestAnalyze(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		if err := db.Analyze(context.Background()); err != nil {
			t.Fatalf("Analyze: %v", err)
		}
	})
}

// TestInsertMany writes more rows than one statement may bind, and checks
// that a bad row fails the whole transaction.
func TestInsertMany(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		table := "many_" + randomHex(t, 4)
		mustExec(t, db, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, name TEXT NOT NULL, note TEXT)")
		t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+table) })
		rows := make([][]any, 25_000) // 75,000 parameters: three statements
		for i := range rows {
			var note any
			if i%2 == 0 {
				note = fmt.Sprintf("n%d", i)
			}
			rows[i] = []any{int64(i), fmt.Sprintf("row %d", i), note}
		}
		ctx := context.Background()
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.InsertMany(ctx, "INSERT INTO "+table+" (id, name, note)", rows)
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, table); n != len(rows) {
			t.Fatalf("%d rows, want %d", n, len(rows))
		}
		var name string
		if err := db.QueryRowContext(ctx, "SELECT name FROM "+table+" WHERE id = ?", 24_999).Scan(&name); err != nil || name != "row 24999" {
			t.Fatalf("last row: %q %v", name, err)
		}
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.InsertMany(ctx, "INSERT INTO "+table+" (id, name, note)", [][]any{{int64(-1), "new", nil}, {int64(5), "duplicate", nil}})
		})
		if !sqldb.IsUnique(err) {
			t.Fatalf("duplicate key: %v", err)
		}
		if n := count(t, db, table); n != len(rows) {
			t.Fatalf("a failed InsertMany left rows behind: %d", n)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.InsertMany(ctx, "INSERT INTO "+table+" (id, name, note)", [][]any{{int64(-2), "x", nil}, {int64(-3)}})
		}); err == nil {
			t.Fatal("a ragged row was accepted")
		}
	})
}

// TestModuleStore: the committed hook runs after a commit, never after a
// rolled-back transaction, and Migrate applies the module's migrations.
func TestModuleStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		table := "ms_" + randomHex(t, 4)
		migs := fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE " + table + " (id BIGINT PRIMARY KEY);\n-- +goose Down\nDROP TABLE " + table + ";\n")}}
		t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+table) })
		calls := 0
		m := sqldb.NewModuleStore(db, table, migs, func() { calls++ })
		if err := m.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := m.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (id) VALUES (1)")
			return err
		}); err != nil || calls != 1 {
			t.Fatalf("commit: %v, hook ran %d times", err, calls)
		}
		if err := m.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (id) VALUES (1)")
			return err
		}); !sqldb.IsUnique(err) || calls != 1 {
			t.Fatalf("failed write: %v, hook ran %d times", err, calls)
		}
		m.Notify()
		if calls != 2 {
			t.Fatalf("Notify: hook ran %d times", calls)
		}
		if n := count(t, db, table); n != 1 {
			t.Fatalf("%d rows", n)
		}
	})
}
