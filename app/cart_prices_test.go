package app

import (
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// unitPriceOf returns the unit price of the cart line of variant vid.
func unitPriceOf(t *testing.T, a answer, vid string) float64 {
	t.Helper()
	for _, it := range a.json(t)["items"].([]any) {
		if it := it.(map[string]any); it["variant_id"] == vid {
			return it["unit_price"].(map[string]any)["amount"].(float64)
		}
	}
	t.Fatalf("no line of %s: %s", vid, a.body)
	return 0
}

// TestCartFollowsPriceChanges: every change of a price — a price list
// created, its prices set (PUT), the list switched off, its window moved,
// the list deleted — is what the very next add to cart charges, though
// pricing's reads are cached.
func TestCartFollowsPriceChanges(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}
			vid := stockedWalnut(t, srv, 1000, auth...)
			cart := call(t, srv, "POST", "/store/carts", `{"currency":"EUR"}`).json(t)["id"].(string)
			add := func(want float64, what string) {
				t.Helper()
				a := addItem(t, srv, cart, `{"variant_id":"`+vid+`","quantity":1}`)
				if a.status != 200 {
					t.Fatalf("%s: add: %d %s", what, a.status, a.body)
				}
				if got := unitPriceOf(t, a, vid); got != want {
					t.Fatalf("%s: unit price %v, want %v", what, got, want)
				}
			}
			add(119900, "catalog price")
			add(119900, "catalog price again")
			pl := call(t, srv, "POST", "/admin/price-lists", `{"name":"Sale","currency":"EUR","prices":[{"variant_id":"`+vid+`","amount":99900}]}`, auth...)
			if pl.status != 201 {
				t.Fatalf("price list: %d %s", pl.status, pl.body)
			}
			list := pl.json(t)["id"].(string)
			add(99900, "price list created")
			if a := call(t, srv, "PUT", "/admin/price-lists/"+list+"/prices", `{"prices":[{"variant_id":"`+vid+`","amount":89900}]}`, auth...); a.status/100 != 2 {
				t.Fatalf("set prices: %d %s", a.status, a.body)
			}
			add(89900, "price set")
			if a := call(t, srv, "PATCH", "/admin/price-lists/"+list, `{"active":false}`, auth...); a.status != 200 {
				t.Fatalf("deactivate: %d %s", a.status, a.body)
			}
			add(119900, "list switched off")
			if a := call(t, srv, "PATCH", "/admin/price-lists/"+list, `{"active":true}`, auth...); a.status != 200 {
				t.Fatalf("activate: %d %s", a.status, a.body)
			}
			add(89900, "list switched on")
			later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			if a := call(t, srv, "PATCH", "/admin/price-lists/"+list, `{"starts_at":"`+later+`"}`, auth...); a.status != 200 {
				t.Fatalf("window: %d %s", a.status, a.body)
			}
			add(119900, "list starts later")
			if a := call(t, srv, "PATCH", "/admin/price-lists/"+list, `{"clear_starts_at":true}`, auth...); a.status != 200 {
				t.Fatalf("window: %d %s", a.status, a.body)
			}
			add(89900, "list starts now")
			if a := call(t, srv, "PUT", "/admin/price-lists/"+list+"/prices", `{"prices":[{"variant_id":"`+vid+`","amount":-1}]}`, auth...); a.status/100 != 2 {
				t.Fatalf("remove price: %d %s", a.status, a.body)
			}
			add(119900, "price removed")
			if a := call(t, srv, "PUT", "/admin/price-lists/"+list+"/prices", `{"prices":[{"variant_id":"`+vid+`","amount":79900}]}`, auth...); a.status/100 != 2 {
				t.Fatalf("set prices: %d %s", a.status, a.body)
			}
			add(79900, "price set again")
			if a := call(t, srv, "DELETE", "/admin/price-lists/"+list, "", auth...); a.status/100 != 2 {
				t.Fatalf("delete: %d %s", a.status, a.body)
			}
			add(119900, "list deleted")
			if got := call(t, srv, "GET", "/store/carts/"+cart, ""); unitPriceOf(t, got, vid) != 119900 {
				t.Fatalf("get: %s", got.body)
			}
		})
	}
}

// TestTwoInstancesCartsAndPrices: two instances of the app on one
// PostgreSQL database and one NATS: a price changed on one is charged by
// the other's next add to cart once the event arrives, and adds to one
// cart alternating between the instances lose nothing, whatever copy of
// the cart each holds.
func TestTwoInstancesCartsAndPrices(t *testing.T) {
	pg, nats := os.Getenv("AGORA_TEST_POSTGRES_URL"), os.Getenv("AGORA_TEST_NATS_URL")
	if pg == "" || nats == "" {
		t.Skip("AGORA_TEST_POSTGRES_URL or AGORA_TEST_NATS_URL not set")
	}
	cfg := backends(t)["postgres+nats"](t)
	_, one := startApp(t, cfg)
	cfg2 := cfg
	cfg2.DataDir = t.TempDir()
	_, two := startApp(t, cfg2)
	auth := []string{"Authorization", "Bearer " + testKey}
	vid := stockedWalnut(t, one, 1000, auth...)
	cart := call(t, one, "POST", "/store/carts", `{"currency":"EUR"}`).json(t)["id"].(string)
	quantity := 0.0
	add := func(srv *httptest.Server) answer {
		t.Helper()
		a := addItem(t, srv, cart, `{"variant_id":"`+vid+`","quantity":1}`)
		if a.status != 200 {
			t.Fatalf("add: %d %s", a.status, a.body)
		}
		quantity++
		if q := a.json(t)["items"].([]any)[0].(map[string]any)["quantity"].(float64); q != quantity {
			t.Fatalf("quantity %v after %v adds: %s", q, quantity, a.body)
		}
		return a
	}
	for range 3 {
		for _, srv := range []*httptest.Server{one, two, two, one} {
			if got := unitPriceOf(t, add(srv), vid); got != 119900 {
				t.Fatalf("unit price %v", got)
			}
		}
	}
	// A price list on one reaches two's cache through the event.
	pl := call(t, one, "POST", "/admin/price-lists", `{"name":"Sale","currency":"EUR","prices":[{"variant_id":"`+vid+`","amount":99900}]}`, auth...)
	if pl.status != 201 {
		t.Fatalf("price list: %d %s", pl.status, pl.body)
	}
	list := pl.json(t)["id"].(string)
	eventually := func(srv *httptest.Server, want float64, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := unitPriceOf(t, add(srv), vid)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: unit price %v, want %v", what, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually(two, 99900, "two after one's price list")
	if a := call(t, two, "PUT", "/admin/price-lists/"+list+"/prices", `{"prices":[{"variant_id":"`+vid+`","amount":89900}]}`, auth...); a.status/100 != 2 {
		t.Fatalf("set prices: %d %s", a.status, a.body)
	}
	if got := unitPriceOf(t, add(two), vid); got != 89900 {
		t.Fatalf("two after its own price: %v", got)
	}
	eventually(one, 89900, "one after two's price")
	if got := call(t, two, "GET", "/store/carts/"+cart, ""); got.json(t)["items"].([]any)[0].(map[string]any)["quantity"].(float64) != quantity {
		t.Fatalf("get: %s", got.body)
	}
}
