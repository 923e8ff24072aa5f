package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/sqldb"
)

func openGrouped(tb testing.TB, group int, sync string) *sqldb.DB {
	tb.Helper()
	cfg := sqldb.DefaultConfig()
	cfg.Path = filepath.Join(tb.TempDir(), "group.db")
	cfg.GroupCommit = group
	cfg.Synchronous = sync
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	mustExec(tb, db, `CREATE TABLE notes (k TEXT PRIMARY KEY, v TEXT NOT NULL)`)
	return db
}

// TestGroupCommitIsolatesFailures: many concurrent transactions share
// commits; the ones that fail, panic or are canceled leave nothing, the
// others all land, and each caller gets its own outcome.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db := openGrouped(t, 0, "full")
	errBad := errors.New("refused")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			ctx := context.Background()
			if i%50 == 7 {
				ctx = canceled
			}
			results[i] = db.Tx(ctx, func(tx *sqldb.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO notes (k, v) VALUES (?, ?)`, fmt.Sprint(i), "x"); err != nil {
					return err
				}
				switch i % 50 {
				case 3:
					return errBad // after a write: the write must go
				case 5:
					panic("boom")
				case 9: // a second write that violates the key: the whole fn goes
					_, err := tx.ExecContext(ctx, `INSERT INTO notes (k, v) VALUES (?, ?)`, fmt.Sprint(i), "again")
					return err
				}
				return nil
			})
		}()
	}
	wg.Wait()
	want := 0
	for i := range n {
		switch i % 50 {
		case 3:
			if !errors.Is(results[i], errBad) {
				t.Errorf("%d: %v, want its own error", i, results[i])
			}
		case 5:
			if panics[i] != "boom" {
				t.Errorf("%d: panic %v not raised in the caller", i, panics[i])
			}
		case 7:
			if !errors.Is(results[i], context.Canceled) {
				t.Errorf("%d: %v, want canceled", i, results[i])
			}
		case 9:
			if !sqldb.IsUnique(results[i]) {
				t.Errorf("%d: %v, want a unique violation", i, results[i])
			}
		default:
			if results[i] != nil || panics[i] != nil {
				t.Errorf("%d: %v %v", i, results[i], panics[i])
			}
			want++
		}
	}
	if got := count(t, db, "notes"); got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	// The CREATE TABLE (a statement outside a transaction, so one of its
	// own) and the ones that committed count, and they shared commits.
	if txs, commits := db.WriteStats(); txs != uint64(want+1) || commits == 0 || commits > txs {
		t.Errorf("WriteStats: %d transactions in %d commits, want %d in between 1 and %d", txs, commits, want+1, want+1)
	}
	for _, k := range []string{"3", "5", "7", "9"} {
		var v string
		if err := db.QueryRowContext(context.Background(), `SELECT v FROM notes WHERE k = ?`, k).Scan(&v); err == nil {
			t.Errorf("row %s of a failed transaction was kept (%q)", k, v)
		}
	}
}

// TestGroupCommitCancelMidStatement: a caller that gives up while its
// statement runs loses its own work only. SQLite answers an interrupted
// write inside a transaction by rolling the whole transaction back, so the
// group must not let one caller's cancellation reach the shared one.
func TestGroupCommitCancelMidStatement(t *testing.T) {
	db := openGrouped(t, 0, "normal")
	ctx := context.Background()
	started := make(chan struct{})
	hold := make(chan struct{})
	// The first transaction holds the writer while the others queue up
	// behind it, so that they share the next group.
	first := make(chan error, 1)
	go func() {
		first <- db.Tx(ctx, func(tx *sqldb.Tx) error {
			close(started)
			<-hold
			_, err := tx.ExecContext(ctx, `INSERT INTO notes (k, v) VALUES ('first', 'x')`)
			return err
		})
	}()
	<-started
	insert := func(k string) func(tx *sqldb.Tx) error {
		return func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO notes (k, v) VALUES (?, 'x')`, k)
			return err
		}
	}
	var wg sync.WaitGroup
	var before, after, long error
	run := func(dst *error, c context.Context, fn func(tx *sqldb.Tx) error) {
		wg.Add(1)
		go func() { defer wg.Done(); *dst = db.Tx(c, fn) }()
		time.Sleep(20 * time.Millisecond) // queued in this order
	}
	run(&before, ctx, insert("before"))
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run(&long, lctx, func(tx *sqldb.Tx) error {
		go func() { time.Sleep(5 * time.Millisecond); cancel() }()
		// Long enough to be running when its caller cancels.
		_, err := tx.ExecContext(lctx, `INSERT INTO notes (k, v)
			WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
			SELECT 'long', count(*) FROM c`)
		return err
	})
	run(&after, ctx, insert("after"))
	close(hold)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	if before != nil || after != nil {
		t.Fatalf("the canceled caller's batch-mates failed: before %v, after %v", before, after)
	}
	if !errors.Is(long, context.Canceled) {
		t.Errorf("canceled caller: %v, want context.Canceled", long)
	}
	for k, want := range map[string]int{"first": 1, "before": 1, "after": 1, "long": 0} {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM notes WHERE k = ?`, k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%d rows %q, want %d", n, k, want)
		}
	}
}

// TestGroupCommitClosed: a transaction asked of a closed database fails
// cleanly.
func TestGroupCommitClosed(t *testing.T) {
	db := openGrouped(t, 0, "normal")
	db.Close()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error { return nil })
	if !errors.Is(err, sqldb.ErrClosed) {
		t.Fatalf("%v, want ErrClosed", err)
	}
}

// BenchmarkTxParallel measures durable single-row write transactions
// from many goroutines with and without group commit (synchronous=FULL:
// each commit waits for the disk).
func BenchmarkTxParallel(b *testing.B) {
	for _, group := range []int{1, 0} {
		name := "grouped"
		if group == 1 {
			name = "one-per-commit"
		}
		b.Run(name, func(b *testing.B) {
			db := openGrouped(b, group, "full")
			var seq sync.Mutex
			k := 0
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					seq.Lock()
					k++
					key := fmt.Sprint(k)
					seq.Unlock()
					if err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
						_, err := tx.ExecContext(context.Background(), `INSERT INTO notes (k, v) VALUES (?, ?)`, key, "x")
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestGroupCommitCloseRace: transactions asked while the database closes
// all return, committed or ErrClosed, never hang.
func TestGroupCommitCloseRace(t *testing.T) {
	for range 20 {
		db := openGrouped(t, 0, "normal")
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
					_, err := tx.ExecContext(context.Background(), `INSERT INTO notes (k, v) VALUES (?, 'x')`, fmt.Sprint(i))
					return err
				})
				if err != nil && !errors.Is(err, sqldb.ErrClosed) && !strings.Contains(err.Error(), "closed") {
					t.Errorf("%d: %v", i, err)
				}
			}()
		}
		db.Close()
		wg.Wait()
	}
}

// TestGroupCommitStatements: statements run outside a transaction share
// the group's commits too, and keep their own outcome (a unique violation
// is the caller's alone).
func TestGroupCommitStatements(t *testing.T) {
	db := openGrouped(t, 0, "full")
	tx0, c0 := db.WriteStats()
	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.ExecContext(context.Background(), `INSERT INTO notes (k, v) VALUES (?, ?)`, fmt.Sprint(i%90), "x")
		}()
	}
	wg.Wait()
	unique := 0
	for i, err := range errs {
		switch {
		case sqldb.IsUnique(err):
			unique++
		case err != nil:
			t.Errorf("%d: %v", i, err)
		}
	}
	if unique != 10 || count(t, db, "notes") != 90 {
		t.Fatalf("%d unique violations and %d rows, want 10 and 90", unique, count(t, db, "notes"))
	}
	res, err := db.ExecContext(context.Background(), `UPDATE notes SET v = 'y' WHERE k < '5'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Error("RowsAffected lost through the group")
	}
	txs, commits := db.WriteStats()
	if txs-tx0 != 91 || commits-c0 >= txs-tx0 {
		t.Errorf("%d statements landed in %d commits, want 91 in fewer", txs-tx0, commits-c0)
	}
}
