package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/ordersql"
	"github.com/agoracommerce/agora/order/ordersvc"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
)

// TestCheckoutEndToEnd: a cart of the real app is checked out through the
// real cart, inventory and payment modules; a second checkout of it is
// refused, a declined payment keeps nothing, and admins capture and refund.
func TestCheckoutEndToEnd(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			app, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}
			vid := stockedWalnut(t, srv, 3, auth...)
			newCart := func(qty string) string {
				t.Helper()
				a := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`)
				if a.status != 201 {
					t.Fatalf("create cart: %d %s", a.status, a.body)
				}
				id := a.json(t)["id"].(string)
				if a := addItem(t, srv, id, `{"variant_id":"`+vid+`","quantity":`+qty+`}`); a.status != 200 {
					t.Fatalf("add item: %d %s", a.status, a.body)
				}
				return id
			}
			available := func() float64 {
				t.Helper()
				a := call(t, srv, "GET", "/admin/inventory/WDT-180", "", auth...)
				if a.status != 200 {
					t.Fatalf("stock: %d %s", a.status, a.body)
				}
				return a.json(t)["totals"].(map[string]any)["available"].(float64)
			}
			body := func(token string) string {
				return `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},` +
					`"payment":{"provider":"test","token":"` + token + `"}}`
			}
			cartID := newCart("2")
			a := call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", body("tok_visa"), "Idempotency-Key", "chk-1")
			if a.status != 201 {
				t.Fatalf("checkout: %d %s", a.status, a.body)
			}
			res := a.json(t)
			o := res["order"].(map[string]any)
			oid, token := o["id"].(string), res["access_token"].(string)
			total := o["totals"].(map[string]any)["total"].(map[string]any)["amount"].(float64)
			if !strings.HasPrefix(oid, "ord_") || o["status"] != "authorized" || len(o["items"].([]any)) != 1 || total != 259800 || token == "" || o["number"] == "" {
				t.Fatalf("order %s", a.body)
			}
			if got := available(); got != 1 {
				t.Fatalf("available %v after the order, want 1", got)
			}
			if a.header.Get("Cache-Control") != "no-store" {
				t.Errorf("an answer with an access token may be cached: Cache-Control %q", a.header.Get("Cache-Control"))
			}
			// A repeat of the key answers the same order with a new token
			// that reads it too; no copy of either token is stored.
			again := call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", body("tok_visa"), "Idempotency-Key", "chk-1")
			if again.status != 201 || again.json(t)["order"].(map[string]any)["id"] != oid || again.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %s", again.status, again.body)
			}
			token2, _ := again.json(t)["access_token"].(string)
			if token2 == "" || token2 == token {
				t.Fatalf("replay's access token %q (first %q)", token2, token)
			}
			if r := call(t, srv, "GET", "/store/orders/"+oid, "", "Authorization", "Bearer "+token2); r.status != 200 {
				t.Fatalf("read with the replay's token: %d %s", r.status, r.body)
			}
			pdb, err := app.db(t.Context(), "platform")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := pdb.QueryContext(t.Context(), `SELECT body FROM platform_idempotency`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(b, []byte(token)) || bytes.Contains(b, []byte(token2)) {
					t.Fatalf("the idempotency store keeps an access token: %s", b)
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if a := call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", body("tok_visa"), "Idempotency-Key", "chk-2"); a.status != 409 || a.json(t)["code"] != "cart_completed" {
				t.Fatalf("second checkout: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "GET", "/store/orders/"+oid, "", "Authorization", "Bearer "+token); a.status != 200 || a.json(t)["id"] != oid {
				t.Fatalf("buyer read: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "GET", "/store/orders/"+oid+"?access_token="+token, ""); a.status != 200 {
				t.Fatalf("buyer read by query: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "GET", "/store/orders/"+oid, ""); a.status != 404 {
				t.Fatalf("read without token: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "GET", "/admin/orders/"+oid, ""); a.status != 401 {
				t.Fatalf("admin read without key: %d", a.status)
			}
			// A declined payment keeps nothing.
			declined := newCart("1")
			if a := call(t, srv, "POST", "/store/carts/"+declined+"/checkout", body("tok_declined"), "Idempotency-Key", "chk-3"); a.status != 402 || a.json(t)["code"] != "payment_declined" {
				t.Fatalf("declined: %d %s", a.status, a.body)
			}
			if got := available(); got != 1 {
				t.Fatalf("available %v after a decline, want 1", got)
			}
			if a := call(t, srv, "POST", "/store/carts/"+declined+"/checkout", strings.Replace(body("tok_visa"), "test", "acme", 1)); a.status != 400 || a.json(t)["code"] != "unknown_provider" {
				t.Fatalf("unknown provider: %d %s", a.status, a.body)
			}
			// Out of stock: nothing charged, nothing kept.
			if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", `{"on_hand":0}`, auth...); a.status != 200 {
				t.Fatalf("stock: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "POST", "/store/carts/"+declined+"/checkout", body("tok_visa")); a.status != 409 || a.json(t)["code"] != "out_of_stock" {
				t.Fatalf("out of stock: %d %s", a.status, a.body)
			}
			// Admin: list, capture, refund.
			a = call(t, srv, "GET", "/admin/orders?status=authorized", "", auth...)
			if a.status != 200 || len(a.json(t)["data"].([]any)) != 1 {
				t.Fatalf("list: %d %s", a.status, a.body)
			}
			// The order's payment is settled through the order only.
			pid := a.json(t)["data"].([]any)[0].(map[string]any)["payment_id"].(string)
			for _, op := range []string{"/capture", "/void"} {
				if a := call(t, srv, "POST", "/admin/payments/"+pid+op, "", auth...); a.status != 409 || a.json(t)["code"] != "payment_owned" {
					t.Fatalf("direct %s of an order's payment: %d %s", op, a.status, a.body)
				}
			}
			if a := call(t, srv, "POST", "/admin/orders/"+oid+"/capture", "", auth...); a.status != 200 || a.json(t)["status"] != "paid" {
				t.Fatalf("capture: %d %s", a.status, a.body)
			}
			a = call(t, srv, "POST", "/admin/orders/"+oid+"/refunds", `{"amount":1000}`, append(auth, "Idempotency-Key", "ref-1")...)
			if a.status != 200 || a.json(t)["status"] != "paid" || a.json(t)["refunded"].(map[string]any)["amount"].(float64) != 1000 {
				t.Fatalf("refund: %d %s", a.status, a.body)
			}
			// Fulfill one unit, then the rest; the buyer sees the fulfillments.
			item := o["items"].([]any)[0].(map[string]any)["id"].(string)
			a = call(t, srv, "POST", "/admin/orders/"+oid+"/fulfillments", `{"items":[{"item_id":"`+item+`","quantity":1}],"tracking_number":"1Z1","carrier":"UPS"}`, auth...)
			if a.status != 201 || a.json(t)["status"] != "partially_fulfilled" {
				t.Fatalf("fulfill one: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "POST", "/admin/orders/"+oid+"/fulfillments", `{"items":[{"item_id":"`+item+`","quantity":2}]}`, auth...); a.status != 409 || a.json(t)["code"] != "fulfillment_exceeds" {
				t.Fatalf("over-fulfill: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "POST", "/admin/orders/"+oid+"/fulfillments", `{}`, auth...); a.status != 201 || a.json(t)["status"] != "fulfilled" {
				t.Fatalf("fulfill the rest: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "GET", "/store/orders/"+oid, "", "Authorization", "Bearer "+token); a.status != 200 || len(a.json(t)["fulfillments"].([]any)) != 2 {
				t.Fatalf("buyer read of the fulfillments: %d %s", a.status, a.body)
			}
			// A canceled order's units go back on hand, with a ledger row.
			if a := call(t, srv, "PUT", "/admin/inventory/WDT-180", `{"on_hand":5}`, auth...); a.status != 200 {
				t.Fatalf("stock: %d %s", a.status, a.body)
			}
			a = call(t, srv, "POST", "/store/carts/"+newCart("2")+"/checkout", body("tok_visa"), "Idempotency-Key", "chk-4")
			if a.status != 201 {
				t.Fatalf("checkout: %d %s", a.status, a.body)
			}
			second := a.json(t)["order"].(map[string]any)["id"].(string)
			if got := available(); got != 3 {
				t.Fatalf("available %v after the second order, want 3", got)
			}
			a = call(t, srv, "POST", "/admin/orders/"+second+"/cancel", "", auth...)
			if a.status != 200 || a.json(t)["status"] != "canceled" || a.json(t)["cancellation"].(map[string]any)["step"] != "done" {
				t.Fatalf("cancel: %d %s", a.status, a.body)
			}
			if got := available(); got != 5 {
				t.Fatalf("available %v after the cancel, want 5", got)
			}
			if a := call(t, srv, "GET", "/admin/inventory/ledger/WDT-180?limit=100", "", auth...); a.status != 200 || !strings.Contains(string(a.body), `"reason":"order_canceled","reference":"`+second+`"`) {
				t.Fatalf("ledger: %d %s", a.status, a.body)
			}
			spec := call(t, srv, "GET", "/openapi.json", "").json(t)["paths"].(map[string]any)
			for _, p := range []string{"/store/carts/{id}/checkout", "/store/orders/{id}", "/admin/orders", "/admin/orders/{id}", "/admin/orders/{id}/capture",
				"/admin/orders/{id}/cancel", "/admin/orders/{id}/refunds", "/admin/orders/{id}/fulfillments", "/admin/payments/{id}"} {
				if spec[p] == nil {
					t.Errorf("openapi.json lacks %s", p)
				}
			}
		})
	}
}

// TestCheckoutRecoveredAtStart: a checkout that died after reserving stock
// and authorizing its payment (its saga log left at create_order) is
// compensated when the app starts again: the stock is available, the
// payment voided, and the cart can be checked out.
func TestCheckoutRecoveredAtStart(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := cfg(t)
			a1, srv1 := startAppNoCleanup(t, c)
			auth := []string{"Authorization", "Bearer " + testKey}
			vid := stockedWalnut(t, srv1, 3, auth...)
			cartID := call(t, srv1, "POST", "/store/carts", `{"currency":"USD"}`).json(t)["id"].(string)
			if a := addItem(t, srv1, cartID, `{"variant_id":"`+vid+`","quantity":2}`); a.status != 200 {
				t.Fatalf("add item: %d %s", a.status, a.body)
			}
			// The saga log and effects of a checkout killed before it created its order.
			inv := mustDep[inventory.Service](t, a1.env, inventory.Module)
			pay := mustDep[payment.Service](t, a1.env, payment.Module)
			db, err := a1.db(ctx, order.Module)
			if err != nil {
				t.Fatal(err)
			}
			st := ordersql.New(db, nil)
			now := time.Now().UTC()
			chk := ordersvc.Checkout{ID: id.New("chk"), CartID: cartID, Step: ordersvc.StepReserve, State: ordersvc.Running, OrderID: id.New("ord"),
				Provider: "test", Lines: []inventory.Line{{SKU: "WDT-180", Quantity: 2}}, Version: 1, CreatedAt: now, UpdatedAt: now}
			chk.Order = order.Order{ID: chk.OrderID, CartID: cartID, Currency: "USD"}
			if err := st.InsertCheckout(ctx, chk); err != nil {
				t.Fatal(err)
			}
			res, err := inv.Reserve(ctx, inventory.ReserveCommand{Reference: chk.ID, Owner: chk.ID, Lines: chk.Lines})
			if err != nil {
				t.Fatal(err)
			}
			p, err := pay.Authorize(ctx, payment.AuthorizeCommand{Key: chk.ID, Provider: "test", Token: "tok_visa", Amount: money.Money{Amount: 259800, Currency: "USD"}})
			if err != nil {
				t.Fatal(err)
			}
			chk.ReservationID, chk.PaymentID, chk.Step, chk.Version = res.ID, p.ID, ordersvc.StepCreateOrder, 2
			if err := st.SaveCheckout(ctx, chk, nil); err != nil {
				t.Fatal(err)
			}
			srv1.Close()
			a1.Stop(ctx)

			_, srv := startApp(t, c)
			if name != "embedded" {
				// On PostgreSQL the start pass only takes checkouts still for a while.
				if a := call(t, srv, "POST", "/admin/orders/checkouts/recover?older_than_seconds=0", "", auth...); a.status != 200 {
					t.Fatalf("recover: %d %s", a.status, a.body)
				}
			}
			a := call(t, srv, "GET", "/admin/inventory/WDT-180", "", auth...)
			if a.status != 200 || a.json(t)["totals"].(map[string]any)["available"].(float64) != 3 {
				t.Fatalf("stock after recovery: %d %s", a.status, a.body)
			}
			if a := call(t, srv, "GET", "/admin/payments/"+p.ID, "", auth...); a.status != 200 || a.json(t)["status"] != "voided" {
				t.Fatalf("payment after recovery: %d %s", a.status, a.body)
			}
			body := `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},` +
				`"payment":{"provider":"test","token":"tok_visa"}}`
			if a := call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", body, "Idempotency-Key", "after-restart"); a.status != 201 {
				t.Fatalf("checkout after recovery: %d %s", a.status, a.body)
			}
		})
	}
}

// TestCheckoutConcurrentEndToEnd: 50 buyers check out at once against 10
// units through the real modules: exactly 10 orders, the rest out of
// stock, and nothing left reserved.
func TestCheckoutConcurrentEndToEnd(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			auth := []string{"Authorization", "Bearer " + testKey}
			vid := stockedWalnut(t, srv, 10, auth...)
			var carts []string
			for range 50 {
				id := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`).json(t)["id"].(string)
				if a := addItem(t, srv, id, `{"variant_id":"`+vid+`","quantity":1}`); a.status != 200 {
					t.Fatalf("add item: %d %s", a.status, a.body)
				}
				carts = append(carts, id)
			}
			body := `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},` +
				`"payment":{"provider":"test","token":"tok_visa"}}`
			statuses := make([]int, len(carts))
			var wg sync.WaitGroup
			for i, id := range carts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("POST", srv.URL+"/store/carts/"+id+"/checkout", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", "k-"+id)
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				}()
			}
			wg.Wait()
			count := map[int]int{}
			for _, s := range statuses {
				count[s]++
			}
			if count[201] != 10 || count[409] != 40 {
				t.Fatalf("answers %v, want 10 × 201 and 40 × 409", count)
			}
			a := call(t, srv, "GET", "/admin/inventory/WDT-180", "", auth...)
			tot := a.json(t)["totals"].(map[string]any)
			if tot["on_hand"].(float64) != 0 || tot["reserved"].(float64) != 0 || tot["committed"].(float64) != 10 {
				t.Fatalf("stock %v", tot)
			}
			a = call(t, srv, "GET", "/admin/orders?limit=100", "", auth...)
			if a.status != 200 || len(a.json(t)["data"].([]any)) != 10 {
				t.Fatalf("orders: %d %s", a.status, a.body)
			}
		})
	}
}
