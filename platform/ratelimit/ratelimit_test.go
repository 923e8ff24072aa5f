package ratelimit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/cache/cachetest"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ratelimit.Limit
		err  bool
	}{
		{"100/s", ratelimit.Limit{Events: 100, Period: time.Second, Burst: 100}, false},
		{"600/m:50", ratelimit.Limit{Events: 600, Period: time.Minute, Burst: 50}, false},
		{" 5/H ", ratelimit.Limit{Events: 5, Period: time.Hour, Burst: 5}, false},
		{"off", ratelimit.Limit{}, false},
		{"0", ratelimit.Limit{}, false},
		{"", ratelimit.Limit{}, false},
		{"0/s", ratelimit.Limit{}, false},
		{"100", ratelimit.Limit{}, true},
		{"x/s", ratelimit.Limit{}, true},
		{"10/d", ratelimit.Limit{}, true},
		{"10/s:0", ratelimit.Limit{}, true},
		{"-1/s", ratelimit.Limit{}, true},
	} {
		got, err := ratelimit.ParseLimit(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if s := (ratelimit.Limit{Events: 600, Period: time.Minute, Burst: 50}).String(); s != "600/m:50" {
		t.Errorf("String = %q", s)
	}
	if !(ratelimit.Limit{}).Off() {
		t.Error("zero limit should be off")
	}
}

// contract runs the behaviour every Limiter shares; limit is 2 per second
// with a burst of 3.
func contract(t *testing.T, lim ratelimit.Limiter, wait func(time.Duration)) {
	ctx := context.Background()
	key := fmt.Sprintf("k%d", time.Now().UnixNano())
	for i := range 3 {
		d, err := lim.AllowN(ctx, key, 1)
		if err != nil || !d.Allowed {
			t.Fatalf("request %d: %+v, %v; want allowed", i, d, err)
		}
	}
	d, err := lim.AllowN(ctx, key, 1)
	if err != nil || d.Allowed {
		t.Fatalf("4th request: %+v, %v; want refused", d, err)
	}
	if d.RetryAfter <= 0 || d.RetryAfter > 600*time.Millisecond {
		t.Errorf("retry after %v; want about 500ms", d.RetryAfter)
	}
	if p, err := lim.AllowN(ctx, key, 0); err != nil || p.Allowed || p.RetryAfter <= 0 {
		t.Errorf("peek of an empty bucket: %+v, %v; want not allowed with a wait", p, err)
	}
	if other, err := lim.AllowN(ctx, key+"-other", 1); err != nil || !other.Allowed {
		t.Errorf("another key is limited too: %+v, %v", other, err)
	}
	wait(d.RetryAfter + 20*time.Millisecond)
	if p, err := lim.AllowN(ctx, key, 0); err != nil || !p.Allowed {
		t.Errorf("peek after the wait: %+v, %v; want allowed", p, err)
	}
	if d, err := lim.AllowN(ctx, key, 1); err != nil || !d.Allowed {
		t.Errorf("after the wait: %+v, %v; want allowed", d, err)
	}
	if d, err := lim.AllowN(ctx, key, 1); err != nil || d.Allowed {
		t.Errorf("right after: %+v, %v; want refused", d, err)
	}
}

var twoPerSecond = ratelimit.Limit{Events: 2, Period: time.Second, Burst: 3}

// drain empties key's bucket of a twoPerSecond limiter.
func drain(t *testing.T, lim ratelimit.Limiter, key string) {
	t.Helper()
	for range 3 {
		if _, err := lim.AllowN(context.Background(), key, 1); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := lim.AllowN(context.Background(), key, 1); err != nil || d.Allowed {
		t.Fatalf("bucket of %s not empty: %+v, %v", key, d, err)
	}
}

// resetContract: Reset gives a key a full bucket again, and only that key.
func resetContract(t *testing.T, lim ratelimit.Resetter) {
	ctx := context.Background()
	key := fmt.Sprintf("r%d", time.Now().UnixNano())
	drain(t, lim, key)
	drain(t, lim, key+"-other")
	if err := lim.Reset(ctx, key); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if d, err := lim.AllowN(ctx, key, 1); err != nil || !d.Allowed {
			t.Fatalf("request %d after the reset: %+v, %v; want a full bucket", i, d, err)
		}
	}
	if d, err := lim.AllowN(ctx, key+"-other", 0); err != nil || d.Allowed {
		t.Errorf("another key was reset too: %+v, %v", d, err)
	}
	if err := lim.Reset(ctx, "never-seen"); err != nil {
		t.Errorf("reset of an unknown key: %v", err)
	}
}

func TestReset(t *testing.T) {
	c := newClock()
	t.Run("memory", func(t *testing.T) {
		resetContract(t, ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{}, c.now))
	})
	t.Run("redis", func(t *testing.T) {
		rdb, err := ratelimit.NewRedisClient(cachetest.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		resetContract(t, ratelimit.NewRedis(rdb, "reset", twoPerSecond))
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		resetContract(t, ratelimit.NewFallback("reset", ratelimit.NewRedis(rdb, "reset-fb", twoPerSecond),
			ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{}, c.now), log, nil, c.now))
	})
	t.Run("fallback with redis down", func(t *testing.T) {
		// The in-process bucket is forgotten, but the reset reports the
		// failure: the bucket kept in Redis would be back with Redis.
		rdb, _ := ratelimit.NewRedisClient(cachetest.DownURL(t))
		defer rdb.Close()
		f := ratelimit.NewFallback("reset-down", ratelimit.NewRedis(rdb, "t", twoPerSecond),
			ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{}, c.now), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, c.now)
		drain(t, f, "k")
		if err := f.Reset(context.Background(), "k"); err == nil {
			t.Fatal("a reset that could not reach Redis reported success")
		}
		if d, err := f.AllowN(context.Background(), "k", 1); err != nil || !d.Allowed {
			t.Errorf("in-process bucket after the reset: %+v, %v", d, err)
		}
	})
}

func TestMemory(t *testing.T) {
	c := newClock()
	contract(t, ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{}, c.now), c.add)
}

func TestMemoryOff(t *testing.T) {
	m := ratelimit.NewMemory(ratelimit.Limit{}, ratelimit.MemoryConfig{}, nil)
	for range 1000 {
		if d, _ := m.AllowN(context.Background(), "k", 1); !d.Allowed {
			t.Fatal("an off limit refused")
		}
	}
	if m.Len() != 0 {
		t.Errorf("an off limit keeps %d buckets", m.Len())
	}
}

func TestMemoryDropsFullBuckets(t *testing.T) {
	c := newClock()
	m := ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{SweepEvery: time.Second}, c.now)
	ctx := context.Background()
	for i := range 1000 {
		_, _ = m.AllowN(ctx, fmt.Sprint("addr", i), 1)
	}
	if m.Len() != 1000 {
		t.Fatalf("%d buckets, want 1000", m.Len())
	}
	// Peeking at an unknown key keeps nothing.
	_, _ = m.AllowN(ctx, "never-seen", 0)
	c.add(2 * time.Second) // every bucket is full again
	for i := range memoryShardsTouch {
		_, _ = m.AllowN(ctx, fmt.Sprint("fresh", i), 1)
	}
	if n := m.Len(); n > memoryShardsTouch {
		t.Errorf("%d buckets after the sweep, want at most %d (only the fresh keys)", n, memoryShardsTouch)
	}
}

// memoryShardsTouch fresh keys reach every shard (keys land on shards by a
// hash with a random seed: with 32 shards, 4,000 keys miss one with a
// probability below 1e-50), so that each shard runs its sweep.
const memoryShardsTouch = 4000

func TestMemoryBounded(t *testing.T) {
	c := newClock()
	m := ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{MaxKeys: 320}, c.now)
	ctx := context.Background()
	for i := range 50_000 {
		_, _ = m.AllowN(ctx, fmt.Sprint("flood", i), 1)
	}
	if n := m.Len(); n > 320 {
		t.Errorf("%d buckets, want at most 320", n)
	}
}

func TestMemoryConcurrent(t *testing.T) {
	m := ratelimit.NewMemory(ratelimit.Limit{Events: 1, Period: time.Hour, Burst: 100}, ratelimit.MemoryConfig{}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if d, _ := m.AllowN(context.Background(), "same", 1); d.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("%d of 800 allowed, want exactly the burst of 100", allowed)
	}
}

func TestRedis(t *testing.T) {
	rdb, err := ratelimit.NewRedisClient(cachetest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	contract(t, ratelimit.NewRedis(rdb, "test", twoPerSecond), time.Sleep)
}

func TestRedisSharedAcrossInstances(t *testing.T) {
	url := cachetest.RedisURL(t)
	a, _ := ratelimit.NewRedisClient(url)
	b, _ := ratelimit.NewRedisClient(url)
	defer a.Close()
	defer b.Close()
	limit := ratelimit.Limit{Events: 1, Period: time.Hour, Burst: 4}
	la, lb := ratelimit.NewRedis(a, "shared", limit), ratelimit.NewRedis(b, "shared", limit)
	allowed := 0
	for i := range 8 {
		l := la
		if i%2 == 1 {
			l = lb
		}
		if d, err := l.AllowN(context.Background(), "client", 1); err != nil {
			t.Fatal(err)
		} else if d.Allowed {
			allowed++
		}
	}
	if allowed != 4 {
		t.Errorf("two instances allowed %d, want the shared burst of 4", allowed)
	}
}

func TestFallbackWhenRedisIsDown(t *testing.T) {
	// A port nobody listens on: Redis is down.
	rdb, _ := ratelimit.NewRedisClient(cachetest.DownURL(t))
	defer rdb.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	metrics := ratelimit.NewMetrics(reg)
	c := newClock()
	f := ratelimit.NewFallback("address", ratelimit.NewRedis(rdb, "t", twoPerSecond),
		ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{}, c.now), log, metrics, c.now)
	contract(t, f, c.add)
	if !f.Down() {
		t.Error("fallback does not report the store down")
	}
	if n := strings.Count(logs.String(), "rate limiter store unreachable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logs.String())
	}
	if got := metricValue(t, reg, "agora_ratelimit_fallback_total"); got < 5 {
		t.Errorf("agora_ratelimit_fallback_total = %v, want every decision counted", got)
	}
	if got := metricValue(t, reg, "agora_ratelimit_store_up"); got != 0 {
		t.Errorf("agora_ratelimit_store_up = %v, want 0", got)
	}
}

func TestFallbackRecovers(t *testing.T) {
	var logs bytes.Buffer
	c := newClock()
	p := &flaky{fail: true}
	f := ratelimit.NewFallback("address", p, ratelimit.NewMemory(twoPerSecond, ratelimit.MemoryConfig{}, c.now),
		slog.New(slog.NewTextHandler(&logs, nil)), nil, c.now)
	ctx := context.Background()
	for range 10 {
		if _, err := f.AllowN(ctx, "k", 0); err != nil {
			t.Fatal(err)
		}
	}
	if p.calls != 1 {
		t.Errorf("the failing store was asked %d times within the cool-down, want 1", p.calls)
	}
	p.fail = false
	c.add(6 * time.Second)
	if _, err := f.AllowN(ctx, "k", 0); err != nil || f.Down() {
		t.Fatalf("after recovery: down=%v, %v", f.Down(), err)
	}
	if !strings.Contains(logs.String(), "reachable again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

type flaky struct {
	fail  bool
	calls int
}

func (f *flaky) AllowN(context.Context, string, int) (ratelimit.Decision, error) {
	f.calls++
	if f.fail {
		return ratelimit.Decision{}, fmt.Errorf("connection refused")
	}
	return ratelimit.Decision{Allowed: true}, nil
}

// metricValue is the value of the first series of a metric.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

func TestHTTPMiddleware(t *testing.T) {
	c := newClock()
	reg := prometheus.NewRegistry()
	metrics := ratelimit.NewMetrics(reg)
	byAddr := ratelimit.NewMemory(ratelimit.Limit{Events: 1, Period: time.Minute, Burst: 3}, ratelimit.MemoryConfig{}, c.now)
	byCred := ratelimit.NewMemory(ratelimit.Limit{Events: 1, Period: time.Minute, Burst: 2}, ratelimit.MemoryConfig{}, c.now)
	cfg := ratelimit.DefaultHTTPConfig()
	cfg.Exempt = append(cfg.Exempt, netip.MustParsePrefix("192.0.2.0/24"))
	h := httpx.Base(slog.New(slog.NewTextHandler(io.Discard, nil)),
		clientip.Resolver{}.Middleware(ratelimit.NewHTTP(cfg, byAddr, byCred, metrics).Middleware(
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))))
	do := func(remote, path, authz string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = remote
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		if w := do("198.51.100.7:4000", "/store/products", ""); w.Code != 204 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	w := do("198.51.100.7:4001", "/store/products", "")
	if w.Code != 429 || w.Header().Get("Retry-After") != "60" || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("over the limit: %d %v %s", w.Code, w.Header(), w.Body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != "rate_limited" || p.Status != 429 {
		t.Errorf("problem %+v, %v", p, err)
	}
	// Probes, loopback and exempt networks pass; another address has its own bucket.
	for _, tc := range []struct{ remote, path string }{
		{"198.51.100.7:1", "/healthz"}, {"127.0.0.1:1", "/store/products"}, {"[::1]:1", "/x"},
		{"192.0.2.9:1", "/x"}, {"198.51.100.8:1", "/x"},
	} {
		if w := do(tc.remote, tc.path, ""); w.Code != 204 {
			t.Errorf("%s %s: %d", tc.remote, tc.path, w.Code)
		}
	}
	// A credential has its own bucket, on top of the address's.
	for i, want := range []int{204, 204, 429} {
		if w := do(fmt.Sprintf("203.0.113.%d:1", i+1), "/admin/products", "Bearer sk_secret"); w.Code != want {
			t.Errorf("credential request %d from a new address: %d, want %d", i, w.Code, want)
		}
	}
	if w := do("203.0.113.50:1", "/admin/products", "Bearer sk_other"); w.Code != 204 {
		t.Errorf("another credential: %d", w.Code)
	}
	if got := metricValue(t, reg, "agora_rate_limited_total"); got != 1 {
		// the vector's first series (address) counted one refusal
		t.Errorf("agora_rate_limited_total{limiter=address} = %v, want 1", got)
	}
	// IPv6 clients share a bucket per /64.
	for i := range 3 {
		do(fmt.Sprintf("[2001:db8:1:2::%x]:1", i+1), "/x", "")
	}
	if w := do("[2001:db8:1:2:ffff::1]:1", "/x", ""); w.Code != 429 {
		t.Errorf("a fourth address of the same /64: %d, want 429", w.Code)
	}
}

func TestCredentialKeyIsAHash(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if ratelimit.CredentialKey(r) != "" {
		t.Error("no credential should have no key")
	}
	r.Header.Set("Authorization", "Bearer sk_very_secret_value")
	k := ratelimit.CredentialKey(r)
	if len(k) != 32 || strings.Contains(k, "secret") {
		t.Errorf("key %q", k)
	}
}
