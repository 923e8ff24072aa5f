package cataloghttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/cataloghttp"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
)

// handler returns the catalog's operations on svc behind the middleware
// every request passes, and the API (for its OpenAPI document). It fails
// tb at cleanup if the server logged an error.
func handler(tb testing.TB, svc catalog.Service) (http.Handler, huma.API) {
	tb.Helper()
	return httpxtest.Handler(tb, func(api huma.API) { cataloghttp.Register(api, svc) })
}

// server serves svc on a local port until the test ends.
func server(tb testing.TB, svc catalog.Service) (*httptest.Server, huma.API) {
	tb.Helper()
	h, api := handler(tb, svc)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv, api
}

func client(srv *httptest.Server) catalog.Service {
	return cataloghttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
}

// TestClientContract runs the contract suite through the HTTP client and
// the handlers, over the service on SQLite: errors must come back with the
// same kinds, codes and fields as in-process.
func TestClientContract(t *testing.T) {
	catalogtest.TestService(t, func(t *testing.T) catalog.Service {
		srv, _ := server(t, catalogtest.MustService(t))
		return client(srv)
	}, catalogtest.DefaultChannelOnly())
}

// TestClientUnreachable checks that a server that does not answer is
// Unavailable, never mistaken for a client error.
func TestClientUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := cataloghttp.NewClient(&httpx.Client{BaseURL: url})
	_, err := c.GetProduct(t.Context(), "anything")
	errstest.Want(t, err, errs.Unavailable, "unavailable")
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) problem(tb testing.TB) httpx.Problem {
	tb.Helper()
	var p httpx.Problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		tb.Fatalf("answer %d is not a problem document: %v\n%s", a.status, err, a.body)
	}
	return p
}

func do(tb testing.TB, h http.Handler, method, path string, body []byte, header map[string]string) answer {
	tb.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestScenarios are requests to the raw HTTP API with the status, problem
// code, fields and events each must give.
func TestScenarios(t *testing.T) {
	svc, ob := catalogtest.MustServiceWithOutbox(t)
	h, _ := handler(t, svc)

	example := catalogtest.MustCreateProduct(t, svc, catalogtest.APIExample(t, ""))
	draft := catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "Draft chair"})
	victim := catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "To delete"})
	parent := catalogtest.MustCreateCategory(t, svc, catalog.CreateCategoryCommand{Name: "Furniture"})
	catalogtest.MustCreateCategory(t, svc, catalog.CreateCategoryCommand{Name: "Tables", ParentID: parent.ID})

	big := append(append([]byte(`{"title":"Big","description":"`), bytes.Repeat([]byte("a"), httpx.DefaultMaxBody+1)...), `"}`...)
	long := mustJSON(t, map[string]string{"title": "Long", "description": strings.Repeat("a", catalog.MaxDescription+1)})

	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		header map[string]string
		status int
		code   string   // the problem's code; "" for a success
		fields []string // fields the problem must name
		events []string // event types the request must emit
	}{
		{name: "create the API.md example", method: "POST", path: "/admin/products",
			body:   []byte(strings.Replace(strings.Replace(catalogtest.APIExampleJSON(), `"walnut-dining-table"`, `"walnut-dining-table-2"`, 1), `"WDT-180"`, `"WDT-180-2"`, 1)),
			status: 201, events: []string{catalog.EventProductCreated}},
		{name: "create minimal", method: "POST", path: "/admin/products", body: []byte(`{"title":"Stool"}`), status: 201, events: []string{catalog.EventProductCreated}},
		{name: "unknown field", method: "POST", path: "/admin/products", body: []byte(`{"title":"Stool","colour":"red"}`), status: 400, code: "validation_failed", fields: []string{"colour"}},
		{name: "unknown nested field", method: "POST", path: "/admin/products", body: []byte(`{"title":"Stool","variants":[{"sku":"X","cost":1}]}`), status: 400, code: "validation_failed", fields: []string{"variants[0].cost"}},
		{name: "malformed JSON", method: "POST", path: "/admin/products", body: []byte(`{"title":`), status: 400, code: "malformed_request"},
		{name: "not JSON", method: "POST", path: "/admin/products", body: []byte(`title=Stool`), status: 400},
		{name: "JSON null", method: "POST", path: "/admin/products", body: []byte(`null`), status: 400},
		{name: "JSON array", method: "POST", path: "/admin/products", body: []byte(`[]`), status: 400},
		{name: "empty body", method: "POST", path: "/admin/products", body: []byte{}, status: 400},
		{name: "body over 1 MiB", method: "POST", path: "/admin/products", body: big, status: 413, code: "payload_too_large"},
		{name: "description over its limit", method: "POST", path: "/admin/products", body: long, status: 400, code: "validation_failed", fields: []string{"description"}},
		{name: "title of the wrong type", method: "POST", path: "/admin/products", body: []byte(`{"title":5}`), status: 400, code: "validation_failed", fields: []string{"title"}},
		{name: "price of the wrong type", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","variants":[{"sku":"P","prices":[{"amount":"12.50","currency":"USD"}]}]}`), status: 400, code: "validation_failed", fields: []string{"variants[0].prices[0].amount"}},
		{name: "fractional amount", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","variants":[{"sku":"P","prices":[{"amount":12.5,"currency":"USD"}]}]}`), status: 400, code: "validation_failed", fields: []string{"variants[0].prices[0].amount"}},
		{name: "amount beyond int64", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","variants":[{"sku":"P","prices":[{"amount":1e30,"currency":"USD"}]}]}`), status: 400},
		{name: "lower-case currency", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","variants":[{"sku":"P","prices":[{"amount":1,"currency":"usd"}]}]}`), status: 400, code: "validation_failed", fields: []string{"variants[0].prices[0]"}},
		{name: "bad media URL", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","media":[{"url":"javascript:alert(1)"}]}`), status: 400, code: "validation_failed", fields: []string{"media[0].url"}},
		{name: "status not in the enum", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","status":"live"}`), status: 400, code: "validation_failed", fields: []string{"status"}},
		{name: "handle taken", method: "POST", path: "/admin/products", body: mustJSON(t, map[string]string{"title": "x", "handle": example.Handle}), status: 409, code: "handle_taken"},
		{name: "SKU taken", method: "POST", path: "/admin/products", body: []byte(`{"title":"x","variants":[{"sku":"WDT-180"}]}`), status: 409, code: "sku_taken"},
		{name: "list", method: "GET", path: "/admin/products?status=published&limit=5", status: 200},
		{name: "limit over 100", method: "GET", path: "/admin/products?limit=1000", status: 400, code: "validation_failed", fields: []string{"limit"}},
		{name: "limit zero", method: "GET", path: "/admin/products?limit=0", status: 400, code: "validation_failed", fields: []string{"limit"}},
		{name: "limit not a number", method: "GET", path: "/admin/products?limit=ten", status: 400, code: "validation_failed", fields: []string{"limit"}},
		{name: "bad status filter", method: "GET", path: "/admin/products?status=gone", status: 400, code: "validation_failed", fields: []string{"status"}},
		{name: "bad cursor", method: "GET", path: "/admin/products?cursor=garbage", status: 400, code: "validation_failed", fields: []string{"cursor"}},
		{name: "unknown category filter", method: "GET", path: "/admin/products?category=nowhere", status: 400, code: "validation_failed", fields: []string{"category"}},
		{name: "get by id", method: "GET", path: "/admin/products/" + example.ID, status: 200},
		{name: "get by handle", method: "GET", path: "/admin/products/" + example.Handle, status: 200},
		{name: "unknown product", method: "GET", path: "/admin/products/prod_01J000000000000000000000ZZ", status: 404, code: "not_found"},
		{name: "unknown handle", method: "GET", path: "/admin/products/no-such-thing", status: 404, code: "not_found"},
		{name: "update", method: "PATCH", path: "/admin/products/" + draft.ID, body: []byte(`{"description":"Now with arms","version":1}`), status: 200, events: []string{catalog.EventProductUpdated}},
		{name: "update at an old version", method: "PATCH", path: "/admin/products/" + draft.ID, body: []byte(`{"description":"x","version":1}`), status: 409, code: "version_conflict"},
		{name: "update with an unknown field", method: "PATCH", path: "/admin/products/" + draft.ID, body: []byte(`{"name":"x"}`), status: 400, code: "validation_failed", fields: []string{"name"}},
		{name: "update with the wrong type", method: "PATCH", path: "/admin/products/" + draft.ID, body: []byte(`{"variants":"none"}`), status: 400, code: "validation_failed", fields: []string{"variants"}},
		{name: "update an unknown product", method: "PATCH", path: "/admin/products/prod_01J000000000000000000000ZZ", body: []byte(`{"title":"x"}`), status: 404, code: "not_found"},
		{name: "delete", method: "DELETE", path: "/admin/products/" + victim.ID, status: 204, events: []string{catalog.EventProductDeleted}},
		{name: "delete again", method: "DELETE", path: "/admin/products/" + victim.ID, status: 404, code: "not_found"},
		{name: "import", method: "POST", path: "/admin/products/import", body: []byte(`{"products":[{"title":"A"},{"title":"A"}]}`), status: 201, events: []string{catalog.EventProductCreated, catalog.EventProductCreated}},
		{name: "import a bad product", method: "POST", path: "/admin/products/import", body: []byte(`{"products":[{"title":"A"},{"title":"B","media":[{"url":"nope"}]}]}`), status: 400, code: "validation_failed", fields: []string{"products[1].media[0].url"}},
		{name: "import nothing", method: "POST", path: "/admin/products/import", body: []byte(`{"products":[]}`), status: 400, code: "validation_failed", fields: []string{"products"}},
		{name: "delete a category with children", method: "DELETE", path: "/admin/categories/" + parent.ID, status: 409, code: "category_has_children"},
		{name: "move a category under itself", method: "PATCH", path: "/admin/categories/" + parent.ID, body: mustJSON(t, map[string]string{"parent_id": parent.ID}), status: 400, code: "validation_failed", fields: []string{"parent_id"}},
		{name: "category of the wrong type", method: "POST", path: "/admin/categories", body: []byte(`{"name":["x"]}`), status: 400, code: "validation_failed", fields: []string{"name"}},
		{name: "store product", method: "GET", path: "/store/products/" + example.Handle + "?currency=EUR&locale=de-CH", status: 200},
		{name: "store draft", method: "GET", path: "/store/products/" + draft.ID, status: 404, code: "not_found"},
		{name: "store deleted", method: "GET", path: "/store/products/" + victim.ID, status: 404, code: "not_found"},
		{name: "store lower-case currency", method: "GET", path: "/store/products/" + example.ID + "?currency=eur", status: 400, code: "validation_failed", fields: []string{"currency"}},
		{name: "store unknown currency", method: "GET", path: "/store/products?currency=XYZ", status: 400, code: "validation_failed", fields: []string{"currency"}},
		{name: "store bad locale", method: "GET", path: "/store/products?locale=%21%21", status: 400, code: "validation_failed", fields: []string{"locale"}},
		{name: "store limit over 100", method: "GET", path: "/store/products?limit=1000", status: 400, code: "validation_failed", fields: []string{"limit"}},
		{name: "store list", method: "GET", path: "/store/products?limit=24&currency=EUR&category=" + parent.Handle, status: 200},
		{name: "store tree", method: "GET", path: "/store/categories?locale=de", status: 200},
		{name: "id too long", method: "GET", path: "/admin/products/" + strings.Repeat("a", 300), status: 400, code: "validation_failed", fields: []string{"id"}},
		{name: "wrong method", method: "PUT", path: "/admin/products/" + example.ID, body: []byte(`{}`), status: 405},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			ob.Reset(t)
			a := do(t, h, tt.method, tt.path, tt.body, tt.header)
			if a.status != tt.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", tt.method, tt.path, a.status, tt.status, a.body)
			}
			if got := ob.EventTypes(t); !slices.Equal(got, tt.events) {
				t.Errorf("events %v, want %v", got, tt.events)
			}
			ct := a.header.Get("Content-Type")
			switch {
			case a.status == 204:
				if len(a.body) != 0 {
					t.Errorf("204 with a body: %s", a.body)
				}
			case a.status < 300:
				if !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				if !json.Valid(a.body) {
					t.Errorf("the answer is not JSON: %s", a.body)
				}
			case a.status == 405:
				// The mux answers wrong methods itself.
			default:
				if ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				p := a.problem(t)
				if p.Status != a.status || p.Code == "" || p.Type != httpx.ProblemBase+p.Code || p.Title == "" {
					t.Errorf("problem %+v does not match its status %d", p, a.status)
				}
				if tt.code != "" && p.Code != tt.code {
					t.Errorf("code %q, want %q (%s)", p.Code, tt.code, a.body)
				}
				for _, f := range tt.fields {
					if !errstest.Names(p.Errors, f) {
						t.Errorf("problem does not name field %q: %s", f, a.body)
					}
				}
				if bytes.Contains(a.body, []byte("sql")) || bytes.Contains(a.body, []byte("goroutine")) {
					t.Errorf("the problem shows internals: %s", a.body)
				}
			}
			if a.status >= 500 {
				t.Errorf("bad input answered with %d", a.status)
			}
			if a.header.Get(httpx.RequestIDHeader) == "" {
				t.Error("no request id in the answer")
			}
		})
	}
}

// TestStoreCaching checks the cache headers of store answers: a strong
// ETag, Cache-Control with stale-while-revalidate, Surrogate-Key, and 304
// for a matching If-None-Match.
func TestStoreCaching(t *testing.T) {
	svc := catalogtest.MustService(t)
	h, _ := handler(t, svc)
	p := catalogtest.MustCreateProduct(t, svc, catalogtest.APIExample(t, ""))

	for _, path := range []string{
		"/store/products/" + p.Handle + "?currency=USD",
		"/store/products?currency=USD&limit=24",
		"/store/categories",
	} {
		t.Run(path, func(t *testing.T) {
			a := do(t, h, "GET", path, nil, nil)
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			tag := a.header.Get("ETag")
			if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
				t.Fatalf("ETag %q, want a quoted strong validator", tag)
			}
			cc := a.header.Get("Cache-Control")
			if !strings.Contains(cc, "stale-while-revalidate=") || !strings.Contains(cc, "max-age=") || !strings.Contains(cc, "public") {
				t.Errorf("Cache-Control %q, want public, max-age and stale-while-revalidate", cc)
			}
			if a.header.Get("Surrogate-Key") == "" {
				t.Error("no Surrogate-Key")
			}
			if again := do(t, h, "GET", path, nil, nil); again.header.Get("ETag") != tag {
				t.Errorf("ETag changed without a change: %q then %q", tag, again.header.Get("ETag"))
			}
			for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
				nm := do(t, h, "GET", path, nil, map[string]string{"If-None-Match": inm})
				if nm.status != http.StatusNotModified {
					t.Errorf("If-None-Match %s: status %d, want 304", inm, nm.status)
				}
				if len(nm.body) != 0 {
					t.Errorf("304 with a body: %s", nm.body)
				}
				// RFC 9110 15.4.5: a 304 carries the ETag and
				// Cache-Control a 200 would have.
				if nm.header.Get("ETag") != tag || nm.header.Get("Cache-Control") != cc {
					t.Errorf("304 headers ETag %q Cache-Control %q, want %q and %q", nm.header.Get("ETag"), nm.header.Get("Cache-Control"), tag, cc)
				}
			}
			if nm := do(t, h, "GET", path, nil, map[string]string{"If-None-Match": `"other"`}); nm.status != 200 {
				t.Errorf("non-matching If-None-Match: status %d, want 200", nm.status)
			}
		})
	}

	// A change gives a new ETag, so an old one no longer matches.
	path := "/store/products/" + p.ID + "?currency=USD"
	old := do(t, h, "GET", path, nil, nil).header.Get("ETag")
	if strings.Contains(do(t, h, "GET", "/store/products/"+p.ID, nil, nil).header.Get("Surrogate-Key"), p.ID) == false {
		t.Error("the Surrogate-Key of a product does not name it")
	}
	d := "Changed"
	if _, err := svc.UpdateProduct(t.Context(), catalog.UpdateProductCommand{ID: p.ID, Description: &d}); err != nil {
		t.Fatal(err)
	}
	a := do(t, h, "GET", path, nil, map[string]string{"If-None-Match": old})
	if a.status != 200 || a.header.Get("ETag") == old {
		t.Errorf("after a change: status %d ETag %q (old %q), want 200 and a new ETag", a.status, a.header.Get("ETag"), old)
	}
	// The currency is part of the answer, so of its ETag.
	if eur := do(t, h, "GET", "/store/products/"+p.ID+"?currency=EUR", nil, nil).header.Get("ETag"); eur == a.header.Get("ETag") {
		t.Error("the same ETag for two currencies")
	}
}
