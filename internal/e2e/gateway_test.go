package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory/inventorytest"
)

// startGateway runs `agora gateway` in front of upstreams and waits until
// it is ready.
func startGateway(t *testing.T, upstreams ...string) *proc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args := []string{"gateway", "--addr", addr, "--log-format", "text", "--rate-limit", "off", "--rate-limit-key", "off"}
	for _, u := range upstreams {
		args = append(args, "--upstream", u)
	}
	cmd := exec.Command(binary(t), args...)
	p := &proc{cmd: cmd, addr: addr, log: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &syncWriter{w: p.log}, &syncWriter{w: p.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
	}
	t.Fatalf("gateway not ready:\n%s", logOf(p))
	return nil
}

// TestGatewayInFrontOfTwoProcesses: `agora gateway` balances two `agora
// serve` processes on one PostgreSQL and one NATS; when one is killed -9,
// reads and keyed checkouts through the gateway keep succeeding (retried
// on the other), nothing is oversold, and a SIGTERM drains the gateway.
func TestGatewayInFrontOfTwoProcesses(t *testing.T) {
	natsURL := os.Getenv("AGORA_TEST_NATS_URL")
	if os.Getenv(inventorytest.PostgresEnv) == "" || natsURL == "" {
		t.Skipf("set %s and AGORA_TEST_NATS_URL to run processes behind a gateway", inventorytest.PostgresEnv)
	}
	_, pgURL := inventorytest.MustOpenPostgresURL(t)
	ns := fmt.Sprintf("gw%d", time.Now().UnixNano())
	shared := []string{"--postgres-url", pgURL, "--nats-url", natsURL, "--nats-namespace", ns}
	a := start(t, t.TempDir(), shared...)
	b := start(t, t.TempDir(), shared...)
	gw := startGateway(t, "shop=http://"+a.addr+",http://"+b.addr)

	const units = 40
	if _, status, err := createProduct(gw.addr, "gate"); err != nil || status != 201 {
		t.Fatalf("create product through the gateway: %d %v", status, err)
	}
	const sku = "SKU-gate"
	mustShop(t, gw.addr, "PUT", "/admin/inventory/"+sku, fmt.Sprintf(`{"on_hand":%d}`, units), 200, nil)
	for _, p := range []*proc{a, b} {
		waitAddable(t, p, sku, 20*time.Second)
	}

	var placed atomic.Int64
	checkout := func(i int) error {
		status, body, err := shop(gw.addr, "POST", "/store/carts", `{"currency":"USD"}`, false, "Idempotency-Key", fmt.Sprintf("gw-cart-%d", i))
		var c struct {
			ID string `json:"id"`
		}
		if err != nil || status != 201 || json.Unmarshal(body, &c) != nil {
			return fmt.Errorf("cart: %d %v %s", status, err, body)
		}
		status, body, err = shop(gw.addr, "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":1}`, sku), false,
			"Idempotency-Key", fmt.Sprintf("gw-item-%d", i))
		if err != nil || status != 200 {
			return fmt.Errorf("add: %d %v %s", status, err, body)
		}
		status, body, err = shop(gw.addr, "POST", "/store/carts/"+c.ID+"/checkout", fmt.Sprintf(checkoutBody, "tok_visa"), false,
			"Idempotency-Key", fmt.Sprintf("gw-checkout-%d", i))
		if err != nil || status != 201 {
			return fmt.Errorf("checkout: %d %v %s", status, err, body)
		}
		placed.Add(1)
		return nil
	}
	reads := func(n int) (failed int) {
		var wg sync.WaitGroup
		var bad atomic.Int64
		for range n {
			wg.Go(func() {
				status, _, err := shop(gw.addr, "GET", "/store/products/gate", "", false)
				if err != nil || status != 200 {
					bad.Add(1)
				}
			})
		}
		wg.Wait()
		return int(bad.Load())
	}
	for i := range 10 {
		if err := checkout(i); err != nil {
			t.Fatalf("checkout %d before the kill: %v", i, err)
		}
	}
	if n := reads(60); n > 0 {
		t.Fatalf("%d of 60 reads failed before the kill", n)
	}
	_, metrics, _ := shop(gw.addr, "GET", "/metrics", "", false)
	for _, p := range []*proc{a, b} {
		if !strings.Contains(string(metrics), `agora_gateway_upstream_requests_total{class="2xx",instance="`+p.addr+`",pool="shop"}`) {
			t.Errorf("instance %s served nothing through the gateway:\n%s", p.addr, grepLines(string(metrics), "agora_gateway_"))
		}
	}

	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	a.done <- nil // for the cleanup
	if n := reads(60); n > 0 {
		t.Errorf("%d of 60 reads failed after one of two instances was killed", n)
	}
	for i := 10; i < 20; i++ {
		if err := checkout(i); err != nil {
			t.Errorf("checkout %d after the kill: %v", i, err)
		}
	}

	var st struct {
		Totals struct {
			Reserved  int64 `json:"reserved"`
			Committed int64 `json:"committed"`
			Available int64 `json:"available"`
		} `json:"totals"`
	}
	mustShop(t, b.addr, "GET", "/admin/inventory/"+sku, "", 200, &st)
	if stock := st.Totals; stock.Reserved+stock.Committed != placed.Load() || stock.Available != units-placed.Load() {
		t.Errorf("stock %+v for %d orders placed of %d units", stock, placed.Load(), units)
	}
	if placed.Load() != 20 {
		t.Errorf("%d of 20 checkouts placed", placed.Load())
	}

	if err := gw.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-gw.done:
		gw.done <- err
		if err != nil {
			t.Errorf("the gateway did not stop cleanly on SIGTERM: %v\n%s", err, logOf(gw))
		}
	case <-time.After(30 * time.Second):
		t.Errorf("the gateway did not stop within 30 s of SIGTERM")
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
