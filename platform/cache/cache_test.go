package cache_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/cache/cachetest"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

func newCache(t *testing.T, url string, metrics *cache.Metrics, log *slog.Logger) *cache.Redis {
	t.Helper()
	rdb, err := ratelimit.NewRedisClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := cache.DefaultConfig()
	cfg.Prefix = "test:" + id.New("t") + ":" // a Redis shared with other tests
	cachetest.DeleteAfter(t, rdb, cfg.Prefix)
	return cache.New(rdb, "test", cfg, log, metrics, nil)
}

func TestGetSetDelete(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, cachetest.RedisURL(t), nil, nil)
	vals, ok := c.Get(ctx, "a", "b")
	if !ok || len(vals) != 2 || vals[0] != nil || vals[1] != nil {
		t.Fatalf("empty cache: %q, %v", vals, ok)
	}
	if !c.Set(ctx, cache.Item{Key: "a", Value: []byte("1"), TTL: time.Minute}, cache.Item{Key: "b", Value: []byte{}, TTL: time.Minute}) {
		t.Fatal("set failed")
	}
	vals, ok = c.Get(ctx, "a", "b", "c")
	if !ok || string(vals[0]) != "1" || vals[1] == nil || len(vals[1]) != 0 || vals[2] != nil {
		t.Fatalf("after set: %q, %v", vals, ok)
	}
	got, ok := c.GetOrSet(ctx, cache.Item{Key: "a", Value: []byte("2"), TTL: time.Minute}, cache.Item{Key: "c", Value: []byte("3"), TTL: time.Minute})
	if !ok || string(got[0]) != "1" || string(got[1]) != "3" {
		t.Fatalf("GetOrSet keeps what is there and adds what is not: %q, %v", got, ok)
	}
	if !c.Delete(ctx, "a", "c") {
		t.Fatal("delete failed")
	}
	if vals, _ = c.Get(ctx, "a", "c"); vals[0] != nil || vals[1] != nil {
		t.Fatalf("after delete: %q", vals)
	}
	if !c.Set(ctx, cache.Item{Key: "short", Value: []byte("x"), TTL: 50 * time.Millisecond}) {
		t.Fatal("set failed")
	}
	time.Sleep(120 * time.Millisecond)
	if vals, _ = c.Get(ctx, "short"); vals[0] != nil {
		t.Fatal("the TTL was not applied")
	}
	if c.Down() {
		t.Error("a working Redis is reported down")
	}
}

// TestRedisDown: with nothing listening, every call reports a bypass at
// once (nothing fails, nothing waits), the breaker keeps later calls off
// the network, the outage is logged once and every bypass is counted.
func TestRedisDown(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	m := cache.NewMetrics(reg)
	c := newCache(t, cachetest.DownURL(t), m, slog.New(slog.NewTextHandler(&logs, nil)))
	start := time.Now()
	for range 100 {
		if _, ok := c.Get(ctx, "a"); ok {
			t.Fatal("a down Redis answered")
		}
		if c.Set(ctx, cache.Item{Key: "a", Value: []byte("1")}) {
			t.Fatal("a down Redis took a write")
		}
		if _, ok := c.GetOrSet(ctx, cache.Item{Key: "a", Value: []byte("1")}); ok {
			t.Fatal("a down Redis answered GetOrSet")
		}
		if c.Delete(ctx, "a") {
			t.Fatal("a down Redis took a delete")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("400 bypassed calls took %v", d)
	}
	if !c.Down() {
		t.Error("the breaker is not open")
	}
	if n := strings.Count(logs.String(), "shared cache unreachable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logs.String())
	}
	if got := metric(t, reg, "agora_cache_bypasses_total"); got != 400 {
		t.Errorf("bypasses = %v, want 400", got)
	}
	if got := metric(t, reg, "agora_cache_errors_total"); got != 1 {
		t.Errorf("errors = %v, want 1 (the breaker stops the others)", got)
	}
}

// TestBreakerRetries: the breaker leaves Redis alone for the cool-down
// only; a cancellation by the caller does not open it.
func TestBreakerRetries(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	m := cache.NewMetrics(reg)
	rdb, _ := ratelimit.NewRedisClient(cachetest.DownURL(t))
	defer rdb.Close()
	now := time.Unix(1_700_000_000, 0)
	c := cache.New(rdb, "test", cache.DefaultConfig(), nil, m, func() time.Time { return now })
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	c.Get(cancelled, "a")
	if c.Down() {
		t.Fatal("the caller's cancellation opened the breaker")
	}
	c.Get(ctx, "a")
	c.Get(ctx, "a")
	if !c.Down() || metric(t, reg, "agora_cache_errors_total") != 2 {
		t.Fatalf("down %v, errors %v; want the breaker open after one failure", c.Down(), metric(t, reg, "agora_cache_errors_total"))
	}
	now = now.Add(cache.DefaultConfig().Cooldown)
	if c.Down() {
		t.Fatal("still down after the cool-down")
	}
	c.Get(ctx, "a")
	if got := metric(t, reg, "agora_cache_errors_total"); got != 3 {
		t.Fatalf("errors %v: Redis was not tried again after the cool-down", got)
	}
	if got := metric(t, reg, "agora_cache_up"); got != 0 {
		t.Fatalf("agora_cache_up = %v", got)
	}
}

func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			sum := 0.0
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
			return sum
		}
	}
	return 0
}

// TestFollow: a lookup through an index in one call.
func TestFollow(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, cachetest.RedisURL(t), nil, nil)
	v, vals, ok := c.Follow(ctx, "h:chair", []string{"all"}, "g:", "p:")
	if !ok || v != nil || len(vals) != 3 || vals[0] != nil || vals[1] != nil || vals[2] != nil {
		t.Fatalf("empty: %q %q %v", v, vals, ok)
	}
	c.Set(ctx, cache.Item{Key: "h:chair", Value: []byte("prod_1")}, cache.Item{Key: "all", Value: []byte("A")},
		cache.Item{Key: "p:prod_1", Value: []byte("doc")})
	v, vals, ok = c.Follow(ctx, "h:chair", []string{"all"}, "g:", "p:")
	if !ok || string(v) != "prod_1" || string(vals[0]) != "A" || vals[1] != nil || string(vals[2]) != "doc" {
		t.Fatalf("through the index: %q %q %v", v, vals, ok)
	}
	// Twice: the second call runs the script by its hash.
	if _, vals, _ = c.Follow(ctx, "h:chair", nil, "p:"); len(vals) != 1 || string(vals[0]) != "doc" {
		t.Fatalf("again: %q", vals)
	}
}
