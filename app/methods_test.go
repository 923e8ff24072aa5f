package app

import (
	"net/http"
	"testing"
)

// TestWrongMethod: a method a path is not served for is 405
// method_not_allowed with the path's methods in Allow, as a problem; an
// unknown path stays 404 not_found; the admin guard still answers first.
func TestWrongMethod(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	auth := []string{"Authorization", "Bearer " + testKey}
	for _, tc := range []struct {
		method, path string
		header       []string
		status       int
		code, allow  string
	}{
		{"DELETE", "/store/products/prod_01JBZ3V0Y0000000000000000", nil, http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"PUT", "/store/carts", nil, http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"PUT", "/admin/products", auth, http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD, POST"},
		{"PUT", "/admin/products", nil, http.StatusUnauthorized, "unauthorized", ""},
		{"GET", "/store/nothing", nil, http.StatusNotFound, "not_found", ""},
	} {
		a := call(t, srv, tc.method, tc.path, "", tc.header...)
		if a.status != tc.status || a.json(t)["code"] != tc.code || a.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q %s, want %d %s Allow %q", tc.method, tc.path, a.status, a.header.Get("Allow"), a.body, tc.status, tc.code, tc.allow)
		}
		if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
	}
}
