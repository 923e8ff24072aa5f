package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// upstream is a fake module process: it serves /readyz, an OpenAPI
// document naming its operations, and those operations, counting them.
type upstream struct {
	name  string
	srv   *httptest.Server
	hits  atomic.Int64
	ready atomic.Bool
	mu    sync.Mutex
	keys  map[string]int // idempotency key → times seen
}

func newUpstream(t *testing.T, name string, paths map[string][]string) *upstream {
	t.Helper()
	u := &upstream{name: name, keys: map[string]int{}}
	u.ready.Store(true)
	doc := map[string]any{"openapi": "3.1.0", "info": map[string]any{"title": "Agora"}, "paths": map[string]any{},
		"components": map[string]any{"schemas": map[string]any{name + "Thing": map[string]any{"type": "object"}}}}
	mux := http.NewServeMux()
	for path, methods := range paths {
		ops := map[string]any{}
		for _, m := range methods {
			ops[strings.ToLower(m)] = map[string]any{"operationId": strings.ToLower(m) + "-" + path}
			mux.HandleFunc(m+" "+path, func(w http.ResponseWriter, r *http.Request) {
				u.hits.Add(1)
				body, _ := io.ReadAll(r.Body)
				if k := r.Header.Get("Idempotency-Key"); k != "" {
					u.mu.Lock()
					u.keys[k]++
					u.mu.Unlock()
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]string{"served_by": name, "path": r.URL.Path, "body": string(body),
					"forwarded_for": r.Header.Get("X-Forwarded-For")})
			})
		}
		doc["paths"].(map[string]any)[path] = ops
	}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !u.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) { _ = json.NewEncoder(w).Encode(doc) })
	u.srv = httptest.NewServer(mux)
	t.Cleanup(u.srv.Close)
	return u
}

func pool(t *testing.T, name string, ups ...*upstream) *Pool {
	t.Helper()
	var targets []string
	for _, u := range ups {
		targets = append(targets, u.srv.URL)
	}
	p, err := NewPool(name, targets, PoolConfig{BreakerFailures: 3, BreakerOpen: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p.Refresh(context.Background())
	return p
}

func proxy(t *testing.T, pools ...*Pool) (*Proxy, *httptest.Server) {
	t.Helper()
	p := NewProxy(pools, 1<<20, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err := p.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return p, srv
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func send(t *testing.T, srv *httptest.Server, method, path, body string, header ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, header: res.Header}
	_ = json.NewDecoder(res.Body).Decode(&a.body)
	return a
}

var (
	inventoryPaths = map[string][]string{"/admin/inventory/{sku}": {"GET", "PATCH"}, "/admin/inventory/reservations": {"POST"}}
	catalogPaths   = map[string][]string{"/store/products/{handle}": {"GET"}, "/store/products": {"GET"}}
)

// TestRoutesByOperation: each operation goes to the pool whose document
// declares it; the proxy serves the union of the documents; an operation
// no pool serves is 404 (405 for a known path).
func TestRoutesByOperation(t *testing.T) {
	inv := newUpstream(t, "inventory", inventoryPaths)
	cat := newUpstream(t, "catalog", catalogPaths)
	p, srv := proxy(t, pool(t, "inventory", inv), pool(t, "catalog", cat))

	if a := send(t, srv, "GET", "/store/products/oak-table", ""); a.status != 200 || a.body["served_by"] != "catalog" || a.body["path"] != "/store/products/oak-table" {
		t.Errorf("product page: %d %v", a.status, a.body)
	}
	if a := send(t, srv, "PATCH", "/admin/inventory/SKU-1", `{"track_inventory":true}`); a.status != 200 || a.body["served_by"] != "inventory" || a.body["body"] != `{"track_inventory":true}` {
		t.Errorf("inventory patch: %d %v", a.status, a.body)
	}
	if a := send(t, srv, "GET", "/admin/nothing", ""); a.status != 404 {
		t.Errorf("unknown path: %d", a.status)
	}
	if a := send(t, srv, "DELETE", "/store/products", ""); a.status != 405 || a.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("wrong method: %d Allow %q", a.status, a.header.Get("Allow"))
	}
	var doc struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(p.Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/inventory/{sku}", "/admin/inventory/reservations", "/store/products/{handle}", "/store/products"} {
		if doc.Paths[path] == nil {
			t.Errorf("merged document lacks %s", path)
		}
	}
	if doc.Components.Schemas["inventoryThing"] == nil || doc.Components.Schemas["catalogThing"] == nil {
		t.Errorf("merged document lacks a pool's schemas: %v", doc.Components.Schemas)
	}
}

// TestBalancesAndRetries: requests spread over a pool's instances; when
// one dies, reads and writes with an idempotency key go to the other with
// no failure, and a write without a key that reached the dead one fails
// with 503, never a hang.
func TestBalancesAndRetries(t *testing.T) {
	a, b := newUpstream(t, "inventory-a", inventoryPaths), newUpstream(t, "inventory-b", inventoryPaths)
	pl := pool(t, "inventory", a, b)
	_, srv := proxy(t, pl)
	for i := range 20 {
		if r := send(t, srv, "GET", fmt.Sprintf("/admin/inventory/SKU-%d", i), ""); r.status != 200 {
			t.Fatalf("read %d: %d", i, r.status)
		}
	}
	if a.hits.Load() < 5 || b.hits.Load() < 5 {
		t.Errorf("20 reads split %d / %d: want both instances used", a.hits.Load(), b.hits.Load())
	}

	a.srv.Close() // killed: the pool has not noticed yet
	for i := range 20 {
		if r := send(t, srv, "GET", fmt.Sprintf("/admin/inventory/SKU-%d", i), ""); r.status != 200 || r.body["served_by"] != "inventory-b" {
			t.Fatalf("read %d after a kill: %d %v", i, r.status, r.body)
		}
	}
	for i := range 10 {
		key := fmt.Sprintf("key-%d", i)
		r := send(t, srv, "POST", "/admin/inventory/reservations", `{"sku":"SKU-1","quantity":1}`, "Idempotency-Key", key)
		if r.status != 200 || r.body["body"] != `{"sku":"SKU-1","quantity":1}` {
			t.Fatalf("keyed write %d after a kill: %d %v", i, r.status, r.body)
		}
		b.mu.Lock()
		seen := b.keys[key]
		b.mu.Unlock()
		if seen != 1 {
			t.Errorf("key %s reached the live instance %d times", key, seen)
		}
	}
	failed := 0
	for range 10 {
		switch r := send(t, srv, "POST", "/admin/inventory/reservations", `{}`); r.status {
		case 200:
		case 503:
			failed++
			if r.header.Get("Retry-After") == "" || r.body["code"] != "upstream_failed" {
				t.Errorf("a failed write: %v, Retry-After %q", r.body, r.header.Get("Retry-After"))
			}
		default:
			t.Fatalf("a write without a key: %d %v", r.status, r.body)
		}
	}
	// The dead instance's breaker opened after 3 failures: later writes
	// without a key all go to the live one.
	if failed > 3 {
		t.Errorf("%d writes failed; the breaker should stop sending to the dead instance after 3 failures", failed)
	}
}

// TestNoReadyInstance: a pool whose instances all fail their readiness
// check answers 503 upstream_unavailable with Retry-After at once.
func TestNoReadyInstance(t *testing.T) {
	a := newUpstream(t, "inventory", inventoryPaths)
	pl := pool(t, "inventory", a)
	p, srv := proxy(t, pl)
	a.ready.Store(false)
	pl.Refresh(context.Background())
	if down := p.Ready(); len(down) != 1 || down[0] != "inventory" {
		t.Errorf("Ready() = %v, want [inventory]", down)
	}
	r := send(t, srv, "GET", "/admin/inventory/SKU-1", "")
	if r.status != 503 || r.body["code"] != "upstream_unavailable" || r.header.Get("Retry-After") == "" {
		t.Fatalf("no ready instance: %d %v Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	if a.hits.Load() != 0 {
		t.Errorf("a request reached an instance that is not ready")
	}
	a.ready.Store(true)
	pl.Refresh(context.Background())
	if r := send(t, srv, "GET", "/admin/inventory/SKU-1", ""); r.status != 200 {
		t.Errorf("after recovery: %d", r.status)
	}
}

// TestDNSNames: a target named by DNS becomes one instance per address it
// resolves to, and keeps its last addresses when a lookup fails.
func TestDNSNames(t *testing.T) {
	a := newUpstream(t, "inventory", inventoryPaths)
	_, port, _ := net.SplitHostPort(a.srv.Listener.Addr().String())
	pl, err := NewPool("inventory", []string{"http://inventory.internal:" + port}, PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	fail := false
	pl.resolve = func(ctx context.Context, host string) ([]string, error) {
		if host != "inventory.internal" || fail {
			return nil, fmt.Errorf("no such host %s", host)
		}
		return []string{"127.0.0.1", "127.0.0.2"}, nil
	}
	pl.Refresh(context.Background())
	ins := pl.Instances()
	if len(ins) != 2 || ins[0].URL.Host != "127.0.0.1:"+port || ins[1].URL.Host != "127.0.0.2:"+port {
		t.Fatalf("instances %v", ins)
	}
	if !ins[0].Healthy() {
		t.Error("the instance at 127.0.0.1 is not healthy")
	}
	fail = true
	pl.Refresh(context.Background())
	if got := pl.Instances(); len(got) != 2 || got[0] != ins[0] {
		t.Errorf("a failed lookup dropped the instances: %v", got)
	}
}

func TestBadTargets(t *testing.T) {
	for _, targets := range [][]string{nil, {"inventory:8080"}, {"ftp://x"}, {"http://"}} {
		if _, err := NewPool("inventory", targets, PoolConfig{}); err == nil {
			t.Errorf("NewPool(%q) accepted", targets)
		}
	}
}
