package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Fallback answers from Primary (usually Redis) and, while Primary fails,
// from Secondary (usually Memory): a broken store costs the sharing of
// buckets across instances, never a failed request. After a failure
// Primary is left alone for a cool-down, so that a down Redis does not add
// its timeout to every request. The change of state is logged once each
// way; every answer given by Secondary counts in Metrics.
type Fallback struct {
	name      string
	primary   Limiter
	secondary Limiter
	log       *slog.Logger
	metrics   *Metrics
	now       func() time.Time
	cooldown  time.Duration
	downUntil atomic.Int64 // unix nanoseconds
	down      atomic.Bool
}

// NewFallback returns a limiter named name (for logs and metrics) over
// primary and secondary; metrics may be nil.
func NewFallback(name string, primary, secondary Limiter, log *slog.Logger, metrics *Metrics, now func() time.Time) *Fallback {
	if now == nil {
		now = time.Now
	}
	metrics.storeUp(name, true)
	return &Fallback{name: name, primary: primary, secondary: secondary, log: log, metrics: metrics, now: now, cooldown: 5 * time.Second}
}

// Down reports whether the primary limiter is being bypassed.
func (f *Fallback) Down() bool { return f.down.Load() }

// AllowN implements Limiter; it fails only if both limiters fail.
func (f *Fallback) AllowN(ctx context.Context, key string, n int) (Decision, error) {
	now := f.now()
	if now.UnixNano() >= f.downUntil.Load() {
		d, err := f.primary.AllowN(ctx, key, n)
		if err == nil {
			if f.down.CompareAndSwap(true, false) {
				f.log.Info("rate limiter store reachable again; buckets are shared again", "limiter", f.name)
				f.metrics.storeUp(f.name, true)
			}
			return d, nil
		}
		if ctx.Err() != nil {
			// The client went away; that says nothing about the store.
			return f.secondary.AllowN(ctx, key, n)
		}
		f.downUntil.Store(now.Add(f.cooldown).UnixNano())
		if f.down.CompareAndSwap(false, true) {
			f.log.Warn("rate limiter store unreachable; using in-process buckets until it is back", "limiter", f.name, "err", err)
			f.metrics.storeUp(f.name, false)
		}
	}
	f.metrics.fallback(f.name)
	return f.secondary.AllowN(ctx, key, n)
}

// Reset implements Resetter when both limiters do: it forgets the key in
// both (the secondary may hold a bucket from a time the primary was down)
// and fails if either fails, so that a reset reported done is done.
func (f *Fallback) Reset(ctx context.Context, key string) error {
	var errs []error
	for _, l := range []Limiter{f.primary, f.secondary} {
		r, ok := l.(Resetter)
		if !ok {
			return fmt.Errorf("rate limiter %s cannot forget a key", f.name)
		}
		if err := r.Reset(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

var _ Resetter = (*Fallback)(nil)
