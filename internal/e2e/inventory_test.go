package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agoracommerce/agora/app"
	"github.com/agoracommerce/agora/inventory/inventorytest"
)

// inventoryBinary returns the agora binary to run the inventory tests
// with: AGORA_E2E_BINARY when set, else the one built from this tree,
// which must register the inventory module.
func inventoryBinary(t *testing.T) string {
	t.Helper()
	if os.Getenv(inventorytest.PostgresEnv) == "" {
		t.Skipf("multi-process inventory tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", inventorytest.PostgresEnv)
	}
	if bin := os.Getenv("AGORA_E2E_BINARY"); bin != "" {
		return bin
	}
	if !slices.Contains(app.Modules().Names(), "inventory") {
		t.Skip("the inventory module is not registered in app/modules.go")
	}
	return binary(t)
}

// startInventory runs `agora serve --modules inventory` on the PostgreSQL
// database pgURL and waits until it is ready.
func startInventory(t *testing.T, bin, pgURL string) *proc {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", t.TempDir(), "--log-format", "text",
		"--postgres-url", pgURL, "--modules", "inventory")
	cmd.Env = append(os.Environ(), "AGORA_ADMIN_KEY="+adminKey)
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
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("agora exited early: %v\n%s", err, p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("agora not ready in 60 s:\n%s", p.log)
	return nil
}

var invClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

// call sends an admin request and decodes a JSON answer into out.
func call(addr, method, path string, body any, out any) (int, error) {
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path, r)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := invClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode, nil
}

type problem struct {
	Code string `json:"code"`
}

// buy reserves one unit of sku at a time through the processes in turn
// until it is sold out, committing every third reservation through
// another process; it returns the units held. Buyers stop once more than
// limit units are held (an oversell fails the test rather than hanging).
func buy(t *testing.T, procs []*proc, sku string, buyers int, limit int64, stop *atomic.Bool) int64 {
	var held atomic.Int64
	var wg sync.WaitGroup
	for b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; (stop == nil || !stop.Load()) && held.Load() <= limit; i++ {
				p := procs[(b+i)%len(procs)]
				var r struct {
					ID   string `json:"id"`
					Code string `json:"code"`
				}
				status, err := call(p.addr, "POST", "/admin/inventory/reservations",
					map[string]any{"reference": fmt.Sprintf("%s-%d-%d", sku, b, i), "lines": []map[string]any{{"sku": sku, "quantity": 1}}}, &r)
				if err != nil {
					if stop != nil {
						return // the process was killed
					}
					t.Errorf("reserve: %v", err)
					return
				}
				if status == 409 && r.Code == "out_of_stock" {
					return
				}
				if status != 201 {
					if stop != nil {
						return
					}
					t.Errorf("reserve: status %d code %s", status, r.Code)
					return
				}
				held.Add(1)
				if i%3 == 0 {
					other := procs[(b+i+1)%len(procs)]
					if status, err := call(other.addr, "POST", "/admin/inventory/reservations/"+r.ID+"/commit", map[string]any{"order_id": "ord_" + r.ID}, nil); (err != nil || status != 200) && stop == nil {
						t.Errorf("commit through the other process: %d %v", status, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return held.Load()
}

type totals struct {
	Totals struct {
		OnHand    int64 `json:"on_hand"`
		Reserved  int64 `json:"reserved"`
		Committed int64 `json:"committed"`
		Available int64 `json:"available"`
	} `json:"totals"`
}

func mustReconcile(t *testing.T, p *proc) {
	t.Helper()
	var rep map[string]any
	status, err := call(p.addr, "GET", "/admin/inventory/reconcile", nil, &rep)
	if err != nil || status != 200 || rep["ok"] != true {
		b, _ := json.Marshal(rep)
		t.Fatalf("reconcile: %d %v %s", status, err, b)
	}
}

// TestInventoryTwoProcesses runs two `agora serve` processes on one
// fresh PostgreSQL schema and has buyers hammer both over HTTP, committing
// through the process that did not reserve: exactly the stock is sold and
// the ledger reconciles.
func TestInventoryTwoProcesses(t *testing.T) {
	bin := inventoryBinary(t)
	_, pgURL := inventorytest.MustOpenPostgresURL(t)
	a := startInventory(t, bin, pgURL)
	b := startInventory(t, bin, pgURL)
	procs := []*proc{a, b}
	stock := map[string]int64{"E2E-HOT": 2000, "E2E-WARM": 300}
	for sku, n := range stock {
		if status, err := call(a.addr, "PUT", "/admin/inventory/"+sku, map[string]any{"on_hand": n}, nil); err != nil || status != 200 {
			t.Fatalf("PUT %s: %d %v", sku, status, err)
		}
	}
	var wg sync.WaitGroup
	held := map[string]int64{}
	var mu sync.Mutex
	for sku := range stock {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := buy(t, procs, sku, 48, stock[sku], nil)
			mu.Lock()
			held[sku] = h
			mu.Unlock()
		}()
	}
	wg.Wait()
	for sku, n := range stock {
		if held[sku] != n {
			t.Errorf("%s: buyers hold %d units, want exactly %d", sku, held[sku], n)
		}
		for _, p := range procs {
			var tt totals
			if status, err := call(p.addr, "GET", "/admin/inventory/"+sku, nil, &tt); err != nil || status != 200 {
				t.Fatalf("GET %s: %d %v", sku, status, err)
			}
			if got := tt.Totals; got.Reserved+got.Committed != n || got.OnHand+got.Committed != n || got.Available != 0 {
				t.Errorf("%s seen by %s: %+v", sku, p.addr, got)
			}
		}
	}
	mustReconcile(t, a)
	if t.Failed() {
		t.Logf("process a:\n%s\nprocess b:\n%s", a.log, b.log)
	}
}

// TestInventoryKill kills one of two processes with SIGKILL while buyers
// hammer it: no reservation is left half-written (the ledger, the levels
// and the active reservations still agree), and the survivor and a
// restarted process sell exactly the rest.
func TestInventoryKill(t *testing.T) {
	bin := inventoryBinary(t)
	_, pgURL := inventorytest.MustOpenPostgresURL(t)
	a := startInventory(t, bin, pgURL)
	victim := startInventory(t, bin, pgURL)
	const n = 5000
	if status, err := call(a.addr, "PUT", "/admin/inventory/E2E-KILL", map[string]any{"on_hand": n}, nil); err != nil || status != 200 {
		t.Fatalf("PUT: %d %v", status, err)
	}
	var stop atomic.Bool
	done := make(chan int64)
	go func() { done <- buy(t, []*proc{victim}, "E2E-KILL", 32, n, &stop) }()
	time.Sleep(700 * time.Millisecond)
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.done <- <-victim.done // leave the exit for the cleanup
	stop.Store(true)
	if before := <-done; before == 0 || before >= n {
		t.Fatalf("the kill came when %d of %d units were held; it must come mid-sale", before, n)
	}
	mustReconcile(t, a)
	b := startInventory(t, bin, pgURL)
	buy(t, []*proc{a, b}, "E2E-KILL", 16, n, nil)
	var tt totals
	if status, err := call(b.addr, "GET", "/admin/inventory/E2E-KILL", nil, &tt); err != nil || status != 200 {
		t.Fatalf("GET: %d %v", status, err)
	}
	if got := tt.Totals; got.Reserved+got.Committed != n || got.Available != 0 || got.OnHand+got.Committed != n {
		t.Errorf("after the kill and the rest of the sale: %+v, want all %d units held", got, n)
	}
	mustReconcile(t, b)
}
