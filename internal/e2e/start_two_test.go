package e2e

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory/inventorytest"
)

// TestConcurrentStartsOnPostgres starts two `agora serve` processes at the
// same moment on one PostgreSQL schema that is already migrated, ten times:
// every start succeeds (README: concurrent starts are safe). Every schema
// change a start makes is a migration, run under the migration lock: two
// sessions running the same DDL at once fail on PostgreSQL with "tuple
// concurrently updated".
func TestConcurrentStartsOnPostgres(t *testing.T) {
	natsURL := os.Getenv("AGORA_TEST_NATS_URL")
	if os.Getenv(inventorytest.PostgresEnv) == "" || natsURL == "" {
		t.Skipf("set %s and AGORA_TEST_NATS_URL to start two processes on one PostgreSQL and one NATS", inventorytest.PostgresEnv)
	}
	bin := binary(t)
	_, pgURL := inventorytest.MustOpenPostgresURL(t) // a fresh schema, dropped at the end
	ns := fmt.Sprintf("e2e%d", time.Now().UnixNano())
	shared := []string{"--postgres-url", pgURL, "--nats-url", natsURL, "--nats-namespace", ns}
	// The first start migrates the schema.
	first := start(t, t.TempDir(), shared...)
	stop(t, first)

	const pairs = 10
	for i := range pairs {
		var wg sync.WaitGroup
		procs := make([]*proc, 2)
		errs := make([]error, 2)
		for j := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				procs[j], errs[j] = launch(t, bin, 20*time.Second, t.TempDir(), shared...)
			}()
		}
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				t.Fatalf("pair %d, process %d: %v", i, j, tail(err.Error(), 30))
			}
		}
		for _, p := range procs {
			stop(t, p)
		}
	}
}

// stop kills p and waits until it has exited.
func stop(t *testing.T, p *proc) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatalf("agora at %s did not exit after SIGKILL", p.addr)
	}
}
