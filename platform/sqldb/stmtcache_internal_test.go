package sqldb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func openCached(t *testing.T, size int) *DB {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "stmt.db")
	cfg.StmtCache = size
	db, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, name) VALUES (?, ?)`, i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestStmtCacheCompilesOnce: a statement text run many times on the
// writer and on the readers is compiled once per connection, and every
// run sees its own arguments.
func TestStmtCacheCompilesOnce(t *testing.T) {
	db := openCached(t, DefaultStmtCache)
	ctx := context.Background()
	before := db.prepares.Load()
	for i := 1; i <= 200; i++ {
		var name string
		if err := db.Read().QueryRowContext(ctx, `SELECT name FROM t WHERE id = ?`, i%10+1).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("n", i%10+1); name != want {
			t.Fatalf("run %d: %q, want %q", i, name, want)
		}
		if _, err := db.ExecContext(ctx, `UPDATE t SET name = name WHERE id = ?`, i%10+1); err != nil {
			t.Fatal(err)
		}
	}
	// One reader connection and the writer, sequentially: two compiles.
	if n := db.prepares.Load() - before; n < 1 || n > 2 {
		t.Fatalf("%d compiles for 2 texts run 200 times each", n)
	}
}

// TestStmtCacheNestedSameText: inside a transaction (one connection), a
// query whose text is already being iterated runs uncached, and neither
// iteration disturbs the other.
func TestStmtCacheNestedSameText(t *testing.T) {
	db := openCached(t, DefaultStmtCache)
	ctx := context.Background()
	const q = `SELECT id FROM t WHERE id >= ? ORDER BY id`
	err := db.Tx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, q, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		var outer []int
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				return err
			}
			outer = append(outer, id)
			var first int
			if err := tx.QueryRowContext(ctx, q, id).Scan(&first); err != nil {
				return err
			}
			if first != id {
				return fmt.Errorf("inner query from %d answered %d", id, first)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(outer) != 10 || outer[9] != 10 {
			return fmt.Errorf("outer iteration saw %v", outer)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStmtCacheEvictsBusy: a statement pushed out of a full cache while
// its rows are open keeps serving them, and is closed after.
func TestStmtCacheEvictsBusy(t *testing.T) {
	db := openCached(t, 2)
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM t ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
			for j := range 3 { // three other texts: the cache of 2 evicts the open one
				var x int
				if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + ?`, j), n).Scan(&x); err != nil {
					return err
				}
				if x != j+n {
					return fmt.Errorf("SELECT %d + %d = %d", j, n, x)
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 10 {
			return fmt.Errorf("%d rows, want 10", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&count); err != nil || count != 10 {
		t.Fatalf("after eviction: %d %v", count, err)
	}
}

// TestStmtCacheAfterErrors: a statement that failed (a constraint, a
// canceled context) runs again correctly from the cache.
func TestStmtCacheAfterErrors(t *testing.T) {
	db := openCached(t, DefaultStmtCache)
	ctx := context.Background()
	const ins = `INSERT INTO t (id, name) VALUES (?, ?)`
	if _, err := db.ExecContext(ctx, ins, 11, "n1"); !errors.Is(err, ErrUnique) {
		t.Fatalf("duplicate name: %v, want ErrUnique", err)
	}
	if _, err := db.ExecContext(ctx, ins, 11, "n11"); err != nil {
		t.Fatalf("the same statement after a constraint error: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	const sel = `SELECT name FROM t WHERE id = ?`
	var name string
	if err := db.Read().QueryRowContext(canceled, sel, 11).Scan(&name); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled query: %v", err)
	}
	if err := db.Read().QueryRowContext(ctx, sel, 11).Scan(&name); err != nil || name != "n11" {
		t.Fatalf("after a canceled run: %q %v", name, err)
	}
}

// BenchmarkStmtCache runs a primary-key read through database/sql with
// and without the statement cache.
func BenchmarkStmtCache(b *testing.B) {
	for _, size := range []int{-1, DefaultStmtCache} {
		b.Run(fmt.Sprintf("cache=%d", max(size, 0)), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Path = filepath.Join(b.TempDir(), "bench.db")
			cfg.StmtCache = size
			db, err := Open(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			for i := range 1000 {
				if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES (?, ?, ?)`, i, fmt.Sprint("product ", i), i*100); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				var name string
				var price int64
				if err := db.Read().QueryRowContext(ctx, `SELECT name, price FROM t WHERE id = ? AND price >= ?`, i%1000, 0).Scan(&name, &price); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
