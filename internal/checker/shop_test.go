package checker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/app"
	"github.com/agoracommerce/agora/internal/checker"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

var (
	histories = flag.Int("checker.histories", 0, "histories per checker test and backend (0: the default, fewer with -short)")
	seedFlag  = flag.Int64("checker.seed", 0, "replay the history of this seed only")
)

const adminKey = "checker-owner-key-0123456789abcdefghij"

// count is the number of histories to run: -checker.histories, or def
// (def/5 with -short).
func count(def int) int {
	switch {
	case *histories > 0:
		return *histories
	case testing.Short():
		return max(def/5, 1)
	}
	return def
}

// seeds returns the seeds of the histories to run, printed by the caller
// of each history on failure.
func seeds(t *testing.T, def int) []int64 {
	if *seedFlag != 0 {
		return []int64{*seedFlag}
	}
	base := time.Now().UnixNano()
	out := make([]int64, count(def))
	for i := range out {
		out[i] = base + int64(i)
	}
	t.Logf("seeds %d … %d", out[0], out[len(out)-1])
	return out
}

// topology is a shop of one or more processes.
type topology struct {
	name  string
	procs int
	pg    bool
}

// topologies are what every checker runs on: one process on SQLite
// always; one and two processes on one PostgreSQL with one NATS when
// AGORA_TEST_POSTGRES_URL and AGORA_TEST_NATS_URL are set.
func topologies(t *testing.T) []topology {
	out := []topology{{name: "sqlite", procs: 1}}
	if os.Getenv("AGORA_TEST_POSTGRES_URL") == "" || os.Getenv("AGORA_TEST_NATS_URL") == "" {
		t.Log("AGORA_TEST_POSTGRES_URL or AGORA_TEST_NATS_URL not set: the PostgreSQL topologies are skipped")
		return out
	}
	return append(out, topology{name: "postgres", procs: 1, pg: true}, topology{name: "postgres-2procs", procs: 2, pg: true})
}

// start starts the topology's processes (Agora apps in this process, each
// with its own server, modules, caches and event consumers) and returns a
// client of them.
func start(t *testing.T, top topology) *checker.Client {
	t.Helper()
	var pgURL, ns string
	if top.pg {
		pgURL = sqldbtest.SchemaURL(t, os.Getenv("AGORA_TEST_POSTGRES_URL"))
		ns = "chk" + random()
	}
	c := &checker.Client{AdminKey: adminKey}
	for range top.procs {
		cfg := app.DefaultConfig()
		cfg.DataDir = t.TempDir()
		cfg.AdminKey = adminKey
		cfg.Addr = "127.0.0.1:0"
		cfg.SQLiteSync = "normal"
		if top.pg {
			cfg.PostgresURL, cfg.NATSURL, cfg.NATSNamespace = pgURL, os.Getenv("AGORA_TEST_NATS_URL"), ns
		}
		a, err := app.New(cfg, slog.New(slog.DiscardHandler), app.Modules())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler())
		t.Cleanup(func() {
			srv.Close()
			a.Stop(context.Background())
		})
		c.URLs = append(c.URLs, srv.URL)
		c.HTTP = srv.Client()
	}
	return c
}

func random() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var products atomic.Int64

// product creates a published product with one variant of sku priced
// price USD, puts onHand units in stock, and waits until every process
// can put it in a cart (pricing follows the catalog through events). It
// returns the variant's id.
func product(t *testing.T, c *checker.Client, sku string, price, onHand int64) string {
	t.Helper()
	n := products.Add(1)
	body := fmt.Sprintf(`{"title":"Checker product %d","handle":"checker-%d-%s","status":"published","category_ids":[],
		"variants":[{"sku":%q,"title":"One","prices":[{"amount":%d,"currency":"USD"}],"manage_inventory":true}]}`, n, n, random(), sku, price)
	var p struct {
		Variants []struct {
			ID string `json:"id"`
		} `json:"variants"`
	}
	c.Must(t, 0, true, "POST", "/admin/products", body, 201, &p)
	c.Must(t, 0, true, "PUT", "/admin/inventory/"+sku, fmt.Sprintf(`{"on_hand":%d}`, onHand), 200, nil)
	vid := p.Variants[0].ID
	for proc := range c.URLs {
		deadline := time.Now().Add(20 * time.Second)
		for {
			cart := newCart(t, c, proc)
			a := c.Do(context.Background(), proc, false, "POST", "/store/carts/"+cart+"/items", `{"variant_id":"`+vid+`","quantity":1}`)
			if a.Status == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("process %d cannot sell %s: %d %s", proc, sku, a.Status, a.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return vid
}

// newCart creates an empty USD cart through process proc.
func newCart(t *testing.T, c *checker.Client, proc int) string {
	t.Helper()
	var cart struct {
		ID string `json:"id"`
	}
	c.Must(t, proc, false, "POST", "/store/carts", `{"currency":"USD"}`, 201, &cart)
	return cart.ID
}

// stock is a SKU's totals.
type stock struct {
	OnHand    int64 `json:"on_hand"`
	Reserved  int64 `json:"reserved"`
	Committed int64 `json:"committed"`
}

func stockOf(t *testing.T, c *checker.Client, sku string) stock {
	t.Helper()
	var s struct {
		Totals stock `json:"totals"`
	}
	c.Must(t, 0, true, "GET", "/admin/inventory/"+sku, "", 200, &s)
	return s.Totals
}

// wantReconciled fails t unless every stock level agrees with the ledger
// and breaks no invariant.
func wantReconciled(t *testing.T, c *checker.Client, seed int64) {
	t.Helper()
	var rep struct {
		OK          bool `json:"ok"`
		Differences []any
		Violations  []any
	}
	c.Must(t, 0, true, "GET", "/admin/inventory/reconcile", "", 200, &rep)
	if !rep.OK {
		t.Fatalf("seed %d: the ledger does not reconcile: %+v", seed, rep)
	}
}

// amount is a money amount in the API's JSON; the currency is USD
// throughout.
type amount struct {
	Amount int64 `json:"amount"`
}

// apiLine is a cart's or an order's line.
type apiLine struct {
	ID        string `json:"id"`
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
	UnitPrice amount `json:"unit_price"`
	Total     amount `json:"total"`
}

// apiTotals are a cart's or an order's totals.
type apiTotals struct {
	Subtotal amount `json:"subtotal"`
	Discount amount `json:"discount"`
	Shipping amount `json:"shipping"`
	Tax      amount `json:"tax"`
	Total    amount `json:"total"`
}

// check returns an error unless t adds up for lines of the given totals:
// subtotal is their sum (the checker's prices exclude tax) and total =
// subtotal + shipping + tax − discount.
func (t apiTotals) check(lines ...int64) error {
	var sum int64
	for _, l := range lines {
		sum += l
	}
	if t.Subtotal.Amount != sum || t.Total.Amount != t.Subtotal.Amount+t.Shipping.Amount+t.Tax.Amount-t.Discount.Amount {
		return fmt.Errorf("totals %+v for lines %v", t, lines)
	}
	return nil
}
