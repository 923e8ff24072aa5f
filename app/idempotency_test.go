package app

import (
	"testing"
)

// TestGuestIdempotencyScopes: two guests who send the same Idempotency-Key
// with the same body to a route that names nothing of theirs (POST
// /store/carts) get a cart each, never the other's; a guest repeating its
// own request gets the first answer again; a guest's request to its own
// cart is replayed whatever address the repeat comes from.
func TestGuestIdempotencyScopes(t *testing.T) {
	_, srv := startApp(t, securityConfig(t))
	const body = `{"currency":"USD"}`
	create := func(client string) answer {
		t.Helper()
		a := call(t, srv, "POST", "/store/carts", body, append(from(client), "Idempotency-Key", "cart-1")...)
		if a.status != 201 {
			t.Fatalf("create cart from %s: %d %s", client, a.status, a.body)
		}
		return a
	}

	first := create("198.51.100.1")
	cartA := first.json(t)["id"].(string)
	address := `{"email":"ann@example.com","shipping_address":{"name":"Ann","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"}}`
	if a := call(t, srv, "PATCH", "/store/carts/"+cartA, address, append(from("198.51.100.1"), "Idempotency-Key", "upd-1")...); a.status != 200 {
		t.Fatalf("guest A sets its address: %d %s", a.status, a.body)
	}

	other := create("198.51.100.2")
	if other.json(t)["id"] == cartA || other.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("guest B got guest A's cart: %v %s", other.header, other.body)
	}
	if m := other.json(t); m["email"] == "ann@example.com" || m["shipping_address"] != nil {
		t.Fatalf("guest B's cart holds guest A's details: %s", other.body)
	}

	again := create("198.51.100.1")
	if again.json(t)["id"] != cartA || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("guest A's repeat: %v %s, want its cart %s replayed", again.header, again.body, cartA)
	}

	// The cart id in the path is the guest's own: a repeat from another
	// address (a phone that changed networks) is still a replay.
	if a := call(t, srv, "PATCH", "/store/carts/"+cartA, address, append(from("203.0.113.9"), "Idempotency-Key", "upd-1")...); a.status != 200 || a.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("guest A's repeat on its cart from another address: %d %v %s", a.status, a.header, a.body)
	}
}
