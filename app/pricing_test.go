package app

import (
	"strings"
	"testing"
	"time"
)

// TestPricingFollowsCatalog: a product created in the catalog is priced by
// the pricing module once its event arrives, and a sale price list applies.
func TestPricingFollowsCatalog(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}
			a := call(t, srv, "POST", "/admin/products", walnut, auth...)
			if a.status != 201 {
				t.Fatalf("create: %d %s", a.status, a.body)
			}
			vid := a.json(t)["variants"].([]any)[0].(map[string]any)["id"].(string)
			quote := `{"currency":"EUR","lines":[{"variant_id":"` + vid + `","quantity":2}]}`
			deadline := time.Now().Add(10 * time.Second)
			for {
				q := call(t, srv, "POST", "/admin/pricing/quote", quote, auth...)
				if q.status == 200 {
					sub := q.json(t)["subtotal"].(map[string]any)
					if sub["amount"].(float64) != 239800 || sub["currency"] != "EUR" {
						t.Fatalf("subtotal %v", sub)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the catalog price did not reach pricing: %d %s", q.status, q.body)
				}
				time.Sleep(50 * time.Millisecond)
			}
			pl := call(t, srv, "POST", "/admin/price-lists", `{"name":"Winter sale","currency":"EUR","prices":[{"variant_id":"`+vid+`","amount":99900}]}`, auth...)
			if pl.status != 201 {
				t.Fatalf("price list: %d %s", pl.status, pl.body)
			}
			q := call(t, srv, "POST", "/admin/pricing/quote", quote, auth...)
			line := q.json(t)["lines"].([]any)[0].(map[string]any)
			if line["unit_price"].(map[string]any)["amount"].(float64) != 99900 || !strings.HasPrefix(line["price_list_id"].(string), "pl_") {
				t.Fatalf("sale line %v", line)
			}
		})
	}
}
