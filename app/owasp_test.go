package app

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The OWASP API Security Top 10 (2023) items that no other test covers as
// a whole; docs/security.md maps every item to its tests.

// TestOWASPMassAssignment (API3, broken object property level
// authorization): read-only or privileged properties in a request body —
// status, prices, totals, ownership, roles, ids — are refused with 400, and
// nothing changes.
func TestOWASPMassAssignment(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	admin := []string{"Authorization", "Bearer " + testKey}
	const pw = "correct horse battery"
	if a := call(t, srv, "POST", "/store/customers", `{"email":"ada@example.com","password":"`+pw+`"}`); a.status != 201 {
		t.Fatalf("register: %d %s", a.status, a.body)
	}
	session := []string{"Authorization", "Bearer " + call(t, srv, "POST", "/store/sessions", `{"email":"ada@example.com","password":"`+pw+`"}`).json(t)["token"].(string)}
	cart := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`).json(t)["id"].(string)
	if a := call(t, srv, "POST", "/admin/products", walnut, admin...); a.status != 201 {
		t.Fatalf("product: %d %s", a.status, a.body)
	}
	product := call(t, srv, "GET", "/admin/products/walnut-dining-table", "", admin...).json(t)
	pid, version := product["id"].(string), product["version"]

	for _, c := range []struct {
		method, path, body string
		header             []string
	}{
		{"POST", "/store/customers", `{"email":"eve@example.com","password":"` + pw + `","role":"owner"}`, nil},
		{"POST", "/store/customers", `{"email":"eve@example.com","password":"` + pw + `","groups":["vip"]}`, nil},
		{"POST", "/store/customers", `{"email":"eve@example.com","password":"` + pw + `","erased":false,"id":"cus_x"}`, nil},
		{"PATCH", "/store/customers/me", `{"email":"eve@example.com"}`, session},
		{"PATCH", "/store/customers/me", `{"groups":["vip"]}`, session},
		{"POST", "/store/carts", `{"currency":"USD","customer_id":"cus_01J0000000000000000000000Z"}`, nil},
		{"POST", "/store/carts", `{"currency":"USD","status":"completed"}`, nil},
		{"PATCH", "/store/carts/" + cart, `{"status":"completed"}`, nil},
		{"PATCH", "/store/carts/" + cart, `{"totals":{"total":{"amount":1,"currency":"USD"}}}`, nil},
		{"POST", "/store/carts/" + cart + "/items", `{"sku":"WDT-180","quantity":1,"unit_price":{"amount":1,"currency":"USD"}}`, nil},
		{"POST", "/store/carts/" + cart + "/checkout", `{"email":"a@example.com","shipping_address":{"name":"A","line1":"1","city":"B","postal_code":"1","country":"US"},"payment":{"provider":"test","token":"tok_visa"},"total":1}`, nil},
		{"PATCH", "/admin/products/" + pid, `{"id":"prod_other"}`, admin},
		{"PATCH", "/admin/products/" + pid, `{"version":99,"created_at":"2020-01-01T00:00:00Z"}`, admin},
		{"POST", "/admin/api-keys", `{"role":"owner","secret":"sk_chosen_by_the_caller_0000000000000"}`, admin},
	} {
		a := call(t, srv, c.method, c.path, c.body, c.header...)
		if a.status != 400 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s %s: %d %s, want 400 problem+json", c.method, c.path, c.body, a.status, a.body)
		}
	}
	// Nothing changed.
	if p := call(t, srv, "GET", "/admin/products/"+pid, "", admin...).json(t); p["id"] != pid || p["version"] != version {
		t.Errorf("the product changed: %v", p)
	}
	if c := call(t, srv, "GET", "/store/carts/"+cart, "").json(t); c["status"] != "active" || c["customer_id"] != "" || len(c["items"].([]any)) != 0 {
		t.Errorf("the cart changed: %v", c)
	}
	if n := len(call(t, srv, "GET", "/admin/customers", "", admin...).json(t)["data"].([]any)); n != 1 {
		t.Errorf("%d customers, want 1", n)
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestOWASPInventory (API9, improper inventory management): every
// operation of the OpenAPI document is served, and nothing that the
// document does not list answers: unknown paths are 404 problem+json
// "no such endpoint" (401 first under /admin/ without a key).
func TestOWASPInventory(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	admin := []string{"Authorization", "Bearer " + testKey}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	a := call(t, srv, "GET", "/openapi.json", "")
	if err := json.Unmarshal(a.body, &doc); err != nil || len(doc.Paths) < 50 {
		t.Fatalf("document: %d paths, %v", len(doc.Paths), err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "post", "put", "patch", "delete":
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		url := pathParam.ReplaceAllString(path, "x0")
		body := ""
		if method != "GET" && method != "DELETE" {
			body = `{}`
		}
		a := call(t, srv, method, url, body, admin...)
		if a.status == http.StatusMethodNotAllowed || strings.Contains(string(a.body), "no such endpoint") || a.status >= 500 {
			t.Errorf("%s (as %s %s): %d %s — documented but not served", op, method, url, a.status, a.body)
		}
	}
	for _, path := range []string{"/debug/pprof/", "/admin/debug", "/admin/users", "/admin/config", "/admin/env", "/.env", "/.git/config",
		"/api/products", "/v1/store/products", "/store/admin", "/store/customers/all", "/internal/metrics"} {
		a := call(t, srv, "GET", path, "", admin...)
		if a.status != 404 || !strings.Contains(string(a.body), "no such endpoint") {
			t.Errorf("GET %s: %d %s, want 404 no such endpoint", path, a.status, a.body)
		}
		// Without a key, the admin space answers 401 before telling what
		// exists; elsewhere it is the same 404.
		want := 404
		if strings.HasPrefix(path, "/admin/") {
			want = 401
		}
		if a := call(t, srv, "GET", path, ""); a.status != want {
			t.Errorf("GET %s without a key: %d %s, want %d", path, a.status, a.body, want)
		}
	}
	if len(ops) < 80 {
		t.Fatalf("only %d operations walked", len(ops))
	}
}

// TestOWASPStoredURLs (API7, server-side request forgery): Agora fetches no
// URL a client gives it; the URLs it stores (product media) must be
// absolute http(s) URLs, so that a client rendering them cannot be led to
// another scheme.
func TestOWASPStoredURLs(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	admin := []string{"Authorization", "Bearer " + testKey}
	for _, u := range []string{"file:///etc/passwd", "javascript:alert(1)", "gopher://127.0.0.1:6379/_INFO", "//evil.example/x.png", "/relative.png", "data:text/html,<script>"} {
		body := `{"title":"Chair","media":[{"url":"` + u + `","alt":"x"}]}`
		if a := call(t, srv, "POST", "/admin/products", body, admin...); a.status != 400 {
			t.Errorf("media %s: %d %s", u, a.status, a.body)
		}
	}
	if a := call(t, srv, "POST", "/admin/products", `{"title":"Chair","media":[{"url":"https://cdn.example.com/chair.jpg","alt":"A chair"}]}`, admin...); a.status != 201 {
		t.Fatalf("an https media URL: %d %s", a.status, a.body)
	}
}
