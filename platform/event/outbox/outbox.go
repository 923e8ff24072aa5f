// Package outbox writes events in the same transaction as the change they
// describe, relays them to the bus afterwards, and records which events a
// consumer has already handled.
//
// Each module owns two tables, created by its own migrations:
//
//	CREATE TABLE <module>_outbox (
//	    seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL,
//	    envelope TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
//	CREATE TABLE <module>_inbox (
//	    consumer TEXT NOT NULL, event_id TEXT NOT NULL, handled_at TIMESTAMPTZ NOT NULL,
//	    PRIMARY KEY (consumer, event_id));
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// Write appends events to the module's outbox inside tx. An event without
// a trace context gets the one of ctx, so that its consumers continue the
// trace of the change.
func Write(ctx context.Context, tx *sqldb.Tx, module string, events ...event.Event) error {
	rows := make([][]any, 0, len(events))
	traceparent := event.TraceParent(ctx)
	for _, e := range events {
		if e.TraceParent == "" {
			e.TraceParent = traceparent
		}
		if e.Module() != module {
			// The relay routes a row by its outbox's module.
			return fmt.Errorf("outbox: event %s from %q written to the outbox of %q", e.Type, e.Module(), module)
		}
		b, err := e.AppendJSON(nil)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		rows = append(rows, []any{e.ID, e.Type, string(b), e.Time})
	}
	if err := tx.InsertMany(ctx, "INSERT INTO "+module+"_outbox (id, type, envelope, created_at)", rows); err != nil {
		return fmt.Errorf("outbox: write: %w", err)
	}
	return nil
}

// MarkHandled records, inside tx, that consumer has handled eventID. It
// reports false when the event was handled before, in which case the caller
// skips its effect: this is what makes at-least-once delivery exactly-once
// in effect.
func MarkHandled(ctx context.Context, tx *sqldb.Tx, module, consumer, eventID string) (first bool, err error) {
	// ON CONFLICT rather than catching the unique violation: on PostgreSQL a
	// failed statement aborts the whole transaction, so its commit would fail.
	res, err := tx.ExecContext(ctx, "INSERT INTO "+module+"_inbox (consumer, event_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		consumer, eventID, time.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("outbox: mark handled: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("outbox: mark handled: %w", err)
	}
	return n == 1, nil
}

// RelayConfig tunes a Relay.
type RelayConfig struct {
	// Interval between polls when nothing wakes the relay.
	Interval time.Duration
	// Batch is the most rows published per round.
	Batch int
}

// DefaultRelayConfig polls every 250 ms, 500 rows at a time.
func DefaultRelayConfig() RelayConfig {
	return RelayConfig{Interval: 250 * time.Millisecond, Batch: 500}
}

// Relay publishes a module's outbox rows in order and deletes them once the
// bus has them. A crash between publish and delete publishes the rows again
// on restart; the bus drops the duplicates by event id. Several relays may
// run against one PostgreSQL database for the same reason.
type Relay struct {
	module string
	db     *sqldb.DB
	pub    event.Publisher
	cfg    RelayConfig
	log    *slog.Logger
	wake   chan struct{}
	lag    atomic.Int64 // rows seen pending in the last round
}

// NewRelay returns a relay for module's outbox in db.
func NewRelay(module string, db *sqldb.DB, pub event.Publisher, cfg RelayConfig, log *slog.Logger) *Relay {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultRelayConfig().Interval
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultRelayConfig().Batch
	}
	return &Relay{module: module, db: db, pub: pub, cfg: cfg, log: log, wake: make(chan struct{}, 1)}
}

// Notify wakes the relay after a commit that wrote outbox rows.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Pending is the number of rows found waiting in the last round.
func (r *Relay) Pending() int64 { return r.lag.Load() }

// Run relays until ctx ends, then makes a last attempt to flush (bounded by
// a short timeout) so that a graceful stop leaves nothing behind.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_, _ = r.Flush(fctx)
			cancel()
			return
		case <-t.C:
		case <-r.wake:
		}
		for {
			n, err := r.Flush(ctx)
			if err != nil && ctx.Err() != nil {
				break // stopping: the final flush below takes over
			}
			if err != nil {
				failures++
				if failures == 1 || failures%100 == 0 {
					r.log.Warn("outbox relay failed", "module", r.module, "err", err, "failures", failures)
				}
				break
			}
			failures = 0
			if n < r.cfg.Batch {
				break
			}
		}
	}
}

// publish sends the rows' envelopes as they are when the bus can take
// them so, and decodes them into events otherwise.
func (r *Relay) publish(ctx context.Context, rows []event.Encoded) error {
	if ep, ok := r.pub.(event.EncodedPublisher); ok {
		return ep.PublishEncoded(ctx, rows...)
	}
	events := make([]event.Event, len(rows))
	for i, row := range rows {
		if err := json.Unmarshal(row.Envelope, &events[i]); err != nil {
			return fmt.Errorf("outbox: event %s: %w", row.ID, err)
		}
	}
	return r.pub.Publish(ctx, events...)
}

// Flush publishes one batch of pending rows and reports how many it sent.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	// The reader pool: on SQLite it sees every commit without waiting for
	// the one writer connection, which group commit keeps busy.
	rows, err := r.db.Primary().QueryContext(ctx, "SELECT seq, id, type, envelope FROM "+r.module+"_outbox ORDER BY seq LIMIT ?", r.cfg.Batch)
	if err != nil {
		return 0, err
	}
	var seqs []int64
	var events []event.Encoded
	for rows.Next() {
		var seq int64
		var e event.Encoded
		var env string
		if err := rows.Scan(&seq, &e.ID, &e.Type, &env); err != nil {
			rows.Close()
			return 0, err
		}
		e.Module, e.Envelope = r.module, []byte(env)
		seqs = append(seqs, seq)
		events = append(events, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	r.lag.Store(int64(len(seqs)))
	if len(events) == 0 {
		return 0, nil
	}
	if err := r.publish(ctx, events); err != nil {
		return 0, err
	}
	// Rows are deleted up to the last published seq; rows committed later
	// with a lower seq (concurrent transactions on PostgreSQL) are not in
	// this batch and so are not deleted.
	// Once published, the rows are deleted even if ctx ends now, so that a
	// stop does not publish the batch a second time on the next start.
	ctx = context.WithoutCancel(ctx)
	err = r.db.Tx(ctx, func(tx *sqldb.Tx) error {
		for i := 0; i < len(seqs); i += 200 {
			chunk := seqs[i:min(i+200, len(seqs))]
			q := "DELETE FROM " + r.module + "_outbox WHERE seq IN (?" + repeat(",?", len(chunk)-1) + ")"
			args := make([]any, len(chunk))
			for j, s := range chunk {
				args[j] = s
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(events), nil
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out)
}
