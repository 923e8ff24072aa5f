package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory/inventorytest"
)

const serviceSecret = "e2e-service-secret-of-at-least-32-chars"

// TestSplitModules runs the shop as two processes that do not share
// modules: one runs catalog, customer, pricing, inventory, tax, shipping,
// payment and search; the other runs cart and order and reaches the rest
// through their clients over the internal API (--remote, service tokens).
// A gateway in front routes each operation to the process that serves it.
// A checkout, capture, refund and cancel through the gateway give the same
// money and stock as in one process.
func TestSplitModules(t *testing.T) {
	natsURL := os.Getenv("AGORA_TEST_NATS_URL")
	if os.Getenv(inventorytest.PostgresEnv) == "" || natsURL == "" {
		t.Skipf("set %s and AGORA_TEST_NATS_URL to run the modules apart", inventorytest.PostgresEnv)
	}
	_, pgURL := inventorytest.MustOpenPostgresURL(t)
	ns := fmt.Sprintf("split%d", time.Now().UnixNano())
	shared := []string{"--postgres-url", pgURL, "--nats-url", natsURL, "--nats-namespace", ns, "--service-secret", serviceSecret}
	core := start(t, t.TempDir(), append(shared, "--modules", "catalog,customer,pricing,inventory,tax,shipping,payment,search")...)
	far := "http://" + core.addr
	var remote []string
	for _, m := range []string{"catalog", "customer", "pricing", "inventory", "tax", "payment"} {
		remote = append(remote, m+"="+far)
	}
	checkout := start(t, t.TempDir(), append(shared, "--modules", "cart,order", "--remote", strings.Join(remote, ","))...)
	gw := startGateway(t, "core=http://"+core.addr, "checkout=http://"+checkout.addr)

	// The checkout process runs only what it was told (and access, which
	// guards every process's admin routes).
	var ready struct {
		Modules []string `json:"modules"`
	}
	mustShop(t, checkout.addr, "GET", "/readyz", "", 200, &ready)
	if got := strings.Join(ready.Modules, ","); got != "access,cart,order" {
		t.Errorf("the checkout process runs %s, want access,cart,order", got)
	}
	// The internal API refuses a call without a service token.
	if status, _, _ := shop(core.addr, "GET", "/internal/admin/inventory/SKU-x", "", true); status != 401 {
		t.Errorf("internal API without a service token: %d, want 401", status)
	}

	if _, status, err := createProduct(gw.addr, "apart"); err != nil || status != 201 {
		t.Fatalf("create product: %d %v", status, err)
	}
	const sku = "SKU-apart"
	mustShop(t, gw.addr, "PUT", "/admin/inventory/"+sku, `{"on_hand":10}`, 200, nil)
	// The cart (in the checkout process) prices and checks stock through
	// the core's catalog, pricing and inventory.
	waitAddable(t, gw, sku, 20*time.Second)

	order := func(key string, qty int) placedOrder {
		t.Helper()
		var c struct {
			ID string `json:"id"`
		}
		status, body, err := shop(gw.addr, "POST", "/store/carts", `{"currency":"USD"}`, false)
		if err != nil || status != 201 || json.Unmarshal(body, &c) != nil {
			t.Fatalf("cart: %d %v %s", status, err, body)
		}
		if status, body, err := shop(gw.addr, "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":%d}`, sku, qty), false); err != nil || status != 200 {
			t.Fatalf("add: %d %v %s", status, err, body)
		}
		status, body, err = shop(gw.addr, "POST", "/store/carts/"+c.ID+"/checkout", fmt.Sprintf(checkoutBody, "tok_visa"), false, "Idempotency-Key", key)
		var r struct {
			Order placedOrder `json:"order"`
		}
		if err != nil || status != 201 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("checkout: %d %v %s", status, err, body)
		}
		return r.Order
	}
	a := order("split-a", 2)
	b := order("split-b", 3)

	// Capture and refund a: the order settles its payment in the other
	// process, as its owner.
	var o struct {
		Status string `json:"status"`
		Paid   struct {
			Amount int64 `json:"amount"`
		} `json:"paid"`
		Refunded struct {
			Amount int64 `json:"amount"`
		} `json:"refunded"`
	}
	mustShop(t, gw.addr, "POST", "/admin/orders/"+a.ID+"/capture", "", 200, &o)
	if o.Status != "paid" || o.Paid.Amount == 0 {
		t.Fatalf("capture: %+v", o)
	}
	status, body, err := shop(gw.addr, "POST", "/admin/orders/"+a.ID+"/refunds", `{"amount":500}`, true, "Idempotency-Key", "split-refund")
	if err != nil || status != 200 || json.Unmarshal(body, &o) != nil || o.Refunded.Amount != 500 {
		t.Fatalf("refund: %d %v %s", status, err, body)
	}
	// Cancel b: its payment is voided and its units return.
	mustShop(t, gw.addr, "POST", "/admin/orders/"+b.ID+"/cancel", "", 200, &o)
	if o.Status != "canceled" {
		t.Fatalf("cancel: %+v", o)
	}

	var pay struct {
		Status   string `json:"status"`
		Owner    string `json:"owner"`
		Refunded struct {
			Amount int64 `json:"amount"`
		} `json:"refunded"`
	}
	mustShop(t, core.addr, "GET", "/admin/payments/"+a.PaymentID, "", 200, &pay)
	if pay.Status != "partially_refunded" || pay.Refunded.Amount != 500 || pay.Owner != "order" {
		t.Errorf("payment of a: %+v", pay)
	}
	mustShop(t, core.addr, "GET", "/admin/payments/"+b.PaymentID, "", 200, &pay)
	if pay.Status != "voided" {
		t.Errorf("payment of b: %+v", pay)
	}
	var st struct {
		Totals struct {
			Reserved  int64 `json:"reserved"`
			Available int64 `json:"available"`
		} `json:"totals"`
	}
	mustShop(t, gw.addr, "GET", "/admin/inventory/"+sku, "", 200, &st)
	if st.Totals.Available != 8 || st.Totals.Reserved != 0 {
		t.Errorf("stock after a paid order of 2 and a canceled one of 3: %+v, want 8 available, none reserved", st.Totals)
	}
}
