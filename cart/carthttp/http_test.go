package carthttp_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/cart/carthttp"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/cart/carttest"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
	"github.com/agoracommerce/agora/pricing/pricingtest"
	"github.com/agoracommerce/agora/tax/taxtest"
)

func server(t *testing.T) (*httptest.Server, carttest.Subject) {
	t.Helper()
	db := sqldbtest.MustOpenSQLite(t) // the services the cart calls share one database
	p, c := pricingtest.MustServiceOn(t, db), catalogtest.MustServiceOn(t, db)
	i, tx := inventorytest.MustServiceOn(t, db), taxtest.MustServiceOn(t, db)
	svc := carttest.MustService(t, cartsvc.NewDeps(p, c, i, tx), cartsvc.DefaultConfig(), nil)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	carthttp.Register(api, svc)
	srv := httptest.NewServer(httpx.Base(slog.New(slog.DiscardHandler), mux))
	t.Cleanup(srv.Close)
	client := carthttp.NewClient(&httpx.Client{BaseURL: srv.URL})
	return srv, carttest.Subject{Cart: client, Catalog: c, Pricing: p, Inventory: i, Tax: tx, FeedPricing: p.HandleCatalogEvent}
}

// TestClient runs the contract suite through the HTTP client and handler:
// the same kinds, codes and fields must come back over the wire.
func TestClient(t *testing.T) {
	carttest.TestService(t, func(t *testing.T) carttest.Subject {
		_, s := server(t)
		return s
	})
}

func TestBadRequests(t *testing.T) {
	srv, s := server(t)
	p := carttest.MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 100, Currency: "USD"})
	req := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		r, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: %d with %s", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return resp.StatusCode, m
	}
	status, c := req("POST", "/store/carts", `{"currency":"USD"}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, c)
	}
	id := c["id"].(string)
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/store/carts", `{"currency":"USD","bogus":1}`, 400, "validation_failed"},
		{"POST", "/store/carts", `{"currency":"US"}`, 400, "validation_failed"},
		{"POST", "/store/carts", `{"currency":"USD"`, 400, "malformed_request"},
		{"GET", "/store/carts/cart_nope", "", 404, "not_found"},
		{"POST", "/store/carts/" + id + "/items", `{"variant_id":"` + p.VariantID + `","quantity":0}`, 400, "validation_failed"},
		{"POST", "/store/carts/" + id + "/items", `{"variant_id":"` + p.VariantID + `","quantity":-3}`, 400, "validation_failed"},
		{"POST", "/store/carts/" + id + "/items", `{"variant_id":"` + p.VariantID + `","quantity":99999999999999999999}`, 400, ""},
		{"POST", "/store/carts/" + id + "/items", `{"variant_id":"` + p.VariantID + `","quantity":1.5}`, 400, ""},
		{"POST", "/store/carts/" + id + "/items", `{"variant_id":"var_01J00000000000000000000000","quantity":1}`, 404, "unknown_variant"},
		{"POST", "/store/carts/" + id + "/items", `{"variant_id":"` + p.VariantID + `","quantity":6}`, 409, "out_of_stock"},
		{"PATCH", "/store/carts/" + id + "/items/cli_nope", `{"quantity":1}`, 404, "item_not_found"},
		{"PATCH", "/store/carts/" + id, `{"shipping_address":{"name":"A","line1":"B","city":"C","postal_code":"1","country":"ZZ"}}`, 400, "validation_failed"},
		{"POST", "/admin/carts/" + id + "/shipping-method", `{"option_id":"so_1","name":"Std","amount":{"amount":5,"currency":"EUR"}}`, 400, "validation_failed"},
		{"POST", "/admin/carts/" + id + "/complete", "", 409, "cart_empty"},
	} {
		status, m := req(tc.method, tc.path, tc.body)
		if status != tc.status || (tc.code != "" && m["code"] != tc.code) {
			t.Errorf("%s %s %s: %d %v, want %d %s", tc.method, tc.path, tc.body, status, m, tc.status, tc.code)
		}
	}
	status, m := req("PATCH", "/store/carts/"+id, `{"shipping_address":{"name":"","line1":"B","city":"C","postal_code":"1","country":"ZZ"}}`)
	if status != 400 || !strings.Contains(toJSON(m["errors"]), "shipping_address.country") || !strings.Contains(toJSON(m["errors"]), "shipping_address.name") {
		t.Errorf("address errors: %d %v", status, m)
	}
	if status, m := req("GET", "/store/carts/"+id, ""); status != 200 || m["version"].(float64) != 1 {
		t.Errorf("after bad requests: %d %v", status, m)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
