package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/sqldb"
)

var shopClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// shop sends a request with a JSON body and optional header pairs; admin
// adds the admin key.
func shop(addr, method, path, body string, admin bool, header ...string) (int, []byte, error) {
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+adminKey)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := shopClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func mustShop(t *testing.T, addr, method, path, body string, want int, out any) {
	t.Helper()
	status, b, err := shop(addr, method, path, body, true)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v %s", method, path, status, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

type placedOrder struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	PaymentID string `json:"payment_id"`
	// Cancellation is set once a cancel was asked.
	Cancellation *struct {
		Step string `json:"step"`
	} `json:"cancellation"`
	Items []struct {
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	} `json:"items"`
}

const checkoutBody = `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},` +
	`"payment":{"provider":"test","token":"%s"}}`

// cancelLoad cancels every third order placed until stop is closed or the
// process dies; it returns the orders whose cancel was acknowledged.
func cancelLoad(t *testing.T, addr string, placed <-chan string, stop chan struct{}) (canceled []string) {
	for n := 1; ; n++ {
		var id string
		select {
		case <-stop:
			return canceled
		case id = <-placed:
		}
		if n%3 != 0 {
			continue
		}
		status, body, err := shop(addr, "POST", "/admin/orders/"+id+"/cancel", "", true)
		switch {
		case err != nil:
			return canceled // killed
		case status == 200:
			canceled = append(canceled, id)
		default:
			t.Errorf("cancel %s: %d %s", id, status, body)
		}
	}
}

// checkoutLoad has buyers fill carts with one or two of skus and check
// them out until stop is closed; it returns the orders acknowledged with
// 201 and how many checkouts had no answer (cut by the kill).
func checkoutLoad(t *testing.T, addr string, skus []string, buyers int, stop chan struct{}, count *atomic.Int64, placed chan<- string) (acked []placedOrder, cut int64) {
	var mu sync.Mutex
	var cutN, other atomic.Int64
	var wg sync.WaitGroup
	for b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(b), 7))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, body, err := shop(addr, "POST", "/store/carts", `{"currency":"USD"}`, false)
				if err != nil {
					return // killed
				}
				var c struct {
					ID string `json:"id"`
				}
				if status != 201 || json.Unmarshal(body, &c) != nil {
					other.Add(1)
					continue
				}
				lines := 0
				for _, k := range rng.Perm(len(skus))[:1+rng.IntN(2)] {
					status, _, err := shop(addr, "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":%d}`, skus[k], 1+rng.IntN(2)), false)
					if err != nil {
						return
					}
					if status == 200 {
						lines++
					}
				}
				if lines == 0 {
					continue // sold out
				}
				token := "tok_visa"
				if i%8 == 7 {
					token = "tok_declined"
				}
				status, body, err = shop(addr, "POST", "/store/carts/"+c.ID+"/checkout", fmt.Sprintf(checkoutBody, token), false,
					"Idempotency-Key", fmt.Sprintf("crash-%d-%d", b, i))
				if err != nil {
					cutN.Add(1) // in flight when the process died
					return
				}
				var r struct {
					Order placedOrder `json:"order"`
					Code  string      `json:"code"`
				}
				_ = json.Unmarshal(body, &r)
				switch {
				case status == 201:
					mu.Lock()
					acked = append(acked, r.Order)
					mu.Unlock()
					count.Add(1)
					select {
					case placed <- r.Order.ID:
					default:
					}
				case status == 409 && r.Code == "out_of_stock", status == 402 && token == "tok_declined":
				default:
					other.Add(1)
					t.Errorf("checkout: %d %s", status, body)
				}
			}
		}()
	}
	wg.Wait()
	if n := other.Load(); n > 0 {
		t.Logf("%d carts or checkouts got an unexpected answer", n)
	}
	return acked, cutN.Load()
}

// logOf returns what p wrote so far.
// waitAddable waits until sku can be put in a cart through p (its read
// models have the product); the carts it makes are left to expire.
func waitAddable(t *testing.T, p *proc, sku string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var c struct {
			ID string `json:"id"`
		}
		mustShop(t, p.addr, "POST", "/store/carts", `{"currency":"USD"}`, 201, &c)
		status, body, err := shop(p.addr, "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":1}`, sku), false)
		if err == nil && status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("add %s through %s: %d %v %s", sku, p.addr, status, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func logOf(p *proc) string {
	w := p.cmd.Stderr.(*syncWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return p.log.String()
}

type crashBackend struct {
	name  string
	extra func(t *testing.T) ([]string, func(t *testing.T, data, module string) *sqldb.DB)
}

func crashBackends() []crashBackend {
	return []crashBackend{
		{"sqlite", func(t *testing.T) ([]string, func(t *testing.T, data, module string) *sqldb.DB) {
			return nil, func(t *testing.T, data, module string) *sqldb.DB {
				db, err := sqldb.Open(context.Background(), sqldb.Config{Path: filepath.Join(data, module+".db"), Synchronous: "normal", BusyTimeout: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.Close() })
				return db
			}
		}},
		{"postgres", func(t *testing.T) ([]string, func(t *testing.T, data, module string) *sqldb.DB) {
			if os.Getenv(inventorytest.PostgresEnv) == "" {
				t.Skipf("set %s to run the PostgreSQL variant", inventorytest.PostgresEnv)
			}
			db, pgURL := inventorytest.MustOpenPostgresURL(t) // a fresh schema, dropped at the end
			return []string{"--postgres-url", pgURL}, func(*testing.T, string, string) *sqldb.DB { return db }
		}},
	}
}

// TestCheckoutCrash starts `agora serve` on a fresh store, has buyers run
// concurrent guest checkouts over HTTP for a few seconds, kills the
// process with SIGKILL in the middle, starts it again on the same data
// and checks, once recovery ran: every acknowledged order exists; no
// checkout is left running and no stock is held; for every SKU the units
// sold (initial on_hand − on_hand = committed) are exactly the units of
// the orders, and nothing is oversold; the ledger reconciles; no payment
// is left authorized (or pending) without an order.
func TestCheckoutCrash(t *testing.T) {
	for _, be := range crashBackends() {
		t.Run(be.name, func(t *testing.T) {
			extra, open := be.extra(t)
			data := t.TempDir()
			p := start(t, data, extra...)
			stock := map[string]int64{}
			var skus []string
			for i, n := range []int64{12, 40, 150, 150} {
				title := fmt.Sprintf("crash%d", i)
				if _, status, err := createProduct(p.addr, title); err != nil || status != 201 {
					t.Fatalf("create product: %d %v", status, err)
				}
				sku := "SKU-" + title
				mustShop(t, p.addr, "PUT", "/admin/inventory/"+sku, fmt.Sprintf(`{"on_hand":%d}`, n), 200, nil)
				stock[sku] = n
				skus = append(skus, sku)
			}
			// Carts price through a read model of the catalog: wait for it.
			for _, sku := range skus {
				waitAddable(t, p, sku, 15*time.Second)
			}

			stop := make(chan struct{})
			type result struct {
				acked []placedOrder
				cut   int64
			}
			done := make(chan result)
			var count atomic.Int64
			began := time.Now()
			placed := make(chan string, 4096)
			canceledc := make(chan []string)
			go func() { canceledc <- cancelLoad(t, p.addr, placed, stop) }()
			go func() {
				acked, cut := checkoutLoad(t, p.addr, skus, 16, stop, &count, placed)
				done <- result{acked, cut}
			}()
			// Kill after 2 s of load once 20 checkouts were acknowledged
			// (a loaded machine is slower), and after 10 s in any case.
			for time.Since(began) < 10*time.Second && (time.Since(began) < 2*time.Second || count.Load() < 20) {
				time.Sleep(20 * time.Millisecond)
			}
			loaded := time.Since(began)
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			p.done <- <-p.done // leave the exit for the cleanup
			close(stop)
			res, ackedCancels := <-done, <-canceledc
			if len(res.acked) < 5 {
				t.Fatalf("only %d checkouts were acknowledged before the kill", len(res.acked))
			}

			p2 := start(t, data, extra...)
			if be.name == "postgres" {
				// On PostgreSQL the start pass leaves young checkouts to the
				// periodic one (another process may own them); the killed
				// process owns none, so run a pass now.
				mustShop(t, p2.addr, "POST", "/admin/orders/checkouts/recover?older_than_seconds=0", "", 200, nil)
			}
			// Every acknowledged order exists; every acknowledged cancel holds.
			for _, o := range res.acked {
				var got placedOrder
				mustShop(t, p2.addr, "GET", "/admin/orders/"+o.ID, "", 200, &got)
				if got.Status != "authorized" && got.Status != "canceled" {
					t.Errorf("acknowledged order %s is %s", o.ID, got.Status)
				}
			}
			for _, id := range ackedCancels {
				var got placedOrder
				mustShop(t, p2.addr, "GET", "/admin/orders/"+id, "", 200, &got)
				if got.Status != "canceled" {
					t.Errorf("order %s whose cancel was acknowledged is %s", id, got.Status)
				}
			}
			// All orders, and the units they account for: committed counts
			// every order's units, on_hand lost only those of the orders
			// that stand (a cancel puts them back).
			sold, kept := map[string]int64{}, map[string]int64{}
			orderOfPayment := map[string]placedOrder{}
			orders, canceled := 0, 0
			for cursor := ""; ; {
				var page struct {
					Data       []placedOrder `json:"data"`
					NextCursor *string       `json:"next_cursor"`
				}
				mustShop(t, p2.addr, "GET", "/admin/orders?limit=100&cursor="+cursor, "", 200, &page)
				for _, o := range page.Data {
					orders++
					orderOfPayment[o.PaymentID] = o
					if o.Cancellation != nil && o.Cancellation.Step != "done" {
						t.Errorf("order %s: its cancel is left at step %s after recovery", o.ID, o.Cancellation.Step)
					}
					if o.Status == "canceled" {
						canceled++
					}
					for _, it := range o.Items {
						sold[it.SKU] += it.Quantity
						if o.Status != "canceled" {
							kept[it.SKU] += it.Quantity
						}
					}
				}
				if page.NextCursor == nil {
					break
				}
				cursor = *page.NextCursor
			}
			for _, sku := range skus {
				var tt totals
				mustShop(t, p2.addr, "GET", "/admin/inventory/"+sku, "", 200, &tt)
				got := tt.Totals
				if got.Reserved != 0 || got.OnHand < 0 || got.Committed != sold[sku] || stock[sku]-got.OnHand != kept[sku] {
					t.Errorf("%s: %+v, initial on_hand %d, the orders sold %d and keep %d", sku, got, stock[sku], sold[sku], kept[sku])
				}
			}
			var rep struct {
				OK bool `json:"ok"`
			}
			mustShop(t, p2.addr, "GET", "/admin/inventory/reconcile", "", 200, &rep)
			if !rep.OK {
				t.Errorf("the inventory ledger does not reconcile")
			}
			// No checkout left running, no payment held without an order.
			odb, pdb := open(t, data, "order"), open(t, data, "payment")
			var running int
			if err := odb.Primary().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM order_checkouts WHERE state = 'running'`).Scan(&running); err != nil {
				t.Fatal(err)
			}
			if running != 0 {
				t.Errorf("%d checkouts still running after recovery", running)
			}
			rows, err := pdb.Primary().QueryContext(t.Context(), `SELECT id, status FROM payment_payments`)
			if err != nil {
				t.Fatal(err)
			}
			payments, voided := 0, 0
			for rows.Next() {
				var id, status string
				if err := rows.Scan(&id, &status); err != nil {
					t.Fatal(err)
				}
				payments++
				o, ok := orderOfPayment[id]
				switch {
				case ok && o.Status == "canceled":
					if status != "voided" {
						t.Errorf("payment %s of canceled order %s is %s", id, o.ID, status)
					}
				case ok:
					if status != "authorized" {
						t.Errorf("payment %s of order %s is %s", id, o.ID, status)
					}
				case status == "voided" || status == "failed":
					voided++
				default:
					t.Errorf("payment %s is %s without an order", id, status)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			t.Logf("%d checkouts and %d cancels acknowledged in %v, %d checkouts cut by the kill; after recovery %d orders (%d canceled), %d payments (%d without an order, voided or declined); units sold %v of %v",
				len(res.acked), len(ackedCancels), loaded.Round(time.Millisecond), res.cut, orders, canceled, payments, voided, sold, stock)
			for _, line := range strings.Split(logOf(p2), "\n") {
				if strings.Contains(line, "recovery at start") {
					t.Logf("second process: %s", line)
				}
			}
			if t.Failed() {
				t.Logf("first process:\n%s\nsecond process:\n%s", p.log, logOf(p2))
			}
		})
	}
}
