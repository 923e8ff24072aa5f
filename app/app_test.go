package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

const testKey = "test-owner-key-0123456789abcdefghij"

// backends are the storage/event configurations every end-to-end test runs
// on: the embedded defaults always, PostgreSQL and an external NATS when
// AGORA_TEST_POSTGRES_URL and AGORA_TEST_NATS_URL are set.
func backends(t *testing.T) map[string]func(t *testing.T) Config {
	out := map[string]func(t *testing.T) Config{
		"embedded": func(t *testing.T) Config {
			c := DefaultConfig()
			c.DataDir = t.TempDir()
			c.AdminKey = testKey
			c.Addr = "127.0.0.1:0"
			c.SQLiteSync = "normal"
			return c
		},
	}
	pg, nats := os.Getenv("AGORA_TEST_POSTGRES_URL"), os.Getenv("AGORA_TEST_NATS_URL")
	if pg == "" || nats == "" {
		t.Log("AGORA_TEST_POSTGRES_URL or AGORA_TEST_NATS_URL not set: skipping the PostgreSQL + external NATS variant")
		return out
	}
	out["postgres+nats"] = func(t *testing.T) Config {
		c := out["embedded"](t)
		c.PostgresURL = sqldbtest.SchemaURL(t, pg)
		c.NATSURL = nats
		// A namespace of its own: the shared server keeps other runs' events.
		var b [6]byte
		_, _ = rand.Read(b[:])
		c.NATSNamespace = "t" + hex.EncodeToString(b[:])
		return c
	}
	return out
}

func startApp(t testing.TB, cfg Config) (*App, *httptest.Server) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := New(cfg, log, Modules())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Stop(context.Background())
	})
	return a, srv
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %s", a.status, err, a.body)
	}
	return m
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, header ...string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// addItem adds a line to a cart. The pricing read model follows the
// catalog through events, so a product created a moment ago may not be
// priced yet: a 404 unknown_variant is retried for up to ten seconds, any
// other answer is returned as it is.
// stockedWalnut creates the walnut table through srv and puts onHand units
// of its SKU (WDT-180) in stock; it returns the variant's id.
func stockedWalnut(t *testing.T, srv *httptest.Server, onHand int, auth ...string) string {
	t.Helper()
	a := call(t, srv, "POST", "/admin/products", walnut, auth...)
	if a.status != 201 {
		t.Fatalf("create product: %d %s", a.status, a.body)
	}
	vid := a.json(t)["variants"].([]any)[0].(map[string]any)["id"].(string)
	if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", fmt.Sprintf(`{"on_hand":%d}`, onHand), auth...); a.status != 200 {
		t.Fatalf("stock: %d %s", a.status, a.body)
	}
	return vid
}

func addItem(t *testing.T, srv *httptest.Server, cartID, body string, header ...string) answer {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := call(t, srv, "POST", "/store/carts/"+cartID+"/items", body, header...)
		if a.status != http.StatusNotFound || time.Now().After(deadline) {
			return a
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const walnut = `{"title":"Walnut dining table","handle":"walnut-dining-table","description":"Solid walnut, seats six.",
 "status":"published","category_ids":[],"attributes":{"material":"walnut","seats":"6"},
 "options":[{"name":"Size","values":["180 cm","220 cm"]}],
 "variants":[{"sku":"WDT-180","title":"180 cm","options":{"Size":"180 cm"},
   "prices":[{"amount":129900,"currency":"USD"},{"amount":119900,"currency":"EUR"}],"manage_inventory":true}]}`

func TestServeEndToEnd(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}

			if a := call(t, srv, "GET", "/healthz", ""); a.status != 200 {
				t.Fatalf("healthz: %d", a.status)
			}
			if a := call(t, srv, "GET", "/readyz", ""); a.status != 200 {
				t.Fatalf("readyz: %d %s", a.status, a.body)
			}
			spec := call(t, srv, "GET", "/openapi.json", "").json(t)
			if spec["openapi"] != "3.1.0" {
				t.Fatalf("openapi version %v", spec["openapi"])
			}
			paths := spec["paths"].(map[string]any)
			for _, p := range []string{"/admin/products", "/admin/products/{id}", "/store/products", "/store/products/{id}", "/admin/categories"} {
				if paths[p] == nil {
					t.Errorf("openapi.json lacks %s", p)
				}
			}
			if a := call(t, srv, "GET", "/docs", ""); a.status != 200 || !bytes.Contains(a.body, []byte("/store/products")) {
				t.Fatalf("docs: %d", a.status)
			}
			if a := call(t, srv, "GET", "/metrics", ""); a.status != 200 || !bytes.Contains(a.body, []byte("agora_http_requests_total")) {
				t.Fatalf("metrics: %d", a.status)
			}

			// Admin needs a key.
			a := call(t, srv, "POST", "/admin/products", walnut)
			if a.status != 401 || a.json(t)["code"] != "unauthorized" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("no key: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "POST", "/admin/products", walnut, "Authorization", "Bearer wrong"); a.status != 401 {
				t.Fatalf("wrong key: %d", a.status)
			}
			a = call(t, srv, "POST", "/admin/products", walnut, auth...)
			if a.status != 201 {
				t.Fatalf("create: %d %s", a.status, a.body)
			}
			// That write went through a committed write transaction of the
			// catalog's database (or the shared one), counted in /metrics.
			wrote := false
			for _, l := range strings.Split(string(call(t, srv, "GET", "/metrics", "").body), "\n") {
				if (strings.HasPrefix(l, `agora_db_transactions_total{database="catalog"} `) || strings.HasPrefix(l, `agora_db_transactions_total{database="shared"} `)) && !strings.HasSuffix(l, " 0") {
					wrote = true
				}
			}
			if !wrote {
				t.Error("/metrics lacks the database write counters")
			}
			p := a.json(t)
			if !strings.HasPrefix(p["id"].(string), "prod_") || p["handle"] != "walnut-dining-table" {
				t.Fatalf("created %v", p)
			}
			v := p["variants"].([]any)[0].(map[string]any)
			if !strings.HasPrefix(v["id"].(string), "var_") {
				t.Fatalf("variant id %v", v["id"])
			}

			// The store sees it, priced in the asked currency, with an ETag.
			a = call(t, srv, "GET", "/store/products/walnut-dining-table?currency=EUR", "")
			if a.status != 200 {
				t.Fatalf("store get: %d %s", a.status, a.body)
			}
			sv := a.json(t)["variants"].([]any)[0].(map[string]any)
			if price := sv["price"].(map[string]any); price["amount"].(float64) != 119900 || price["currency"] != "EUR" || sv["available"] != true {
				t.Fatalf("store variant %v", sv)
			}
			tag := a.header.Get("ETag")
			if tag == "" || !strings.Contains(a.header.Get("Cache-Control"), "stale-while-revalidate") {
				t.Fatalf("cache headers: %v", a.header)
			}
			if a := call(t, srv, "GET", "/store/products/walnut-dining-table?currency=EUR", "", "If-None-Match", tag); a.status != 304 {
				t.Fatalf("If-None-Match: %d", a.status)
			}
			if a := call(t, srv, "GET", "/store/products?limit=24&currency=EUR", ""); a.status != 200 || len(a.json(t)["data"].([]any)) != 1 {
				t.Fatalf("store list: %d %s", a.status, a.body)
			}

			// Bad input: 4xx problems, nothing changes.
			for _, bad := range []struct {
				body, code string
				status     int
			}{
				{`{"title":"x","colour":"red"}`, "validation_failed", 400},
				{`{"title":`, "malformed_request", 400},
				{`{"title":5}`, "validation_failed", 400},
				{`{"title":"x","variants":[{"sku":"A","prices":[{"amount":-1,"currency":"USD"}]}]}`, "validation_failed", 400},
				{`{"title":"Other","handle":"walnut-dining-table"}`, "handle_taken", 409},
				{`{"title":"Other","variants":[{"sku":"WDT-180"}]}`, "sku_taken", 409},
				{`{"title":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`, "payload_too_large", 413},
			} {
				a := call(t, srv, "POST", "/admin/products", bad.body, auth...)
				if a.status != bad.status || a.json(t)["code"] != bad.code {
					t.Logf("%s", a.body)
					t.Errorf("%.60s: got %d %.200s, want %d %s", bad.body, a.status, a.body, bad.status, bad.code)
				}
			}
			if a := call(t, srv, "GET", "/admin/products?limit=100", "", auth...); len(a.json(t)["data"].([]any)) != 1 {
				t.Fatalf("bad input changed the catalog: %s", a.body)
			}
			if a := call(t, srv, "GET", "/nope", ""); a.status != 404 || a.json(t)["code"] != "not_found" {
				t.Fatalf("unknown route: %d %s", a.status, a.body)
			}

			// Idempotency: a repeat returns the first answer; another body is a conflict.
			body := `{"title":"Oak chair","status":"published","variants":[{"sku":"OAK-1","prices":[{"amount":4900,"currency":"USD"}]}]}`
			first := call(t, srv, "POST", "/admin/products", body, append(auth, "Idempotency-Key", "k-1")...)
			again := call(t, srv, "POST", "/admin/products", body, append(auth, "Idempotency-Key", "k-1")...)
			if first.status != 201 || again.status != 201 || !bytes.Equal(first.body, again.body) {
				t.Fatalf("idempotent repeat: %d %d\n%s\n%s", first.status, again.status, first.body, again.body)
			}
			if a := call(t, srv, "POST", "/admin/products", strings.Replace(body, "Oak", "Elm", 1), append(auth, "Idempotency-Key", "k-1")...); a.status != 409 || a.json(t)["code"] != "idempotency_conflict" {
				t.Fatalf("key reuse: %d %s", a.status, a.body)
			}
			// Concurrent duplicates produce one product.
			var wg sync.WaitGroup
			statuses := make([]int, 8)
			dup := `{"title":"Ash stool","variants":[{"sku":"ASH-1"}]}`
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = call(t, srv, "POST", "/admin/products", dup, append(auth, "Idempotency-Key", "k-2")...).status
				}()
			}
			wg.Wait()
			for _, s := range statuses {
				if s != 201 {
					t.Fatalf("concurrent duplicates answered %v", statuses)
				}
			}
			a = call(t, srv, "GET", "/admin/products?sku=ASH-1", "", auth...)
			if n := len(a.json(t)["data"].([]any)); n != 1 {
				t.Fatalf("concurrent duplicates made %d products", n)
			}
		})
	}
}

// TestEventsExactlyOnce follows catalog changes through the outbox and
// JetStream to a durable subscriber that fails on first delivery, across a
// restart of the whole app: every change takes effect exactly once.
func TestEventsExactlyOnce(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c := cfg(t)
			durable := "test_" + strings.ReplaceAll(name, "+", "_") + "_" + fmt.Sprint(time.Now().UnixNano())
			var mu sync.Mutex
			effects := map[string]int{}  // product id → effects applied
			handled := map[string]bool{} // event id → handled (the consumer's inbox)
			attempts := map[string]int{}
			tag := fmt.Sprintf("run%d", time.Now().UnixNano())
			handler := func(ctx context.Context, e event.Event) error {
				var p catalog.Product
				if err := e.Decode(&p); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				if !strings.HasSuffix(p.Title, tag) {
					return nil // an event of another test run on a shared server
				}
				attempts[e.ID]++
				if attempts[e.ID] == 1 {
					return fmt.Errorf("transient failure")
				}
				if !handled[e.ID] {
					handled[e.ID] = true
					effects[p.ID]++
				}
				return nil
			}
			subscribe := func(a *App) {
				bcfg := a.Env().Bus
				stop, err := bcfg.Subscribe(context.Background(), event.Subscription{
					Durable: durable, Subjects: []string{event.Subject(catalog.Module, catalog.EventProductCreated)}, Handler: handler,
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(stop)
			}
			create := func(srv *httptest.Server, title string) {
				a := call(t, srv, "POST", "/admin/products", `{"title":"`+title+` `+tag+`"}`, "Authorization", "Bearer "+testKey)
				if a.status != 201 {
					t.Fatalf("create: %d %s", a.status, a.body)
				}
			}
			waitEffects := func(n int) {
				deadline := time.Now().Add(20 * time.Second)
				for time.Now().Before(deadline) {
					mu.Lock()
					got := len(effects)
					mu.Unlock()
					if got == n {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("%d of %d changes took effect", len(effects), n)
			}

			a1, srv1 := startAppNoCleanup(t, c)
			subscribe(a1)
			for i := range 5 {
				create(srv1, fmt.Sprintf("Lamp %d", i))
			}
			waitEffects(5)
			srv1.Close()
			a1.Stop(context.Background())

			// Restart on the same storage: the consumer resumes where it was.
			a2, srv2 := startApp(t, c)
			subscribe(a2)
			for i := range 3 {
				create(srv2, fmt.Sprintf("Desk %d", i))
			}
			waitEffects(8)
			time.Sleep(700 * time.Millisecond) // leave room for a wrong redelivery
			mu.Lock()
			defer mu.Unlock()
			for pid, n := range effects {
				if n != 1 {
					t.Errorf("product %s took effect %d times", pid, n)
				}
			}
			if len(effects) != 8 {
				t.Errorf("%d effects, want 8", len(effects))
			}
		})
	}
}

func startAppNoCleanup(t *testing.T, cfg Config) (*App, *httptest.Server) {
	t.Helper()
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Modules())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, httptest.NewServer(a.Handler())
}

func TestRegistryOrder(t *testing.T) {
	noop := func(context.Context, *module.Env) (*module.Running, error) { return nil, nil }
	r, err := NewRegistry(
		module.Module{Name: "order", Deps: []string{"catalog", "cart"}, Start: noop},
		module.Module{Name: "cart", Deps: []string{"catalog"}, Start: noop},
		module.Module{Name: "catalog", Start: noop},
		module.Module{Name: "search", Deps: []string{"catalog"}, Start: noop},
	)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []module.Module) string {
		var s []string
		for _, m := range ms {
			s = append(s, m.Name)
		}
		return strings.Join(s, ",")
	}
	client := func(*httpx.Client) any { return nil }
	r.mods["cart"] = module.Module{Name: "cart", Deps: []string{"catalog"}, Start: noop, Client: client}
	r.mods["catalog"] = module.Module{Name: "catalog", Start: noop, Client: client}
	for _, c := range []struct {
		targets, remote, want string
	}{
		{"all", "", "catalog,search,cart,order"},
		{"order,cart,catalog", "", "catalog,cart,order"},
		{"search,catalog", "", "catalog,search"},
		// A dependency that runs elsewhere is not started here.
		{"order", "cart=http://cart:8080,catalog=http://catalog:8080", "order"},
		{"order,cart", "catalog=http://catalog:8080", "cart,order"},
		{"all", "cart=http://cart:8080", "catalog,order,search"},
	} {
		remote := map[string]string{}
		for _, kv := range strings.Split(c.remote, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				remote[k] = v
			}
		}
		got, err := r.Order(strings.Split(c.targets, ","), remote)
		if err != nil || names(got) != c.want {
			t.Errorf("Order(%s, remote %s) = %s, %v; want %s", c.targets, c.remote, names(got), err, c.want)
		}
	}
	for _, c := range []struct{ targets, remote, wantErr string }{
		{"nope", "", "unknown module"},
		// A dependency neither here nor remote fails with both ways out.
		{"order", "", "order calls catalog, which is neither started here nor remote"},
		{"order,cart", "", "cart calls catalog"},
		{"search", "catalog=http://c", ""},
		{"order,cart", "cart=http://c", "both started here and remote"},
		{"order", "search=http://s,cart=http://c,catalog=http://c", "search cannot be remote: it has no HTTP client"},
	} {
		remote := map[string]string{}
		for _, kv := range strings.Split(c.remote, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				remote[k] = v
			}
		}
		_, err := r.Order(strings.Split(c.targets, ","), remote)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("Order(%s, remote %s): %v", c.targets, c.remote, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("Order(%s, remote %s) = %v, want an error with %q", c.targets, c.remote, err, c.wantErr)
		}
	}
	// A module marked Always starts whatever the targets.
	r, err = NewRegistry(module.Module{Name: "catalog", Start: noop}, module.Module{Name: "search", Deps: []string{"catalog"}, Start: noop},
		module.Module{Name: "zeta", Always: true, Start: noop})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Order([]string{"catalog"}, nil); err != nil || names(got) != "catalog,zeta" {
		t.Errorf("Order(catalog) with an Always module = %s, %v", names(got), err)
	}
	if _, err := NewRegistry(module.Module{Name: "a", Deps: []string{"b"}, Start: noop}, module.Module{Name: "b", Deps: []string{"a"}, Start: noop}); err == nil {
		t.Error("a dependency cycle was accepted")
	}
	if _, err := NewRegistry(module.Module{Name: "a", Deps: []string{"zz"}, Start: noop}); err == nil {
		t.Error("an unknown dependency was accepted")
	}
}

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	c.Addr = "nohostport"
	c.AdminKey = "short"
	c.PostgresURL = "mysql://x"
	err := c.Validate()
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	c.Remote = map[string]string{"inventory": "inventory:8080"}
	err = c.Validate()
	for _, want := range []string{"addr", "AGORA_ADMIN_KEY", "postgres URL", "remote inventory", "AGORA_SERVICE_SECRET"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// mustDep returns the service a started module provided, as T, or fails tb.
func mustDep[T any](tb testing.TB, env *Env, name string) T {
	tb.Helper()
	svc, err := module.Dep[T](env, name)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

// running reports whether module runs in env.
func running(env *Env, name string) bool {
	_, ok, _ := module.Optional[any](env, name)
	return ok
}
