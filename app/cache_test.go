package app

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/cache/cachetest"
)

// sharedCacheScenario creates a product, reads its page, renames it and
// reads it again: every answer is right, whatever Redis does. It returns
// the samples of the shared cache's metrics and the server.
func sharedCacheScenario(t *testing.T, cfg Config) (string, *httptest.Server) {
	t.Helper()
	_, srv := startApp(t, cfg)
	auth := []string{"Authorization", "Bearer " + testKey}
	a := call(t, srv, "POST", "/admin/products", `{"title":"Cache chair","status":"published"}`, auth...)
	if a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	p := a.json(t)
	pid, handle := p["id"].(string), p["handle"].(string)
	for range 3 {
		if a := call(t, srv, "GET", "/store/products/"+handle, ""); a.status != 200 || !strings.Contains(string(a.body), "Cache chair") {
			t.Fatalf("product page: %d %s", a.status, a.body)
		}
		if a := call(t, srv, "GET", "/store/products", ""); a.status != 200 {
			t.Fatalf("listing: %d %s", a.status, a.body)
		}
	}
	if a := call(t, srv, "PATCH", "/admin/products/"+pid, `{"title":"Cache armchair"}`, auth...); a.status != 200 {
		t.Fatalf("update: %d %s", a.status, a.body)
	}
	for _, key := range []string{handle, pid} {
		if a := call(t, srv, "GET", "/store/products/"+key, ""); a.status != 200 || !strings.Contains(string(a.body), "Cache armchair") {
			t.Fatalf("product page after the update: %d %s", a.status, a.body)
		}
	}
	return cacheMetrics(t, srv), srv
}

// cacheMetrics returns the samples of the shared cache's metrics.
func cacheMetrics(t *testing.T, srv *httptest.Server) string {
	var samples []string
	for _, l := range strings.Split(string(call(t, srv, "GET", "/metrics", "").body), "\n") {
		if strings.HasPrefix(l, "agora_cache_") {
			samples = append(samples, l)
		}
	}
	return strings.Join(samples, "\n")
}

// TestCatalogSharedCache: with AGORA_REDIS_URL the catalog's store reads
// go through the shared cache, which reports itself up.
func TestCatalogSharedCache(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	cfg.RedisURL = cachetest.RedisURL(t)
	m, srv := sharedCacheScenario(t, cfg)
	// A first call slower than the cache's timeout (a loaded machine, the
	// race detector) opens the breaker for its cool-down; reads after it
	// go through Redis again.
	want := []string{`agora_cache_up{cache="catalog"} 1`, `agora_cache_misses_total{cache="catalog"}`}
	for deadline := time.Now().Add(15 * time.Second); !containsAll(m, want) && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		call(t, srv, "GET", "/store/products", "")
		m = cacheMetrics(t, srv)
	}
	for _, w := range want {
		if !strings.Contains(m, w) {
			t.Errorf("metrics lack %s:\n%s", w, m)
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestCatalogSharedCacheRedisDown: with AGORA_REDIS_URL pointing at
// nothing, every store read still answers, and the bypass is counted.
func TestCatalogSharedCacheRedisDown(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	cfg.RedisURL = cachetest.DownURL(t)
	m, _ := sharedCacheScenario(t, cfg)
	for _, want := range []string{`agora_cache_up{cache="catalog"} 0`, `agora_cache_bypasses_total{cache="catalog"}`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, m)
		}
	}
}

// TestCatalogSharedCacheOff: NoRedisCache keeps the cache in process.
func TestCatalogSharedCacheOff(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	cfg.RedisURL = cachetest.DownURL(t)
	cfg.NoRedisCache = true
	if m, _ := sharedCacheScenario(t, cfg); m != "" {
		t.Errorf("the shared cache is used although turned off: %q", m)
	}
}
