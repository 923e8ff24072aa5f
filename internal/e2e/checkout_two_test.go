package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory/inventorytest"
)

// TestCheckoutTwoProcesses runs two `agora serve` processes, every module
// in each, on one PostgreSQL schema and one NATS: the deployment of
// several instances behind a load balancer. Hundreds of buyers race for a
// few units, each filling a cart through one process and checking it out
// through the other. Exactly the stock is sold: as many orders as units,
// every other checkout refused with a 4xx and a stable code, nothing
// reserved afterwards, the ledger reconciled, every order's payment
// authorized, and both processes see the same stock.
func TestCheckoutTwoProcesses(t *testing.T) {
	natsURL := os.Getenv("AGORA_TEST_NATS_URL")
	if os.Getenv(inventorytest.PostgresEnv) == "" || natsURL == "" {
		t.Skipf("set %s and AGORA_TEST_NATS_URL to run two processes on one PostgreSQL and one NATS", inventorytest.PostgresEnv)
	}
	_, pgURL := inventorytest.MustOpenPostgresURL(t) // a fresh schema, dropped at the end
	ns := fmt.Sprintf("e2e%d", time.Now().UnixNano())
	shared := []string{"--postgres-url", pgURL, "--nats-url", natsURL, "--nats-namespace", ns}
	// One after the other: the first migrates the schema.
	a := start(t, t.TempDir(), shared...)
	b := start(t, t.TempDir(), shared...)
	procs := []*proc{a, b}

	const units, buyers = 25, 200
	if _, status, err := createProduct(a.addr, "duo"); err != nil || status != 201 {
		t.Fatalf("create product: %d %v", status, err)
	}
	const sku = "SKU-duo"
	mustShop(t, a.addr, "PUT", "/admin/inventory/"+sku, fmt.Sprintf(`{"on_hand":%d}`, units), 200, nil)
	// Both processes price carts through the catalog's events: wait until
	// each can put the product in a cart (those carts are left to expire).
	for _, p := range procs {
		waitAddable(t, p, sku, 20*time.Second)
	}

	var placed, refused atomic.Int64
	var mu sync.Mutex
	codes := map[string]int{}
	orders := map[string]bool{}
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fill, pay := procs[i%2], procs[(i+1)%2]
			var c struct {
				ID string `json:"id"`
			}
			status, body, err := shop(fill.addr, "POST", "/store/carts", `{"currency":"USD"}`, false)
			if err != nil || status != 201 || json.Unmarshal(body, &c) != nil {
				t.Errorf("buyer %d: cart: %d %v %s", i, status, err, body)
				return
			}
			<-startLine
			refuse := func(status int, body []byte) {
				var p struct {
					Code string `json:"code"`
				}
				_ = json.Unmarshal(body, &p)
				if status < 400 || status >= 500 || p.Code == "" {
					t.Errorf("buyer %d: %d %s, want a 4xx with a code or success", i, status, body)
				}
				refused.Add(1)
				mu.Lock()
				codes[fmt.Sprint(status, " ", p.Code)]++
				mu.Unlock()
			}
			status, body, err = shop(fill.addr, "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":1}`, sku), false)
			if err != nil {
				t.Errorf("buyer %d: add: %v", i, err)
				return
			}
			if status != 200 {
				refuse(status, body)
				return
			}
			status, body, err = shop(pay.addr, "POST", "/store/carts/"+c.ID+"/checkout", fmt.Sprintf(checkoutBody, "tok_visa"), false,
				"Idempotency-Key", fmt.Sprint("duo-", i))
			if err != nil {
				t.Errorf("buyer %d: checkout: %v", i, err)
				return
			}
			if status != 201 {
				refuse(status, body)
				return
			}
			var o struct {
				Order placedOrder `json:"order"`
			}
			if err := json.Unmarshal(body, &o); err != nil || o.Order.ID == "" {
				t.Errorf("buyer %d: order answer %.300s", i, body)
				return
			}
			placed.Add(1)
			mu.Lock()
			orders[o.Order.ID] = true
			mu.Unlock()
		}()
	}
	close(startLine)
	wg.Wait()
	t.Logf("%d buyers through two processes: %d orders, %d refused %v", buyers, placed.Load(), refused.Load(), codes)
	if placed.Load() != units {
		t.Errorf("%d orders placed for %d units", placed.Load(), units)
	}

	// Every order stands, seen by both processes, each holding one unit
	// with an authorized payment.
	for id := range orders {
		for _, p := range procs {
			var o placedOrder
			mustShop(t, p.addr, "GET", "/admin/orders/"+id, "", 200, &o)
			if o.Status != "authorized" || len(o.Items) != 1 || o.Items[0].Quantity != 1 {
				t.Errorf("order %s seen by %s: %+v", id, p.addr, o)
			}
			var pay struct {
				Status string `json:"status"`
			}
			mustShop(t, p.addr, "GET", "/admin/payments/"+o.PaymentID, "", 200, &pay)
			if pay.Status != "authorized" {
				t.Errorf("payment %s of order %s is %s", o.PaymentID, id, pay.Status)
			}
		}
	}
	for _, p := range procs {
		var tt totals
		mustShop(t, p.addr, "GET", "/admin/inventory/"+sku, "", 200, &tt)
		if got := tt.Totals; got.Committed != units || got.OnHand != 0 || got.Reserved != 0 || got.Available != 0 {
			t.Errorf("stock seen by %s: %+v, want all %d units committed and none held", p.addr, got, units)
		}
	}
	mustReconcile(t, a)
	if t.Failed() {
		t.Logf("process a:\n%s\nprocess b:\n%s", tail(logOf(a), 40), tail(logOf(b), 40))
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
