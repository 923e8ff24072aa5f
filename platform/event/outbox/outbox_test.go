package outbox_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// The tables of the package documentation, for module "t".
var migrations = fstest.MapFS{"00001_outbox.sql": {Data: []byte(`-- +goose Up
CREATE TABLE t_outbox (
    seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL,
    envelope TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
CREATE TABLE t_inbox (
    consumer TEXT NOT NULL, event_id TEXT NOT NULL, handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id));
`)}}

// forEachDB runs fn on a migrated SQLite database, and on PostgreSQL (in a
// schema of its own) when AGORA_TEST_POSTGRES_URL is set.
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range []struct {
		name string
		open func(testing.TB) *sqldb.DB
	}{{"sqlite", MustOpenSQLite}, {"postgres", MustOpenPostgres}} {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			if err := db.Migrate(context.Background(), "t", migrations); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			fn(t, db)
		})
	}
}

// MustOpenSQLite opens a fresh SQLite database in a temporary directory.
func MustOpenSQLite(tb testing.TB) *sqldb.DB {
	tb.Helper()
	db, err := sqldb.Open(context.Background(), sqldb.Config{Path: filepath.Join(tb.TempDir(), "outbox.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenPostgres opens AGORA_TEST_POSTGRES_URL in a fresh schema dropped
// at cleanup, or skips the test when the variable is not set.
func MustOpenPostgres(tb testing.TB) *sqldb.DB {
	tb.Helper()
	base := os.Getenv("AGORA_TEST_POSTGRES_URL")
	if base == "" {
		tb.Skip("AGORA_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run")
	}
	ctx := context.Background()
	admin, err := sqldb.Open(ctx, sqldb.Config{PostgresURL: base, MaxOpen: 2})
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sqldb.Open(ctx, sqldb.Config{PostgresURL: u.String()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// recorder is a Publisher that records what it is given, or fails with err.
type recorder struct {
	mu     sync.Mutex
	err    error
	calls  int
	events []event.Event
}

func (r *recorder) Publish(_ context.Context, events ...event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return r.err
	}
	r.events = append(r.events, events...)
	return nil
}

func (r *recorder) setErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.ID)
	}
	return out
}

func newEvents(t *testing.T, n int) []event.Event {
	t.Helper()
	out := make([]event.Event, n)
	for i := range out {
		e, err := event.New("t", "thing.happened", "thing_1", map[string]int{"i": i}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

func ids(events []event.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

func write(t *testing.T, db *sqldb.DB, events ...event.Event) {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		return outbox.Write(context.Background(), tx, "t", events...)
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
}

func rows(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM t_outbox").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestWriteAndFlush(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		events := newEvents(t, 5)
		write(t, db, events[:3]...)
		write(t, db, events[3:]...)
		if n := rows(t, db); n != 5 {
			t.Fatalf("%d outbox rows, want 5", n)
		}

		pub := &recorder{}
		r := outbox.NewRelay("t", db, pub, outbox.RelayConfig{}, discard())
		n, err := r.Flush(ctx)
		if err != nil || n != 5 {
			t.Fatalf("Flush = %d, %v; want 5", n, err)
		}
		if got := pub.ids(); !slices.Equal(got, ids(events)) {
			t.Errorf("published %v, want %v in order", got, ids(events))
		}
		if r.Pending() != 5 {
			t.Errorf("Pending = %d, want 5", r.Pending())
		}
		if n := rows(t, db); n != 0 {
			t.Errorf("%d outbox rows after Flush, want 0", n)
		}
		// The envelope survives the trip through the table.
		for i, got := range pub.events {
			want := events[i]
			if got.ID != want.ID || got.Type != want.Type || got.Source != want.Source || got.Subject != want.Subject ||
				got.SpecVersion != "1.0" || string(got.Data) != string(want.Data) || !got.Time.Equal(want.Time) {
				t.Errorf("event %d = %+v, want %+v", i, got, want)
			}
		}

		n, err = r.Flush(ctx)
		if err != nil || n != 0 || pub.calls != 1 || r.Pending() != 0 {
			t.Errorf("second Flush = %d, %v, %d publish calls, Pending %d; want 0, nil, 1, 0", n, err, pub.calls, r.Pending())
		}
	})
}

func TestWriteRolledBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		errAbort := errors.New("abort")
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := outbox.Write(ctx, tx, "t", newEvents(t, 2)...); err != nil {
				return err
			}
			return errAbort
		})
		if err != errAbort {
			t.Fatalf("Tx = %v", err)
		}
		if n := rows(t, db); n != 0 {
			t.Fatalf("%d outbox rows after a rollback, want 0", n)
		}
		err = db.Tx(ctx, func(tx *sqldb.Tx) error { return outbox.Write(ctx, tx, "nosuchmodule", newEvents(t, 1)...) })
		if err == nil {
			t.Fatal("Write to a missing outbox table succeeded")
		}
	})
}

func TestFlushBatches(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		events := newEvents(t, 5)
		for _, e := range events {
			write(t, db, e)
		}
		pub := &recorder{}
		r := outbox.NewRelay("t", db, pub, outbox.RelayConfig{Batch: 2}, discard())
		var sizes []int
		for {
			n, err := r.Flush(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			sizes = append(sizes, n)
		}
		if !slices.Equal(sizes, []int{2, 2, 1}) {
			t.Errorf("batches %v, want [2 2 1]", sizes)
		}
		if got := pub.ids(); !slices.Equal(got, ids(events)) {
			t.Errorf("published %v, want %v in order", got, ids(events))
		}
	})
}

func TestFlushPublisherFails(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		events := newEvents(t, 3)
		write(t, db, events...)
		errDown := errors.New("bus down")
		pub := &recorder{err: errDown}
		r := outbox.NewRelay("t", db, pub, outbox.DefaultRelayConfig(), discard())
		n, err := r.Flush(ctx)
		if !errors.Is(err, errDown) || n != 0 {
			t.Fatalf("Flush = %d, %v; want 0, the publisher's error", n, err)
		}
		if n := rows(t, db); n != 3 {
			t.Fatalf("%d outbox rows after a failed publish, want 3", n)
		}

		pub.setErr(nil)
		n, err = r.Flush(ctx)
		if err != nil || n != 3 {
			t.Fatalf("Flush after recovery = %d, %v; want 3", n, err)
		}
		if got := pub.ids(); !slices.Equal(got, ids(events)) {
			t.Errorf("published %v, want %v", got, ids(events))
		}
		if n := rows(t, db); n != 0 {
			t.Errorf("%d outbox rows, want 0", n)
		}
	})
}

func TestMarkHandled(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mark := func(consumer, eventID string) bool {
			t.Helper()
			var first bool
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				var err error
				first, err = outbox.MarkHandled(ctx, tx, "t", consumer, eventID)
				return err
			})
			if err != nil {
				t.Fatalf("MarkHandled(%s, %s): %v", consumer, eventID, err)
			}
			return first
		}
		if !mark("search", "evt_1") {
			t.Error("first MarkHandled = false")
		}
		if mark("search", "evt_1") {
			t.Error("second MarkHandled = true")
		}
		if !mark("search", "evt_2") {
			t.Error("another event: first = false")
		}
		if !mark("mailer", "evt_1") {
			t.Error("another consumer: first = false")
		}

		// A duplicate leaves the transaction usable: the caller's other
		// writes in it still commit (on PostgreSQL a failed statement would
		// abort the whole transaction).
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			first, err := outbox.MarkHandled(ctx, tx, "t", "search", "evt_1")
			if err != nil || first {
				t.Errorf("duplicate MarkHandled = %v, %v; want false, nil", first, err)
			}
			return outbox.Write(ctx, tx, "t", newEvents(t, 1)...)
		})
		if err != nil {
			t.Fatalf("transaction with a duplicate mark: %v", err)
		}
		if n := rows(t, db); n != 1 {
			t.Errorf("%d outbox rows, want the 1 written after the duplicate mark", n)
		}

		// A mark in a transaction that rolls back is forgotten with it.
		errAbort := errors.New("abort")
		err = db.Tx(ctx, func(tx *sqldb.Tx) error {
			first, err := outbox.MarkHandled(ctx, tx, "t", "search", "evt_3")
			if err != nil || !first {
				t.Errorf("MarkHandled = %v, %v", first, err)
			}
			return errAbort
		})
		if err != errAbort {
			t.Fatal(err)
		}
		if !mark("search", "evt_3") {
			t.Error("MarkHandled after a rolled-back mark = false")
		}

		// Errors other than a duplicate are reported.
		err = db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := outbox.MarkHandled(ctx, tx, "nosuchmodule", "search", "evt_1")
			return err
		})
		if err == nil {
			t.Error("MarkHandled on a missing table succeeded")
		}
	})
}

// Run publishes when notified, and flushes what is left when it stops.
func TestRun(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		pub := &recorder{}
		// A long interval: only Notify and the stop wake the relay.
		r := outbox.NewRelay("t", db, pub, outbox.RelayConfig{Interval: time.Hour}, discard())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })

		events := newEvents(t, 3)
		write(t, db, events[:2]...)
		r.Notify()
		r.Notify() // coalesces, never blocks
		waitFor(t, 10*time.Second, func() bool { return len(pub.ids()) == 2 })
		if got := pub.ids(); !slices.Equal(got, ids(events[:2])) {
			t.Fatalf("published %v", got)
		}

		write(t, db, events[2])
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
		// Delivery is at least once: a stop between publish and delete
		// publishes a batch again (the bus drops the duplicates by id).
		if got := firstOccurrences(pub.ids()); !slices.Equal(got, ids(events)) {
			t.Errorf("after stop published %v, want %v in order, each at least once", pub.ids(), ids(events))
		}
		if n := rows(t, db); n != 0 {
			t.Errorf("%d outbox rows after stop, want 0", n)
		}
	})
}

// firstOccurrences is ids without repeats, in the order first seen.
func firstOccurrences(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// encodedRecorder is an EncodedPublisher that records the envelopes it is
// given.
type encodedRecorder struct {
	recorder
	encoded []event.Encoded
}

func (r *encodedRecorder) PublishEncoded(_ context.Context, events ...event.Encoded) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.encoded = append(r.encoded, events...)
	return nil
}

// TestFlushEncoded: a bus that takes encoded envelopes gets each row's
// envelope as it was written, routed by the outbox's module and the
// event's type, without the events being decoded.
func TestFlushEncoded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		events := newEvents(t, 3)
		write(t, db, events...)
		pub := &encodedRecorder{}
		if n, err := outbox.NewRelay("t", db, pub, outbox.RelayConfig{}, discard()).Flush(context.Background()); err != nil || n != 3 {
			t.Fatalf("Flush = %d, %v; want 3", n, err)
		}
		if len(pub.events) != 0 || len(pub.encoded) != 3 {
			t.Fatalf("%d decoded and %d encoded events published, want 0 and 3", len(pub.events), len(pub.encoded))
		}
		for i, got := range pub.encoded {
			want, _ := json.Marshal(events[i])
			if got.ID != events[i].ID || got.Module != "t" || got.Type != events[i].Type || string(got.Envelope) != string(want) {
				t.Errorf("row %d = %+v %s, want %s", i, got, got.Envelope, want)
			}
		}
	})
}

// TestWriteRefusesAnotherModulesEvent: the relay routes a row by its
// outbox's module, so an event of another module is refused, not misrouted.
func TestWriteRefusesAnotherModulesEvent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		e, err := event.New("other", "thing.happened", "thing_1", nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		err = db.Tx(context.Background(), func(tx *sqldb.Tx) error { return outbox.Write(context.Background(), tx, "t", e) })
		if err == nil {
			t.Fatal("an event of module other was written to the outbox of t")
		}
		if n := rows(t, db); n != 0 {
			t.Fatalf("%d rows after a refused write", n)
		}
	})
}
