// Package e2e runs the real agora binary: it builds it, starts it, and
// stops it with SIGTERM or kills it with SIGKILL, to prove what unit tests
// cannot — that a graceful stop fails no in-flight request and that a
// crash loses no acknowledged write.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const adminKey = "e2e-owner-key-0123456789abcdefghijkl"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "agora-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "agora")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/agoracommerce/agora/cmd/agora").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type proc struct {
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
	done chan error
}

// start runs `agora serve` on data and waits until it is ready.
func start(t *testing.T, data string, extra ...string) *proc {
	t.Helper()
	p, err := launch(t, binary(t), 30*time.Second, data, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch runs bin serve on data and waits up to wait until it is ready; an
// error says why not, with the process's log. It may be called from any
// goroutine; the process is killed when the test ends.
func launch(t *testing.T, bin string, wait time.Duration, data string, extra ...string) (*proc, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	args := append([]string{"serve", "--addr", addr, "--data", data, "--log-format", "text"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "AGORA_ADMIN_KEY="+adminKey)
	p := &proc{cmd: cmd, addr: addr, log: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &syncWriter{w: p.log}, &syncWriter{w: p.log}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err // for the cleanup
			return nil, fmt.Errorf("agora exited early: %v\n%s", err, logOf(p))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("agora not ready in %v:\n%s", wait, logOf(p))
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func createProduct(addr, title string) (string, int, error) {
	body := fmt.Sprintf(`{"title":%q,"status":"published","variants":[{"sku":%q,"prices":[{"amount":1000,"currency":"USD"}]}]}`, title, "SKU-"+title)
	req, _ := http.NewRequest("POST", "http://"+addr+"/admin/products", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var p struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&p)
	return p.ID, resp.StatusCode, nil
}

// TestGracefulDrain sends SIGTERM while clients keep the server busy: every
// request that reached the server gets a full answer, and the process exits 0.
func TestGracefulDrain(t *testing.T) {
	data := t.TempDir()
	p := start(t, data, "--demo")
	var ok, refused, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: false, MaxIdleConnsPerHost: 16}}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get("http://" + p.addr + "/store/products?limit=24&currency=USD")
				if err != nil {
					// After the listener closes, new connections are refused
					// or closed before a request is sent: not in flight.
					var op *net.OpError
					if errors.As(err, &op) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server closed idle connection") {
						refused.Add(1)
						continue
					}
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				_, rerr := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || rerr != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("status %d, body error %v", resp.StatusCode, rerr))
					continue
				}
				ok.Add(1)
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	select {
	case exitErr = <-p.done:
		p.done <- exitErr // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatalf("agora did not stop within 30 s of SIGTERM:\n%s", p.log)
	}
	close(stop)
	wg.Wait()
	if exitErr != nil {
		t.Fatalf("agora exited with %v after SIGTERM:\n%s", exitErr, p.log)
	}
	if ok.Load() < 50 {
		t.Fatalf("only %d requests were served before the stop; the test did not load the server", ok.Load())
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d in-flight requests failed during the drain (first: %v)", n, firstFailure.Load())
	}
	t.Logf("served %d requests, %d refused after the stop, 0 failed", ok.Load(), refused.Load())
}

// TestCrashKeepsAcknowledgedWrites kills the process with SIGKILL right
// after writes were acknowledged: after a restart every acknowledged product
// is there, and its event still reaches the bus (the outbox survived).
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	data := t.TempDir()
	p := start(t, data)
	var acked []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id, status, err := createProduct(p.addr, fmt.Sprintf("crash-%d-%d", w, i))
				if err == nil && status == 201 {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1 * time.Second)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p.done <- nil
	cancel()
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(acked))
	}

	p2 := start(t, data)
	for _, id := range acked {
		req, _ := http.NewRequest("GET", "http://"+p2.addr+"/admin/products/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+adminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("acknowledged product %s is gone after the crash (%d)", id, resp.StatusCode)
		}
	}
	// The outbox of the killed process drains after the restart.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + p2.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(b, []byte(`agora_outbox_pending{module="catalog"} 0`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not drain after the restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acked))
}
