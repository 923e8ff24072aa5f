package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/customer/customermod"
)

// TestCustomersEndToEnd walks the Customers contract of API.md on the real
// app: registration, login, the session on store routes, carts that belong
// to their customer (404 for anybody else), logout, throttled logins,
// password reset through the mail folder, and the admin side with privacy
// export and erasure.
func TestCustomersEndToEnd(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	_, srv := startApp(t, cfg)
	admin := []string{"Authorization", "Bearer " + testKey}
	const pw = "correct horse battery"

	a := call(t, srv, "POST", "/store/customers", `{"email":"Ada@Example.com","password":"`+pw+`","first_name":"Ada"}`)
	if a.status != 201 || strings.Contains(string(a.body), pw) || strings.Contains(string(a.body), "argon2") {
		t.Fatalf("register: %d %s", a.status, a.body)
	}
	ada := a.json(t)["id"].(string)
	if a := call(t, srv, "POST", "/store/customers", `{"email":"ada@example.com","password":"`+pw+`"}`); a.status != 409 || a.json(t)["code"] != "email_taken" {
		t.Fatalf("second registration: %d %s", a.status, a.body)
	}
	for _, bad := range []string{`{"email":"x@example.com","password":"short"}`, `{"email":"nope","password":"` + pw + `"}`,
		`{"email":"x@example.com","password":"` + pw + `","role":"owner"}`, `{"email":"x@example.com","password":"` + pw + `","id":"cus_x"}`} {
		if a := call(t, srv, "POST", "/store/customers", bad); a.status != 400 {
			t.Fatalf("%s: %d %s", bad, a.status, a.body)
		}
	}
	if a := call(t, srv, "POST", "/store/customers", `{"email":"bob@example.com","password":"`+pw+`"}`); a.status != 201 {
		t.Fatalf("register bob: %d %s", a.status, a.body)
	}

	login := func(email, password string) answer {
		return call(t, srv, "POST", "/store/sessions", `{"email":"`+email+`","password":"`+password+`"}`)
	}
	a = login("ada@example.com", pw)
	if a.status != 201 {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	adaTok := a.json(t)["token"].(string)
	if a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a session answer must not be stored: Cache-Control %q", a.header.Get("Cache-Control"))
	}
	// With an Idempotency-Key, the stored copy of the answer keeps no
	// token: a replay gets it redacted, and no second session.
	body := `{"email":"bob@example.com","password":"` + pw + `"}`
	first := call(t, srv, "POST", "/store/sessions", body, "Idempotency-Key", "login-1")
	replay := call(t, srv, "POST", "/store/sessions", body, "Idempotency-Key", "login-1")
	if first.status != 201 || replay.status != 201 || replay.json(t)["token"] != "[redacted]" || replay.json(t)["id"] != first.json(t)["id"] {
		t.Fatalf("login replay: %d %s / %d %s", first.status, first.body, replay.status, replay.body)
	}
	bobTok := login("bob@example.com", pw).json(t)["token"].(string)
	asAda := []string{"Authorization", "Bearer " + adaTok}
	asBob := []string{"Authorization", "Bearer " + bobTok}

	wrong, unknown := login("ada@example.com", "not the password"), login("nobody@example.com", pw)
	if wrong.status != 401 || unknown.status != 401 || wrong.json(t)["code"] != unknown.json(t)["code"] || wrong.json(t)["detail"] != unknown.json(t)["detail"] {
		t.Fatalf("wrong password %d %s / unknown email %d %s: must be the same 401", wrong.status, wrong.body, unknown.status, unknown.body)
	}

	if a := call(t, srv, "GET", "/store/customers/me", "", asAda...); a.status != 200 || a.json(t)["id"] != ada {
		t.Fatalf("me: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/store/customers/me", ""); a.status != 401 {
		t.Fatalf("me as a guest: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/store/customers/me", "", "Authorization", "Bearer cus_sess_forged"); a.status != 401 || a.json(t)["code"] != "invalid_session" {
		t.Fatalf("me with a forged session: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "PATCH", "/store/customers/me", `{"last_name":"Lovelace"}`, asAda...); a.status != 200 || a.json(t)["last_name"] != "Lovelace" {
		t.Fatalf("update me: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "PATCH", "/store/customers/me", `{"email":"evil@example.com"}`, asAda...); a.status != 400 {
		t.Fatalf("changing the email through PATCH must be refused: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/admin/customers/"+ada, "", asAda...); a.status != 401 {
		t.Fatalf("a customer session on an admin route: %d %s", a.status, a.body)
	}

	// Carts belong to their customer.
	a = call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`, asAda...)
	if a.status != 201 || a.json(t)["customer_id"] != ada {
		t.Fatalf("cart with a session: %d %s", a.status, a.body)
	}
	adaCart := a.json(t)["id"].(string)
	for who, h := range map[string][]string{"bob": asBob, "a guest": nil} {
		if a := call(t, srv, "GET", "/store/carts/"+adaCart, "", h...); a.status != 404 || a.json(t)["code"] != "not_found" {
			t.Fatalf("%s reads ada's cart: %d %s", who, a.status, a.body)
		}
		if a := call(t, srv, "PATCH", "/store/carts/"+adaCart, `{"email":"x@example.com"}`, h...); a.status != 404 {
			t.Fatalf("%s changes ada's cart: %d %s", who, a.status, a.body)
		}
		if a := call(t, srv, "POST", "/store/carts/"+adaCart+"/checkout", `{"email":"x@example.com","shipping_address":{"name":"X","line1":"1","city":"Y","postal_code":"1","country":"US"},"payment":{"provider":"test","token":"tok_visa"}}`, h...); a.status != 404 {
			t.Fatalf("%s checks out ada's cart: %d %s", who, a.status, a.body)
		}
	}
	if a := call(t, srv, "GET", "/store/carts/"+adaCart, "", asAda...); a.status != 200 {
		t.Fatalf("ada reads her cart: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/admin/carts/"+adaCart, "", admin...); a.status != 200 {
		t.Fatalf("staff read ada's cart: %d %s", a.status, a.body)
	}
	guest := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`).json(t)["id"].(string)
	if a := call(t, srv, "GET", "/store/carts/"+guest, "", asBob...); a.status != 200 {
		t.Fatalf("a guest cart by its id: %d %s", a.status, a.body)
	}

	// Logout ends the session at once.
	if a := call(t, srv, "DELETE", "/store/sessions/current", "", asBob...); a.status != 204 {
		t.Fatalf("logout: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/store/customers/me", "", asBob...); a.status != 401 {
		t.Fatalf("after logout: %d %s", a.status, a.body)
	}

	// Password reset: the token goes to the mail folder, never to the log.
	if a := call(t, srv, "POST", "/store/password-resets", `{"email":"ada@example.com"}`); a.status != 202 {
		t.Fatalf("reset request: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "POST", "/store/password-resets", `{"email":"nobody@example.com"}`); a.status != 202 {
		t.Fatalf("reset request for an unknown email: %d %s", a.status, a.body)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.DataDir, customermod.MailDir, "*-password-reset.txt"))
	if len(files) != 1 {
		t.Fatalf("%d reset messages, want 1", len(files))
	}
	msg, _ := os.ReadFile(files[0])
	i := strings.Index(string(msg), "cus_reset_")
	if i < 0 {
		t.Fatalf("no token in %s", msg)
	}
	token := strings.TrimSpace(string(msg)[i:])
	if a := call(t, srv, "POST", "/store/password-resets/confirm", `{"token":"`+token+`","new_password":"a new passphrase"}`); a.status != 204 {
		t.Fatalf("reset: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/store/customers/me", "", asAda...); a.status != 401 {
		t.Fatalf("a reset must end every session: %d %s", a.status, a.body)
	}
	if a := login("ada@example.com", "a new passphrase"); a.status != 201 {
		t.Fatalf("login with the new password: %d %s", a.status, a.body)
	}

	// Repeated failures are throttled with Retry-After.
	var last answer
	for range 8 {
		if last = login("bob@example.com", "not bob's password"); last.status == 429 {
			break
		}
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" || last.json(t)["code"] != "rate_limited" {
		t.Fatalf("throttling: %d %v %s", last.status, last.header, last.body)
	}

	// Orders: a customer's checkout is theirs to read and list; nobody
	// else's.
	adaTok = login("ada@example.com", "a new passphrase").json(t)["token"].(string)
	asAda = []string{"Authorization", "Bearer " + adaTok}
	call(t, srv, "POST", "/store/customers", `{"email":"carol@example.com","password":"`+pw+`"}`)
	asBob = []string{"Authorization", "Bearer " + login("carol@example.com", pw).json(t)["token"].(string)} // bob is throttled
	if a := call(t, srv, "POST", "/admin/products", walnut, admin...); a.status != 201 {
		t.Fatalf("product: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", `{"on_hand":5}`, admin...); a.status != 200 {
		t.Fatalf("stock: %d %s", a.status, a.body)
	}
	cartID := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`, asAda...).json(t)["id"].(string)
	if a := addItem(t, srv, cartID, `{"sku":"WDT-180","quantity":1}`, asAda...); a.status != 200 {
		t.Fatalf("add item: %d %s", a.status, a.body)
	}
	a = call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", `{"email":"ada@example.com","shipping_address":{"name":"Ada Lovelace","line1":"12 St James's Square","city":"London","postal_code":"SW1Y 4JH","country":"GB"},"payment":{"provider":"test","token":"tok_visa"}}`, asAda...)
	if a.status != 201 {
		t.Fatalf("checkout: %d %s", a.status, a.body)
	}
	ord := a.json(t)["order"].(map[string]any)
	orderID := ord["id"].(string)
	if ord["customer_id"] != ada {
		t.Fatalf("order of a customer's cart: %s", a.body)
	}
	if a := call(t, srv, "GET", "/store/orders/"+orderID, "", asAda...); a.status != 200 {
		t.Fatalf("ada reads her order with her session: %d %s", a.status, a.body)
	}
	for who, h := range map[string][]string{"bob": asBob, "a guest": nil} {
		if a := call(t, srv, "GET", "/store/orders/"+orderID, "", h...); a.status != 404 {
			t.Fatalf("%s reads ada's order: %d %s", who, a.status, a.body)
		}
	}
	if a := call(t, srv, "GET", "/store/customers/me/orders", "", asAda...); a.status != 200 || len(a.json(t)["data"].([]any)) != 1 {
		t.Fatalf("my orders: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/store/customers/me/orders", "", asBob...); a.status != 200 || len(a.json(t)["data"].([]any)) != 0 {
		t.Fatalf("bob's orders: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/store/customers/me/orders", ""); a.status != 401 {
		t.Fatalf("a guest's orders: %d %s", a.status, a.body)
	}

	// Price lists for a customer group apply to the carts of its members.
	if a := call(t, srv, "POST", "/admin/customer-groups", `{"code":"trade","name":"Trade"}`, admin...); a.status != 201 {
		t.Fatalf("group: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "PUT", "/admin/customers/"+ada+"/groups", `{"groups":["trade"]}`, admin...); a.status != 200 {
		t.Fatalf("set groups: %d %s", a.status, a.body)
	}
	vid := call(t, srv, "GET", "/store/products/walnut-dining-table?currency=USD", "").json(t)["variants"].([]any)[0].(map[string]any)["id"].(string)
	if a := call(t, srv, "POST", "/admin/price-lists", `{"name":"Trade","currency":"USD","customer_group":"trade","prices":[{"variant_id":"`+vid+`","amount":99900}]}`, admin...); a.status != 201 {
		t.Fatalf("price list: %d %s", a.status, a.body)
	}
	unit := func(h []string) float64 {
		t.Helper()
		c := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`, h...).json(t)["id"].(string)
		a := addItem(t, srv, c, `{"variant_id":"`+vid+`","quantity":1}`, h...)
		if a.status != 200 {
			t.Fatalf("add: %d %s", a.status, a.body)
		}
		return a.json(t)["items"].([]any)[0].(map[string]any)["unit_price"].(map[string]any)["amount"].(float64)
	}
	if got := unit(asAda); got != 99900 {
		t.Fatalf("a trade customer's cart: unit price %v, want the trade price", got)
	}
	if got := unit(nil); got != 129900 {
		t.Fatalf("a guest's cart: unit price %v, want the list price", got)
	}
	if got := unit(asBob); got != 129900 {
		t.Fatalf("another customer's cart: unit price %v, want the list price", got)
	}

	// Staff side: list, export, erase.
	if a := call(t, srv, "GET", "/admin/customers?email=ada@example.com", "", admin...); a.status != 200 || len(a.json(t)["data"].([]any)) != 1 {
		t.Fatalf("admin list: %d %s", a.status, a.body)
	}
	a = call(t, srv, "POST", "/admin/customers/"+ada+"/export", "", admin...)
	if a.status != 200 || a.json(t)["customer"].(map[string]any)["email"] != "ada@example.com" || strings.Contains(string(a.body), "cus_sess_") {
		t.Fatalf("export: %d %s", a.status, a.body)
	}
	if orders := a.json(t)["related"].(map[string]any)["order"].([]any); len(orders) != 1 || orders[0].(map[string]any)["id"] != orderID {
		t.Fatalf("the export's orders: %s", a.body)
	}
	a = call(t, srv, "POST", "/admin/customers/"+ada+"/erase", "", admin...)
	if a.status != 200 || a.json(t)["email"] != "" || a.json(t)["erased"] != true {
		t.Fatalf("erase: %d %s", a.status, a.body)
	}
	if a := login("ada@example.com", "a new passphrase"); a.status != 401 {
		t.Fatalf("login after erasure: %d %s", a.status, a.body)
	}
	// The order stays for accounting, without the personal data.
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := call(t, srv, "GET", "/admin/orders/"+orderID, "", admin...)
		o := a.json(t)
		addr := o["shipping_address"].(map[string]any)
		if o["email"] == "" && addr["name"] == "" && addr["line1"] == "" {
			if addr["country"] != "GB" || o["totals"].(map[string]any)["total"].(map[string]any)["amount"].(float64) != 129900 {
				t.Fatalf("erasure removed accounting data: %s", a.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the order still holds personal data after erasure: %s", a.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
