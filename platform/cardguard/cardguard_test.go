package cardguard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/httpx"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func isCheckout(r *http.Request) bool {
	return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/checkout")
}

// app answers checkouts with the status the token names.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	switch r.Header.Get("X-Token") {
	case "declined":
		httpx.WriteProblem(w, r, errsDeclined())
	case "replay":
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(402)
	default:
		w.WriteHeader(201)
	}
})

func TestBlocksAfterDeclines(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	cfg := cardguard.Config{Declines: 3, Window: 10 * time.Minute, Block: time.Hour}
	g := cardguard.NewMemory(cfg, isCheckout, slog.New(slog.NewJSONHandler(&logs, nil)), reg, c.now)
	var events []cardguard.Blocked
	g.OnBlock = func(_ context.Context, b cardguard.Blocked) { events = append(events, b) }
	h := g.Middleware(app)
	do := func(remote, path, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Token", token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const attacker = "198.51.100.7:1000"
	// Replayed answers and other routes do not count.
	for range 5 {
		do(attacker, "/store/carts/c1/checkout", "replay")
		do(attacker, "/store/carts/c1/items", "declined")
	}
	for i := range 3 {
		if w := do(attacker, "/store/carts/c1/checkout", "declined"); w.Code != 402 {
			t.Fatalf("decline %d answered %d", i, w.Code)
		}
	}
	w := do(attacker, "/store/carts/c2/checkout", "ok")
	if w.Code != 429 || w.Header().Get("Retry-After") != "3600" {
		t.Fatalf("blocked checkout: %d %v %s", w.Code, w.Header(), w.Body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != "client_blocked" {
		t.Errorf("problem %+v, %v", p, err)
	}
	if w := do("198.51.100.8:1000", "/store/carts/c3/checkout", "ok"); w.Code != 201 {
		t.Errorf("another client is blocked too: %d", w.Code)
	}
	if w := do(attacker, "/store/products", "ok"); w.Code != 201 {
		t.Errorf("the block reaches beyond checkout: %d", w.Code)
	}
	if len(events) != 1 || events[0].Client != "198.51.100.7" || events[0].Declines != 3 {
		t.Errorf("events %+v", events)
	}
	if !strings.Contains(logs.String(), `"event":"card_testing"`) || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("no security warning logged: %s", logs.String())
	}
	mfs, _ := reg.Gather()
	seen := map[string]float64{}
	for _, mf := range mfs {
		seen[mf.GetName()] = mf.GetMetric()[0].GetCounter().GetValue()
	}
	if seen["agora_security_events_total"] != 1 || seen["agora_checkout_blocked_total"] != 1 {
		t.Errorf("metrics %v", seen)
	}
	c.add(30 * time.Minute)
	if w := do(attacker, "/store/carts/c2/checkout", "ok"); w.Code != 429 || w.Header().Get("Retry-After") != "1800" {
		t.Errorf("half-way through the block: %d %s", w.Code, w.Header().Get("Retry-After"))
	}
	c.add(31 * time.Minute)
	if w := do(attacker, "/store/carts/c2/checkout", "ok"); w.Code != 201 {
		t.Errorf("after the block: %d", w.Code)
	}
}

func TestSlowDeclinesDoNotBlock(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := cardguard.Config{Declines: 3, Window: 10 * time.Minute, Block: time.Hour}
	g := cardguard.NewMemory(cfg, isCheckout, slog.New(slog.DiscardHandler), nil, c.now)
	h := g.Middleware(app)
	for i := range 20 {
		r := httptest.NewRequest("POST", "/store/carts/c/checkout", nil)
		r.RemoteAddr = "198.51.100.7:1"
		if i%2 == 0 {
			r.Header.Set("X-Token", "declined")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == 429 {
			t.Fatalf("a shopper with a decline every 10 minutes was blocked at request %d", i)
		}
		c.add(5 * time.Minute)
	}
}

func TestOff(t *testing.T) {
	g := cardguard.NewMemory(cardguard.Config{}, isCheckout, slog.New(slog.DiscardHandler), nil, nil)
	h := g.Middleware(app)
	for range 50 {
		r := httptest.NewRequest("POST", "/store/carts/c/checkout", nil)
		r.Header.Set("X-Token", "declined")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 402 {
			t.Fatalf("guard off answered %d", w.Code)
		}
	}
}
