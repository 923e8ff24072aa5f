// Package cache is a shared cache of byte values in Redis for a second
// level behind an in-process cache. It never fails a request: every call
// has a short timeout, and an error (Redis down, slow or unreachable) only
// makes the call report that the cache was bypassed, so that the caller
// reads its database instead. After a failure a breaker leaves Redis alone
// for a cool-down, so that a dead Redis does not add its timeout to every
// request. Hits, misses, errors and bypasses are counted in Metrics.
//
// The package knows nothing of what it stores; consistency (what may be
// served after a write) is the caller's design.
package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config tunes a Redis cache.
type Config struct {
	// Prefix is put before every key (e.g. "agora:catalog:").
	Prefix string
	// Timeout bounds every call, round trip included.
	Timeout time.Duration
	// Cooldown is how long Redis is left alone after a failure.
	Cooldown time.Duration
}

// DefaultConfig answers within 100 ms (a round trip is ~0.1 ms; more
// means Redis or the network is in trouble) and waits 2 s after a failure.
func DefaultConfig() Config {
	return Config{Timeout: 100 * time.Millisecond, Cooldown: 2 * time.Second}
}

// Item is a value to write with its time to live (0: no expiry).
type Item struct {
	Key   string
	Value []byte
	TTL   time.Duration
}

// Redis is the cache. It is safe for concurrent use.
type Redis struct {
	rdb     *redis.Client
	name    string
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time

	downUntil atomic.Int64 // unix nanoseconds
	down      atomic.Bool
}

// New returns a cache named name (for logs and metrics) over rdb (whose
// options should have short timeouts too, as ratelimit.NewRedisClient
// sets); metrics may be nil, now is time.Now when nil.
func New(rdb *redis.Client, name string, cfg Config, log *slog.Logger, metrics *Metrics, now func() time.Time) *Redis {
	def := DefaultConfig()
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = def.Cooldown
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	metrics.setUp(name, true)
	return &Redis{rdb: rdb, name: name, cfg: cfg, log: log, metrics: metrics, now: now}
}

// Down reports whether Redis is being bypassed (the breaker is open).
func (c *Redis) Down() bool { return c.down.Load() && c.now().UnixNano() < c.downUntil.Load() }

// call runs fn with the timeout unless the breaker is open. It reports
// false when the cache was bypassed, counting why.
func (c *Redis) call(ctx context.Context, fn func(ctx context.Context) error) bool {
	now := c.now()
	if now.UnixNano() < c.downUntil.Load() {
		c.metrics.bypass(c.name)
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	err := fn(cctx)
	cancel()
	if err == nil || errors.Is(err, redis.Nil) {
		if c.down.CompareAndSwap(true, false) {
			c.log.Info("shared cache reachable again", "cache", c.name)
			c.metrics.setUp(c.name, true)
		}
		return true
	}
	c.metrics.error(c.name)
	c.metrics.bypass(c.name)
	if ctx.Err() != nil {
		// The caller went away; that says nothing about Redis.
		return false
	}
	c.downUntil.Store(now.Add(c.cfg.Cooldown).UnixNano())
	if c.down.CompareAndSwap(false, true) {
		c.log.Warn("shared cache unreachable; reading the database until it is back", "cache", c.name, "err", err)
		c.metrics.setUp(c.name, false)
	}
	return false
}

// Get returns the values of keys (nil where a key is absent) in one round
// trip. ok is false when the cache was bypassed: then vals is nil.
func (c *Redis) Get(ctx context.Context, keys ...string) (vals [][]byte, ok bool) {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.cfg.Prefix + k
	}
	ok = c.call(ctx, func(ctx context.Context) error {
		res, err := c.rdb.MGet(ctx, full...).Result()
		if err != nil {
			return err
		}
		vals = make([][]byte, len(res))
		for i, v := range res {
			if s, isStr := v.(string); isStr {
				vals[i] = []byte(s)
			}
		}
		return nil
	})
	if !ok {
		return nil, false
	}
	return vals, true
}

// Set writes items in one round trip and reports whether all were written.
func (c *Redis) Set(ctx context.Context, items ...Item) bool {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, it := range items {
				p.Set(ctx, c.cfg.Prefix+it.Key, it.Value, it.TTL)
			}
			return nil
		})
		return err
	})
}

// GetOrSet writes each item whose key is absent and returns the value each
// key holds afterwards (the item's, or the one already there), in one
// round trip. The value returned was the key's value at some moment during
// the call. ok is false when the cache was bypassed.
func (c *Redis) GetOrSet(ctx context.Context, items ...Item) (vals [][]byte, ok bool) {
	ok = c.call(ctx, func(ctx context.Context) error {
		gets := make([]*redis.StringCmd, len(items))
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, it := range items {
				p.SetNX(ctx, c.cfg.Prefix+it.Key, it.Value, it.TTL)
				gets[i] = p.Get(ctx, c.cfg.Prefix+it.Key)
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		vals = make([][]byte, len(items))
		for i, g := range gets {
			b, err := g.Bytes()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			vals[i] = b
		}
		return nil
	})
	if !ok {
		return nil, false
	}
	return vals, true
}

// Delete removes keys and reports whether it could.
func (c *Redis) Delete(ctx context.Context, keys ...string) bool {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.cfg.Prefix + k
	}
	return c.call(ctx, func(ctx context.Context) error { return c.rdb.Del(ctx, full...).Err() })
}

// Record counts one lookup of the caller as a hit or a miss. The cache
// cannot count them itself: whether a value present in Redis is still
// good is the caller's decision.
func (c *Redis) Record(hit bool) { c.metrics.record(c.name, hit) }

// follow reads KEYS[1], the other KEYS, and, when KEYS[1] holds a value
// v, the keys ARGV[i]..v: one round trip for a lookup through an index.
// (The keys made from v are not declared, so this needs one Redis, not a
// cluster — as does the rest of Agora's use of Redis.)
var follow = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
local out = {v}
for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) end
for i = 1, #ARGV do
  if v then out[#KEYS + i] = redis.call('GET', ARGV[i] .. v) else out[#KEYS + i] = false end
end
return out
`)

// Follow reads index and keys, and, when index holds a value v, the keys
// made of each of linked followed by v, in one round trip. It returns v
// (nil when index is absent) and the values of keys then of the linked
// keys (nil where absent). ok is false when the cache was bypassed.
func (c *Redis) Follow(ctx context.Context, index string, keys []string, linked ...string) (v []byte, vals [][]byte, ok bool) {
	full := make([]string, 0, 1+len(keys))
	full = append(full, c.cfg.Prefix+index)
	for _, k := range keys {
		full = append(full, c.cfg.Prefix+k)
	}
	args := make([]any, len(linked))
	for i, l := range linked {
		args[i] = c.cfg.Prefix + l
	}
	ok = c.call(ctx, func(ctx context.Context) error {
		res, err := follow.Run(ctx, c.rdb, full, args...).Slice()
		if err != nil {
			return err
		}
		out := make([][]byte, len(res))
		for i, r := range res {
			if s, isStr := r.(string); isStr {
				out[i] = []byte(s)
			}
		}
		if len(out) != len(full)+len(linked) {
			return errors.New("cache: follow: unexpected reply")
		}
		v, vals = out[0], out[1:]
		return nil
	})
	if !ok {
		return nil, nil, false
	}
	return v, vals, true
}
