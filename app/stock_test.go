package app

import (
	"testing"
	"time"
)

// TestStoreReadsFollowStock: a variant whose stock runs out is no longer
// available on the product page (whose ETag changes), through inventory's
// events, though the page comes from the read cache.
func TestStoreReadsFollowStock(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}
			if a := call(t, srv, "POST", "/admin/products", walnut, auth...); a.status != 201 {
				t.Fatalf("create: %d %s", a.status, a.body)
			}
			available := func() bool {
				a := call(t, srv, "GET", "/store/products/walnut-dining-table?currency=USD", "")
				return a.json(t)["variants"].([]any)[0].(map[string]any)["available"].(bool)
			}
			waitFor := func(want bool) {
				t.Helper()
				deadline := time.Now().Add(5 * time.Second)
				for available() != want {
					if time.Now().After(deadline) {
						t.Fatalf("available did not become %v", want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			waitFor(true)
			tag := call(t, srv, "GET", "/store/products/walnut-dining-table?currency=USD", "").header.Get("ETag")
			if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", `{"on_hand":0}`, auth...); a.status != 200 {
				t.Fatalf("set level: %d %s", a.status, a.body)
			}
			waitFor(false)
			// The cached page changes with the stock: a client's ETag of
			// before no longer matches.
			if a := call(t, srv, "GET", "/store/products/walnut-dining-table?currency=USD", "", "If-None-Match", tag); a.status != 200 || a.header.Get("ETag") == tag {
				t.Fatalf("after the stock ran out: %d, ETag %q (was %q)", a.status, a.header.Get("ETag"), tag)
			}
			if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", `{"on_hand":3}`, auth...); a.status != 200 {
				t.Fatalf("restock: %d %s", a.status, a.body)
			}
			waitFor(true)
		})
	}
}
