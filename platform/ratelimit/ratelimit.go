// Package ratelimit is Agora's abuse resistance kit: token buckets kept per
// key (a client address, a hashed credential, an account, anything a caller
// names), in process by default and shared across instances through Redis,
// and the HTTP middleware that limits every request per client address and
// per credential.
//
// A Limiter decides for one key at a time; Memory keeps its buckets in
// process with bounded memory, Redis keeps them in Redis (GCRA, the same
// answer from every instance), and Fallback answers from a second limiter
// while the first one fails, so that an outage of Redis never turns into
// errors for clients. Other modules reuse the same types for their own
// throttles (login attempts per account and per address, for instance):
//
//	lim := ratelimit.NewMemory(ratelimit.Limit{Events: 5, Period: time.Minute, Burst: 5}, ratelimit.MemoryConfig{}, time.Now)
//	d, _ := lim.AllowN(ctx, "login:"+email, 1)
//	if !d.Allowed { return errs.E(errs.RateLimited, "rate_limited", "…") }
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
)

// Limit is a token bucket: Events tokens are added every Period, and a
// bucket holds at most Burst tokens. A Limit with no events is off: every
// request is allowed.
type Limit struct {
	Events int
	Period time.Duration
	Burst  int
}

// Off reports whether the limit lets everything through.
func (l Limit) Off() bool { return l.Events <= 0 || l.Period <= 0 }

// PerSecond is the refill rate in tokens per second.
func (l Limit) PerSecond() float64 {
	if l.Off() {
		return math.Inf(1)
	}
	return float64(l.Events) / l.Period.Seconds()
}

// burst is the bucket size, at least one token.
func (l Limit) burst() int { return max(l.Burst, 1) }

// String writes the limit the way ParseLimit reads it ("100/s:200", "off").
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[l.Period]
	if unit == "" {
		unit = l.Period.String()
	}
	return fmt.Sprintf("%d/%s:%d", l.Events, unit, l.burst())
}

// ParseLimit reads a limit written as EVENTS/UNIT[:BURST], where UNIT is s,
// m or h ("100/s", "600/m:50"); "off", "0" or "" turn the limit off. Without
// a burst, the bucket holds one period's worth of events.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "off" || s == "0" || s == "none" {
		return Limit{}, nil
	}
	rate, burst, hasBurst := strings.Cut(s, ":")
	n, unit, ok := strings.Cut(rate, "/")
	if !ok {
		return Limit{}, fmt.Errorf("rate limit %q: want EVENTS/UNIT[:BURST] such as 100/s or 600/m:50, or off", s)
	}
	events, err := strconv.Atoi(n)
	if err != nil || events < 0 || events > 1_000_000_000 {
		return Limit{}, fmt.Errorf("rate limit %q: %q is not a number of events", s, n)
	}
	var period time.Duration
	switch unit {
	case "s", "sec", "second":
		period = time.Second
	case "m", "min", "minute":
		period = time.Minute
	case "h", "hour":
		period = time.Hour
	default:
		return Limit{}, fmt.Errorf("rate limit %q: unit %q must be s, m or h", s, unit)
	}
	l := Limit{Events: events, Period: period, Burst: events}
	if hasBurst {
		b, err := strconv.Atoi(burst)
		if err != nil || b < 1 || b > 1_000_000_000 {
			return Limit{}, fmt.Errorf("rate limit %q: burst %q must be a positive number", s, burst)
		}
		l.Burst = b
	}
	if events == 0 {
		return Limit{}, nil
	}
	return l, nil
}

// Decision is a limiter's answer for one key.
type Decision struct {
	// Allowed reports whether the tokens were taken.
	Allowed bool
	// Remaining is how many whole tokens are left in the bucket.
	Remaining int
	// RetryAfter is how long until the request would be allowed; zero when
	// it was.
	RetryAfter time.Duration
}

// Limiter decides, per key, whether an event may happen now.
type Limiter interface {
	// AllowN takes n tokens from key's bucket if it holds them, and says
	// how long to wait if not. n = 0 only looks (the bucket is unchanged).
	// It is safe for concurrent use; an error means the limiter could not
	// decide (its store is unreachable), never that the key is limited.
	AllowN(ctx context.Context, key string, n int) (Decision, error)
}

// Resetter is a Limiter that can forget a key's bucket, so that the key
// starts again with a full one (an operator lifting a block).
type Resetter interface {
	Limiter
	Reset(ctx context.Context, key string) error
}

// Allow takes one token of key's bucket.
func Allow(ctx context.Context, l Limiter, key string) (Decision, error) {
	return l.AllowN(ctx, key, 1)
}

// Error is the problem a limited client gets: 429 rate_limited, with
// Retry-After from the decision.
func Error(d Decision) error {
	e := errs.E(errs.RateLimited, "rate_limited", "too many requests; retry in %d s", RetryAfterSeconds(d.RetryAfter))
	e.RetryAfter = time.Duration(RetryAfterSeconds(d.RetryAfter)) * time.Second
	return e
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least one, as the
// Retry-After header wants.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	return max(s, 1)
}
