package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

const ordersRefund Permission = "orders:refund"

// fakeCredentials knows a few secrets and one publishable key.
type fakeCredentials map[string]Principal

func (f fakeCredentials) Authenticate(_ context.Context, secret string) (Principal, error) {
	p, ok := f[secret]
	if !ok {
		return Principal{}, errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required")
	}
	return p, nil
}

func (f fakeCredentials) Channel(_ context.Context, key string) (string, error) {
	if key == "pk_wholesale" {
		return "wholesale", nil
	}
	return "", errs.E(errs.Unauthorized, "unauthorized", "unknown or revoked publishable key")
}

func TestGuard(t *testing.T) {
	creds := fakeCredentials{
		"sk_analyst": {KeyID: "key_a", Role: Analyst, Permissions: NewSet(productsRead)},
		"sk_catalog": {KeyID: "key_c", Role: CatalogManager, Permissions: NewSet(productsRead, productsWrite)},
		"sk_owner":   {KeyID: "key_o", Role: Owner, Permissions: NewSet(productsRead, productsWrite, ordersRefund)},
	}
	mux := http.NewServeMux()
	var seen Route
	var channel string
	ok := func(w http.ResponseWriter, r *http.Request) {
		if _, found := PrincipalOf(r.Context()); !found && strings.HasPrefix(r.URL.Path, "/admin") && r.URL.Path != "/admin/sessions" {
			t.Error("admin request reached the handler without a principal")
		}
		seen, _ = RouteOf(r.Context())
		channel = httpx.SalesChannel(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}
	for _, p := range []string{"GET /admin/products", "POST /admin/products", "POST /admin/orders/{id}/refunds", "POST /admin/undeclared",
		"POST /admin/sessions", "DELETE /admin/sessions/current", "GET /store/products"} {
		mux.HandleFunc(p, ok)
	}
	mux.HandleFunc("/", httpx.NotFound)
	g := &Guard{Credentials: creds, Routes: Routes{
		"GET /admin/products":             productsRead,
		"POST /admin/products":            productsWrite,
		"POST /admin/orders/{id}/refunds": ordersRefund,
		"POST /admin/sessions":            Public,
		"DELETE /admin/sessions/current":  Authenticated,
	}, Pattern: func(r *http.Request) string { _, p := mux.Handler(r); return p }}
	h := g.Middleware(mux)
	for _, tc := range []struct {
		method, path, key, pk string
		status                int
		code                  string
	}{
		{"GET", "/store/products", "", "", http.StatusTeapot, ""},
		{"GET", "/store/products", "", "pk_wholesale", http.StatusTeapot, ""},
		{"GET", "/store/products", "", "pk_unknown", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/products", "", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/products", "sk_nope", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/products", "sk_analyst", "", http.StatusTeapot, ""},
		{"POST", "/admin/products", "sk_analyst", "", http.StatusForbidden, "forbidden"},
		{"POST", "/admin/products", "sk_catalog", "", http.StatusTeapot, ""},
		{"POST", "/admin/orders/ord_1/refunds", "sk_catalog", "", http.StatusForbidden, "forbidden"},
		{"POST", "/admin/orders/ord_1/refunds", "sk_owner", "", http.StatusTeapot, ""},
		{"POST", "/admin/undeclared", "sk_catalog", "", http.StatusForbidden, "forbidden"},
		{"POST", "/admin/undeclared", "sk_owner", "", http.StatusTeapot, ""},
		{"POST", "/admin/sessions", "", "", http.StatusTeapot, ""},
		{"DELETE", "/admin/sessions/current", "", "", http.StatusUnauthorized, "unauthorized"},
		{"DELETE", "/admin/sessions/current", "sk_analyst", "", http.StatusTeapot, ""},
		{"GET", "/admin/no-such-thing", "", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/no-such-thing", "sk_analyst", "", http.StatusNotFound, "not_found"},
		{"GET", "/administrator", "", "", http.StatusNotFound, "not_found"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		if tc.pk != "" {
			req.Header.Set(PublishableKeyHeader, tc.pk)
		}
		seen, channel = Route{}, "-"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s with %q: %d, want %d: %s", tc.method, tc.path, tc.key, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("%s %s: %s, want code %s", tc.method, tc.path, rec.Body, tc.code)
		}
		if tc.status == http.StatusUnauthorized && strings.HasPrefix(tc.path, "/admin") && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", tc.method, tc.path)
		}
		if tc.path == "/admin/orders/ord_1/refunds" && rec.Code == http.StatusTeapot && (seen.Pattern != "POST /admin/orders/{id}/refunds" || seen.Permission != ordersRefund) {
			t.Errorf("route in context: %+v", seen)
		}
		if tc.path == "/store/products" && rec.Code == http.StatusTeapot {
			want := ""
			if tc.pk != "" {
				want = "wholesale"
			}
			if channel != want {
				t.Errorf("channel %q with key %q, want %q", channel, tc.pk, want)
			}
			if !slices.Contains(rec.Header().Values("Vary"), PublishableKeyHeader) {
				t.Error("store answers do not vary by publishable key")
			}
		}
	}
}
