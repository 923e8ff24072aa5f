package ratelimit

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MemoryConfig bounds a Memory limiter.
type MemoryConfig struct {
	// MaxKeys is the most buckets kept at once (default 100,000). Past it,
	// a new key evicts the fullest of a few sampled buckets.
	MaxKeys int
	// SweepEvery is how often idle buckets are dropped (default 1 minute).
	SweepEvery time.Duration
}

const memoryShards = 32

// Memory is a Limiter that keeps one token bucket (golang.org/x/time/rate)
// per key in process. A bucket that has refilled completely is dropped at
// the next sweep: a new bucket would be full too, so dropping it changes no
// answer, and memory stays proportional to the keys active in the last
// Burst/rate seconds, never above MaxKeys.
type Memory struct {
	limit    Limit
	now      func() time.Time
	seed     maphash.Seed
	perShard int
	sweep    time.Duration
	shards   [memoryShards]memShard
}

type memShard struct {
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

// NewMemory returns an in-process limiter of limit; now is the clock.
func NewMemory(limit Limit, cfg MemoryConfig, now func() time.Time) *Memory {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100_000
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	m := &Memory{limit: limit, now: now, seed: maphash.MakeSeed(), perShard: max(cfg.MaxKeys/memoryShards, 1), sweep: cfg.SweepEvery}
	t := now()
	for i := range m.shards {
		m.shards[i].buckets = map[string]*rate.Limiter{}
		m.shards[i].lastSweep = t
	}
	return m
}

// Limit is the limit every bucket follows.
func (m *Memory) Limit() Limit { return m.limit }

// Len reports how many buckets are kept.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.buckets)
		s.mu.Unlock()
	}
	return n
}

// AllowN implements Limiter; it never fails.
func (m *Memory) AllowN(_ context.Context, key string, n int) (Decision, error) {
	if m.limit.Off() {
		return Decision{Allowed: true, Remaining: math.MaxInt32}, nil
	}
	now := m.now()
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) >= m.sweep {
		m.sweepLocked(s, now)
	}
	b, ok := s.buckets[key]
	if !ok {
		if n == 0 {
			return Decision{Allowed: true, Remaining: m.limit.burst()}, nil
		}
		if len(s.buckets) >= m.perShard {
			m.sweepLocked(s, now)
			if len(s.buckets) >= m.perShard {
				m.evictLocked(s, now)
			}
		}
		b = rate.NewLimiter(rate.Limit(m.limit.PerSecond()), m.limit.burst())
		s.buckets[key] = b
	}
	if n == 0 {
		tokens := b.TokensAt(now)
		return Decision{Allowed: tokens >= 1, Remaining: int(max(tokens, 0)), RetryAfter: m.wait(tokens, 1)}, nil
	}
	if b.AllowN(now, n) {
		return Decision{Allowed: true, Remaining: int(max(b.TokensAt(now), 0))}, nil
	}
	tokens := b.TokensAt(now)
	return Decision{Remaining: int(max(tokens, 0)), RetryAfter: m.wait(tokens, n)}, nil
}

// Reset implements Resetter; it never fails.
func (m *Memory) Reset(_ context.Context, key string) error {
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]
	s.mu.Lock()
	delete(s.buckets, key)
	s.mu.Unlock()
	return nil
}

var _ Resetter = (*Memory)(nil)

// wait is how long a bucket holding tokens needs to hold n.
func (m *Memory) wait(tokens float64, n int) time.Duration {
	if tokens >= float64(n) {
		return 0
	}
	if n > m.limit.burst() {
		// Never possible: say how long a full refill takes.
		n = m.limit.burst()
	}
	secs := (float64(n) - tokens) / m.limit.PerSecond()
	return time.Duration(math.Ceil(secs * float64(time.Second)))
}

// sweepLocked drops the buckets that are full again.
func (m *Memory) sweepLocked(s *memShard, now time.Time) {
	s.lastSweep = now
	full := float64(m.limit.burst())
	for k, b := range s.buckets {
		if b.TokensAt(now) >= full {
			delete(s.buckets, k)
		}
	}
}

// evictLocked drops the fullest of a few buckets (map order is random), so
// that a flood of new keys cannot grow memory; the buckets closest to full
// lose the least.
func (m *Memory) evictLocked(s *memShard, now time.Time) {
	var victim string
	best := math.Inf(-1)
	i := 0
	for k, b := range s.buckets {
		if t := b.TokensAt(now); t > best {
			victim, best = k, t
		}
		if i++; i >= 8 {
			break
		}
	}
	delete(s.buckets, victim)
}

var _ Limiter = (*Memory)(nil)
