package app

import (
	"strings"
	"testing"
)

// TestMetricsRoutes: after real requests, /metrics counts them under the
// route patterns they matched, and a path no route matches as unmatched.
func TestMetricsRoutes(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	auth := []string{"Authorization", "Bearer " + testKey}
	stockedWalnut(t, srv, 1, auth...)
	for _, p := range []string{"/store/products/walnut-dining-table", "/admin/products", "/nowhere"} {
		call(t, srv, "GET", p, "", auth...)
	}
	body := string(call(t, srv, "GET", "/metrics", "").body)
	for _, want := range []string{`route="GET /store/products/{id}"`, `route="GET /admin/products"`, `route="POST /admin/products"`, `route="unmatched"`} {
		if !strings.Contains(body, "agora_http_requests_total{code=") || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
