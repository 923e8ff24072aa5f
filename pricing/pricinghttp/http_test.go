package pricinghttp_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/pricing/pricinghttp"
	"github.com/agoracommerce/agora/pricing/pricingtest"
)

func server(t *testing.T) (*httptest.Server, pricingtest.Subject) {
	t.Helper()
	svc := pricingtest.MustService(t)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	pricinghttp.Register(api, svc)
	srv := httptest.NewServer(httpx.Base(slog.New(slog.DiscardHandler), mux))
	t.Cleanup(srv.Close)
	client := pricinghttp.NewClient(&httpx.Client{BaseURL: srv.URL})
	return srv, pricingtest.Subject{Service: client, Feed: svc.HandleCatalogEvent}
}

// TestClient runs the contract suite through the HTTP client and handler:
// the same kinds, codes and fields must come back over the wire.
func TestClient(t *testing.T) {
	pricingtest.TestService(t, func(t *testing.T) pricingtest.Subject {
		_, s := server(t)
		return s
	})
}

func TestBadRequests(t *testing.T) {
	srv, _ := server(t)
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/admin/price-lists", `{"name":"x","currency":"USD","bogus":1}`, 400, "validation_failed"},
		{"POST", "/admin/price-lists", `{"name":"x","currency":"USD","prices":[{"variant_id":"var_x","amount":1.5}]}`, 400, ""},
		{"POST", "/admin/price-lists", `{"name":"x"`, 400, "malformed_request"},
		{"POST", "/admin/price-lists", `{"name":"x","currency":"usd"}`, 400, "validation_failed"},
		{"GET", "/admin/price-lists/pl_nope", "", 404, "not_found"},
		{"GET", "/admin/price-lists?limit=1000", "", 400, "validation_failed"},
		{"POST", "/admin/pricing/quote", `{"currency":"USD","lines":[]}`, 400, "validation_failed"},
		{"POST", "/admin/pricing/quote", `{"currency":"USD","lines":[{"variant_id":"var_01J00000000000000000000000","quantity":-1}]}`, 400, "validation_failed"},
		{"PUT", "/admin/price-lists/pl_nope/prices", `{"prices":[{"variant_id":"var_01J00000000000000000000000","amount":5}]}`, 404, "not_found"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.code != "" && !strings.Contains(string(b), `"code":"`+c.code+`"`)) {
			t.Errorf("%s %s %s: %d %s, want %d %s", c.method, c.path, c.body, resp.StatusCode, b, c.status, c.code)
		}
	}
}
