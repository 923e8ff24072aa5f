package ratelimit

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// NewRedisClient returns a client for url (redis:// or rediss://) with
// short timeouts: a limiter that waits on a slow Redis slows every request,
// so it had better fail fast and let Fallback answer.
func NewRedisClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	opt.DialTimeout = 250 * time.Millisecond
	opt.ReadTimeout = 200 * time.Millisecond
	opt.WriteTimeout = 200 * time.Millisecond
	opt.PoolTimeout = 250 * time.Millisecond
	opt.MaxRetries = 0
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}

// Redis is a Limiter whose buckets live in Redis (GCRA through
// github.com/go-redis/redis_rate), so every instance of Agora sees the same
// buckets. Keys expire once their bucket is full again.
type Redis struct {
	lim     *redis_rate.Limiter
	name    string
	limit   redis_rate.Limit
	timeout time.Duration
	off     bool
}

// NewRedis returns a limiter of limit whose keys are named
// "agora:<name>:<key>" in rdb.
func NewRedis(rdb *redis.Client, name string, limit Limit) *Redis {
	return &Redis{
		lim:     redis_rate.NewLimiter(rdb),
		name:    "agora:" + name + ":",
		limit:   redis_rate.Limit{Rate: limit.Events, Period: limit.Period, Burst: limit.burst()},
		timeout: 300 * time.Millisecond,
		off:     limit.Off(),
	}
}

// AllowN implements Limiter. It fails when Redis cannot be reached in time.
func (r *Redis) AllowN(ctx context.Context, key string, n int) (Decision, error) {
	if r.off {
		return Decision{Allowed: true, Remaining: math.MaxInt32}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := r.lim.AllowN(ctx, r.name+key, r.limit, n)
	if err != nil {
		return Decision{}, fmt.Errorf("rate limiter store: %w", err)
	}
	if n == 0 {
		// ResetAfter is how long until the bucket is full; one token is
		// there Burst-1 emission intervals before that.
		interval := r.limit.Period / time.Duration(r.limit.Rate)
		wait := max(res.ResetAfter-time.Duration(r.limit.Burst-1)*interval, 0)
		return Decision{Allowed: wait == 0, Remaining: res.Remaining, RetryAfter: wait}, nil
	}
	d := Decision{Allowed: res.Allowed >= n, Remaining: res.Remaining}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, time.Millisecond)
	}
	return d, nil
}

// Reset implements Resetter. It fails when Redis cannot be reached in time.
func (r *Redis) Reset(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.lim.Reset(ctx, r.name+key); err != nil {
		return fmt.Errorf("rate limiter store: %w", err)
	}
	return nil
}

var _ Resetter = (*Redis)(nil)
