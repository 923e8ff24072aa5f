package idem

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/sqldb"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture serves a handler that counts its effects and answers with the
// status named in the X-Status header.
func fixture(t *testing.T, cfg Config) (*Store, http.Handler, *atomic.Int64, *clock) {
	t.Helper()
	db := openDB(t)
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := New(db, cfg, c.now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var effects atomic.Int64
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := effects.Add(1)
		if d := r.Header.Get("X-Delay"); d != "" {
			dur, _ := time.ParseDuration(d)
			time.Sleep(dur)
		}
		status := http.StatusCreated
		if s := r.Header.Get("X-Status"); s != "" {
			status, _ = strconv.Atoi(s)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"effect":%d}`, n)
	}))
	return s, h, &effects, c
}

// openDB opens a migrated database of idempotency keys for t.
func openDB(t *testing.T) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{Path: filepath.Join(t.TempDir(), "p.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, "platform_idem", Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}

func do(h http.Handler, method, path, key, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set(Header, key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestReplayAndConflict(t *testing.T) {
	_, h, effects, _ := fixture(t, DefaultConfig())
	a := do(h, "POST", "/x", "k1", `{"a":1}`)
	b := do(h, "POST", "/x", "k1", `{"a":1}`)
	if a.Code != 201 || b.Code != 201 || a.Body.String() != b.Body.String() || effects.Load() != 1 {
		t.Fatalf("repeat: %d %s / %d %s, effects %d", a.Code, a.Body, b.Code, b.Body, effects.Load())
	}
	if b.Header().Get("Idempotent-Replayed") != "true" {
		t.Error("the replay is not marked")
	}
	if c := do(h, "POST", "/x", "k1", `{"a":2}`); c.Code != 409 || !strings.Contains(c.Body.String(), "idempotency_conflict") {
		t.Fatalf("other body: %d %s", c.Code, c.Body)
	}
	// Same key on another endpoint or from another caller is another key.
	if c := do(h, "POST", "/y", "k1", `{"a":1}`); c.Code != 201 || effects.Load() != 2 {
		t.Fatalf("other path: %d, effects %d", c.Code, effects.Load())
	}
	if c := do(h, "POST", "/x", "k1", `{"a":1}`, "Authorization", "Bearer other"); c.Code != 201 || effects.Load() != 3 {
		t.Fatalf("other caller: %d, effects %d", c.Code, effects.Load())
	}
	// Without a key, or on GET, nothing is remembered.
	do(h, "POST", "/x", "", `{"a":1}`)
	do(h, "POST", "/x", "", `{"a":1}`)
	do(h, "GET", "/x", "k1", "")
	if effects.Load() != 6 {
		t.Fatalf("effects %d, want 6", effects.Load())
	}
}

func TestBadKey(t *testing.T) {
	_, h, effects, _ := fixture(t, DefaultConfig())
	for _, k := range []string{strings.Repeat("k", 256), "has space", "tab\tkey", "ünï"} {
		if r := do(h, "POST", "/x", k, `{}`); r.Code != 400 {
			t.Errorf("key %.20q: %d", k, r.Code)
		}
	}
	if effects.Load() != 0 {
		t.Fatalf("a rejected key ran the handler %d times", effects.Load())
	}
}

func TestFailuresAreNotKept(t *testing.T) {
	_, h, effects, _ := fixture(t, DefaultConfig())
	if r := do(h, "POST", "/x", "k", `{}`, "X-Status", "500"); r.Code != 500 {
		t.Fatalf("first: %d", r.Code)
	}
	if r := do(h, "POST", "/x", "k", `{}`); r.Code != 201 || effects.Load() != 2 {
		t.Fatalf("retry after a 5xx: %d, effects %d", r.Code, effects.Load())
	}
	// A client that left (499) retries: it never saw an answer to replay.
	if r := do(h, "POST", "/x", "k2", `{}`, "X-Status", "499"); r.Code != 499 {
		t.Fatalf("first: %d", r.Code)
	}
	if r := do(h, "POST", "/x", "k2", `{}`); r.Code != 201 || r.Header().Get("Idempotent-Replayed") != "" || effects.Load() != 4 {
		t.Fatalf("retry after a 499: %d %v, effects %d", r.Code, r.Header(), effects.Load())
	}
}

func TestConcurrentDuplicatesRunOnce(t *testing.T) {
	_, h, effects, _ := fixture(t, DefaultConfig())
	var wg sync.WaitGroup
	bodies := make([]string, 12)
	codes := make([]int, 12)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(h, "POST", "/x", "same", `{"a":1}`, "X-Delay", "50ms")
			bodies[i], codes[i] = r.Body.String(), r.Code
		}()
	}
	wg.Wait()
	if effects.Load() != 1 {
		t.Fatalf("%d effects for 12 concurrent duplicates", effects.Load())
	}
	for i := range bodies {
		if codes[i] != 201 || bodies[i] != bodies[0] {
			t.Fatalf("answer %d: %d %s, want 201 %s", i, codes[i], bodies[i], bodies[0])
		}
	}
}

func TestAbandonedClaimAndPurge(t *testing.T) {
	cfg := DefaultConfig()
	s, h, effects, c := fixture(t, cfg)
	ctx := context.Background()
	// A claim whose request died (no answer stored) blocks only until Abandon.
	if _, err := s.claim(ctx, s.scopeOf(httptest.NewRequest("POST", "/x", nil)), "dead", "h"); err != nil {
		t.Fatal(err)
	}
	c.add(cfg.Abandon + time.Second)
	if r := do(h, "POST", "/x", "dead", `{}`); r.Code != 201 || effects.Load() != 1 {
		t.Fatalf("take over: %d %s", r.Code, r.Body)
	}
	c.add(cfg.Keep + time.Hour)
	n, err := s.Purge(ctx)
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
}

// TestRunAgain: a handler that asks to RunAgain leaves no copy of its
// answer (it holds a secret) and runs again on a repeat of its key, once
// the first request is done; another body is still a conflict, and a
// failure it did not mark is replayed as usual.
func TestRunAgain(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := New(db, DefaultConfig(), time.Now, slog.New(slog.DiscardHandler))
	var runs atomic.Int64
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := runs.Add(1)
		if r.Header.Get("X-Fail") != "" {
			w.WriteHeader(http.StatusPaymentRequired)
			fmt.Fprint(w, `{"code":"payment_declined"}`)
			return
		}
		RunAgain(r.Context())
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"order":"ord_1","access_token":"secret-%d"}`, n)
	}))
	first := do(h, "POST", "/checkout", "k1", `{"a":1}`)
	if first.Code != http.StatusCreated || !strings.Contains(first.Body.String(), "secret-1") {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	var stored []byte
	if err := db.QueryRowContext(ctx, `SELECT body FROM platform_idempotency WHERE key = 'k1'`).Scan(&stored); err != nil || len(stored) != 0 {
		t.Fatalf("the store keeps %q (%v), want nothing", stored, err)
	}
	again := do(h, "POST", "/checkout", "k1", `{"a":1}`)
	if again.Code != http.StatusCreated || !strings.Contains(again.Body.String(), "secret-2") || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeat: %d %v %s", again.Code, again.Header(), again.Body)
	}
	if c := do(h, "POST", "/checkout", "k1", `{"a":2}`); c.Code != http.StatusConflict || !strings.Contains(c.Body.String(), "idempotency_conflict") {
		t.Fatalf("another body: %d %s", c.Code, c.Body)
	}
	do(h, "POST", "/checkout", "k2", `{"a":1}`, "X-Fail", "1")
	if r := do(h, "POST", "/checkout", "k2", `{"a":1}`, "X-Fail", "1"); r.Code != http.StatusPaymentRequired || r.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("an unmarked failure is replayed from its copy: %d %v", r.Code, r.Header())
	}
	if n := runs.Load(); n != 3 {
		t.Fatalf("the handler ran %d times, want 3 (twice for k1, once for k2)", n)
	}
}

// TestScopes: a guest (no Authorization) whose route names nothing of its
// own is told apart by its client address, so two guests sending the same
// key and body each get their own answer while a guest's own repeat is
// replayed; a guest's request to its own resource, and a caller with a
// credential, are replayed whatever address the repeat comes from.
func TestScopes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Route = func(r *http.Request) string {
		if strings.HasPrefix(r.URL.Path, "/carts/") {
			return r.Method + " /carts/{id}"
		}
		return r.Method + " " + r.URL.Path
	}
	_, h, effects, _ := fixture(t, cfg)
	from := func(method, path, addr string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(`{"a":1}`))
		req.RemoteAddr = addr + ":5555"
		req.Header.Set(Header, "k1")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	steps := []struct {
		name     string
		rec      *httptest.ResponseRecorder
		replayed bool
	}{
		{"guest A", from("POST", "/carts", "198.51.100.1"), false},
		{"guest B, same key and body", from("POST", "/carts", "198.51.100.2"), false},
		{"guest A again", from("POST", "/carts", "198.51.100.1"), true},
		{"guest B again", from("POST", "/carts", "198.51.100.2"), true},
		{"a guest's own cart", from("POST", "/carts/c1", "198.51.100.1"), false},
		{"its cart from another address", from("POST", "/carts/c1", "203.0.113.9"), true},
		{"a credential", from("POST", "/carts", "198.51.100.1", "Authorization", "Bearer s1"), false},
		{"the credential from another address", from("POST", "/carts", "203.0.113.9", "Authorization", "Bearer s1"), true},
	}
	for _, s := range steps {
		if s.rec.Code != http.StatusCreated || (s.rec.Header().Get("Idempotent-Replayed") == "true") != s.replayed {
			t.Errorf("%s: %d %v, want replayed %v", s.name, s.rec.Code, s.rec.Header(), s.replayed)
		}
	}
	if n := effects.Load(); n != 4 {
		t.Errorf("%d effects, want 4 (A, B, the cart, the credential)", n)
	}
}
