package app

import (
	"strings"
	"testing"
)

// TestCartEndToEnd: a cart of the real app prices a catalog product through
// pricing, checks inventory, taxes through tax and refuses bad input.
func TestCartEndToEnd(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}
			vid := stockedWalnut(t, srv, 3, auth...)
			if a := call(t, srv, "POST", "/admin/tax/regions", `{"country":"DE","rates":[{"tax_class":"standard","rate":"19"}]}`, auth...); a.status != 201 {
				t.Fatalf("tax region: %d %s", a.status, a.body)
			}
			a := call(t, srv, "POST", "/store/carts", `{"currency":"EUR","email":"ada@example.com"}`)
			if a.status != 201 {
				t.Fatalf("create cart: %d %s", a.status, a.body)
			}
			c := a.json(t)
			id := c["id"].(string)
			if !strings.HasPrefix(id, "cart_") || len(c["items"].([]any)) != 0 || c["totals"].(map[string]any)["total"].(map[string]any)["currency"] != "EUR" {
				t.Fatalf("cart %s", a.body)
			}
			// The pricing read model follows the catalog within moments.
			add := `{"variant_id":"` + vid + `","quantity":2}`
			if a = addItem(t, srv, id, add); a.status != 200 {
				t.Fatalf("add item: %d %s", a.status, a.body)
			}
			total := func(a answer, key string) float64 {
				t.Helper()
				return a.json(t)["totals"].(map[string]any)[key].(map[string]any)["amount"].(float64)
			}
			if total(a, "subtotal") != 239800 || total(a, "total") != 239800 || total(a, "tax") != 0 {
				t.Fatalf("totals without address: %s", a.body)
			}
			item := a.json(t)["items"].([]any)[0].(map[string]any)
			itemID := item["id"].(string)
			if item["sku"] != "WDT-180" || item["title"] != "Walnut dining table" || item["variant_title"] != "180 cm" {
				t.Fatalf("item %v", item)
			}
			if a := call(t, srv, "POST", "/store/carts/"+id+"/items", `{"sku":"WDT-180","quantity":2}`); a.status != 409 || a.json(t)["code"] != "out_of_stock" {
				t.Fatalf("over stock: %d %s", a.status, a.body)
			}
			for _, bad := range []string{`{"variant_id":"` + vid + `","quantity":0}`, `{"variant_id":"` + vid + `","quantity":-1}`, `{"variant_id":"` + vid + `","quantity":1000000}`} {
				if a := call(t, srv, "POST", "/store/carts/"+id+"/items", bad); a.status != 400 {
					t.Fatalf("%s: %d %s", bad, a.status, a.body)
				}
			}
			if a := call(t, srv, "POST", "/store/carts/"+id+"/items", `{"variant_id":"var_01J00000000000000000000000","quantity":1}`); a.status != 404 || a.json(t)["code"] != "unknown_variant" {
				t.Fatalf("unknown variant: %d %s", a.status, a.body)
			}
			a = call(t, srv, "PATCH", "/store/carts/"+id, `{"shipping_address":{"name":"Ada","line1":"Hauptstr. 1","city":"Berlin","postal_code":"10115","country":"DE"}}`)
			if a.status != 200 || total(a, "tax") != 45562 || total(a, "total") != 285362 {
				t.Fatalf("taxed: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "POST", "/admin/carts/"+id+"/shipping-method", `{"option_id":"so_x","name":"Truck","amount":{"amount":5000,"currency":"EUR"}}`); a.status != 401 {
				t.Fatalf("shipping method without key: %d", a.status)
			}
			a = call(t, srv, "POST", "/admin/carts/"+id+"/shipping-method", `{"option_id":"so_x","name":"Truck","amount":{"amount":5000,"currency":"EUR"}}`, auth...)
			if a.status != 200 || total(a, "shipping") != 5000 || total(a, "tax") != 46512 || total(a, "total") != 291312 {
				t.Fatalf("shipping: %d %s", a.status, a.body)
			}
			a = call(t, srv, "PATCH", "/store/carts/"+id+"/items/"+itemID, `{"quantity":1}`)
			if a.status != 200 || total(a, "subtotal") != 119900 {
				t.Fatalf("update item: %d %s", a.status, a.body)
			}
			a = call(t, srv, "DELETE", "/store/carts/"+id+"/items/"+itemID, "")
			if a.status != 200 || len(a.json(t)["items"].([]any)) != 0 {
				t.Fatalf("remove item: %d %s", a.status, a.body)
			}
			a = call(t, srv, "GET", "/store/carts/"+id, "")
			if a.status != 200 || a.json(t)["version"].(float64) != 6 {
				t.Fatalf("get: %d %s", a.status, a.body)
			}
			spec := call(t, srv, "GET", "/openapi.json", "").json(t)["paths"].(map[string]any)
			for _, p := range []string{"/store/carts", "/store/carts/{id}", "/store/carts/{id}/items", "/store/carts/{id}/items/{item_id}", "/admin/carts/{id}"} {
				if spec[p] == nil {
					t.Errorf("openapi.json lacks %s", p)
				}
			}
		})
	}
}

// TestCartChannel: a cart made with a publishable key is in that key's
// sales channel, and only products of that channel can go into it.
func TestCartChannel(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	admin := []string{"Authorization", "Bearer " + testKey}
	body := strings.Replace(walnut, `"status":"published",`, `"status":"published","channels":["wholesale"],`, 1)
	if a := call(t, srv, "POST", "/admin/products", body, admin...); a.status != 201 {
		t.Fatalf("product: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", `{"on_hand":5}`, admin...); a.status != 200 {
		t.Fatalf("stock: %d %s", a.status, a.body)
	}
	pk := call(t, srv, "POST", "/admin/publishable-keys", `{"channel":"wholesale","name":"B2B"}`, admin...).json(t)["key"].(string)
	b2b := []string{"X-Publishable-Key", pk}
	a := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`, b2b...)
	if a.status != 201 || a.json(t)["channel"] != "wholesale" {
		t.Fatalf("cart with a publishable key: %d %s", a.status, a.body)
	}
	wholesale := a.json(t)["id"].(string)
	retail := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`).json(t)["id"].(string)
	if a := addItem(t, srv, wholesale, `{"sku":"WDT-180","quantity":1}`, b2b...); a.status != 200 {
		t.Fatalf("add to the wholesale cart: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "POST", "/store/carts/"+retail+"/items", `{"sku":"WDT-180","quantity":1}`); a.status != 409 || a.json(t)["code"] != "not_purchasable" {
		t.Fatalf("a wholesale product in a default-channel cart: %d %s", a.status, a.body)
	}
}
