package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/gateway"
	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

// securityConfig is an embedded test config whose requests come through a
// "proxy" on loopback, so that X-Forwarded-For names a different client
// per test request, and nothing is exempt.
func securityConfig(t *testing.T) Config {
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	c.AdminKey = testKey
	c.Addr = "127.0.0.1:0"
	c.SQLiteSync = "normal"
	c.Security.RateLimitExempt = nil
	c.Security.TrustedProxies = []string{"127.0.0.1", "::1"}
	return c
}

func from(client string) []string { return []string{"X-Forwarded-For", client} }

// TestRateLimitThroughApp: a client address over its limit gets 429
// rate_limited with Retry-After, other clients and the probes do not; a
// credential has a bucket of its own, whatever address it comes from.
func TestRateLimitThroughApp(t *testing.T) {
	cfg := securityConfig(t)
	cfg.Security.RateLimit = ratelimit.Limit{Events: 5, Period: time.Minute, Burst: 5}
	cfg.Security.KeyRateLimit = ratelimit.Limit{Events: 3, Period: time.Minute, Burst: 3}
	_, srv := startApp(t, cfg)
	for i := range 5 {
		if a := call(t, srv, "GET", "/store/products", "", from("198.51.100.7")...); a.status != 200 {
			t.Fatalf("request %d: %d %s", i, a.status, a.body)
		}
	}
	a := call(t, srv, "GET", "/store/products", "", from("198.51.100.7")...)
	if a.status != 429 || a.json(t)["code"] != "rate_limited" || a.header.Get("Retry-After") != "12" ||
		a.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("over the limit: %d %v %s", a.status, a.header, a.body)
	}
	// Same address, any route (a 404 counts too).
	if a := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`, from("198.51.100.7")...); a.status != 429 {
		t.Errorf("a write from the limited address: %d", a.status)
	}
	if a := call(t, srv, "GET", "/store/products", "", from("198.51.100.8")...); a.status != 200 {
		t.Errorf("another address: %d", a.status)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if a := call(t, srv, "GET", p, "", from("198.51.100.7")...); a.status != 200 {
			t.Errorf("%s from the limited address: %d", p, a.status)
		}
	}
	// Spoofed X-Forwarded-For entries left of the proxy's do not help.
	if a := call(t, srv, "GET", "/store/products", "", "X-Forwarded-For", "10.9.9.9, 198.51.100.7"); a.status != 429 {
		t.Errorf("spoofed left-most address: %d", a.status)
	}
	// The admin key's bucket: three requests from three addresses, then 429.
	for i, want := range []int{200, 200, 200, 429} {
		a := call(t, srv, "GET", "/admin/products", "", "Authorization", "Bearer "+testKey, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
		if a.status != want {
			t.Errorf("admin request %d: %d, want %d (%s)", i, a.status, want, a.body)
		}
	}
	m := call(t, srv, "GET", "/metrics", "")
	if !strings.Contains(string(m.body), `agora_rate_limited_total{limiter="address"}`) ||
		!strings.Contains(string(m.body), `agora_rate_limited_total{limiter="credential"} 1`) {
		t.Errorf("metrics lack the refusals")
	}
}

// TestRateLimitDefaultsLeaveLoopbackAlone: with the default configuration
// a burst far above the per-address limit from loopback (tests, load
// benchmarks, a health checker on the host) is never refused.
func TestRateLimitDefaultsLeaveLoopbackAlone(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	_, srv := startApp(t, cfg)
	for i := range 700 {
		if a := call(t, srv, "GET", "/healthz", ""); a.status != 200 {
			t.Fatalf("request %d: %d", i, a.status)
		}
		if a := call(t, srv, "GET", "/store/nothing", ""); a.status != 404 {
			t.Fatalf("request %d: %d", i, a.status)
		}
	}
}

// TestRateLimitRedisDown: with AGORA_REDIS_URL pointing at nothing, limits
// still hold (in process), no request fails, and the fallback is counted.
func TestRateLimitRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := securityConfig(t)
	cfg.RedisURL = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	cfg.Security.RateLimit = ratelimit.Limit{Events: 3, Period: time.Minute, Burst: 3}
	app, srv := startApp(t, cfg)
	for i, want := range []int{200, 200, 200, 429} {
		if a := call(t, srv, "GET", "/store/products", "", from("198.51.100.9")...); a.status != want {
			t.Errorf("request %d: %d, want %d (%s)", i, a.status, want, a.body)
		}
	}
	// A module's own limiter works the same way.
	login := app.Env().Limiter("login_account", ratelimit.Limit{Events: 1, Period: time.Hour, Burst: 2})
	for i, want := range []bool{true, true, false} {
		d, err := login.AllowN(context.Background(), "ada@example.com", 1)
		if err != nil || d.Allowed != want {
			t.Errorf("login attempt %d: %+v, %v; want allowed=%v", i, d, err, want)
		}
	}
	m := string(call(t, srv, "GET", "/metrics", "").body)
	if !strings.Contains(m, `agora_ratelimit_fallback_total{limiter="address"}`) || !strings.Contains(m, `agora_ratelimit_store_up{limiter="address"} 0`) {
		t.Errorf("fallback not visible in metrics:\n%s", grepLines(m, "ratelimit"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestCardTestingThroughApp: declined checkouts (the test provider's
// tok_declined) from one client address block that client's checkouts
// with 429 client_blocked and Retry-After, publish a security event on the
// bus and count it; other clients still check out.
func TestCardTestingThroughApp(t *testing.T) {
	cfg := securityConfig(t)
	cfg.Security.CardTesting = cardguard.Config{Declines: 3, Window: 10 * time.Minute, Block: 30 * time.Minute}
	a, srv := startApp(t, cfg)

	var mu sync.Mutex
	var got []event.Event
	stop, err := a.Env().Bus.Subscribe(context.Background(), event.Subscription{
		Durable: "security-test", Subjects: []string{event.Subject(gateway.Source, ">")},
		Handler: func(_ context.Context, e event.Event) error {
			mu.Lock()
			got = append(got, e)
			mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	admin := []string{"Authorization", "Bearer " + testKey}
	vid := stockedWalnut(t, srv, 100, admin...)
	newCart := func(client string) string {
		t.Helper()
		c := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`, from(client)...)
		if c.status != 201 {
			t.Fatalf("cart: %d %s", c.status, c.body)
		}
		id := c.json(t)["id"].(string)
		if r := addItem(t, srv, id, `{"variant_id":"`+vid+`","quantity":1}`, from(client)...); r.status != 200 {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		return id
	}
	body := func(token string) string {
		return `{"email":"eve@example.com","shipping_address":{"name":"Eve","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},` +
			`"payment":{"provider":"test","token":"` + token + `"}}`
	}
	checkout := func(client, cart, token, key string) answer {
		return call(t, srv, "POST", "/store/carts/"+cart+"/checkout", body(token), "Idempotency-Key", key, "X-Forwarded-For", client)
	}
	const tester = "198.51.100.66"
	cart := newCart(tester)
	for i := range 3 {
		if r := checkout(tester, cart, "tok_declined", fmt.Sprint("decl-", i)); r.status != 402 || r.json(t)["code"] != "payment_declined" {
			t.Fatalf("decline %d: %d %s", i, r.status, r.body)
		}
		if i == 0 {
			// A replay of the same key is one decline, not two.
			if r := checkout(tester, cart, "tok_declined", "decl-0"); r.status != 402 || r.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %v", r.status, r.header)
			}
		}
	}
	r := checkout(tester, cart, "tok_visa", "good-1")
	if r.status != 429 || r.json(t)["code"] != "client_blocked" || r.header.Get("Retry-After") != "1800" {
		t.Fatalf("after 3 declines: %d %v %s", r.status, r.header, r.body)
	}
	// The tester can still browse; an honest shopper still checks out.
	if r := call(t, srv, "GET", "/store/carts/"+cart, "", from(tester)...); r.status != 200 {
		t.Errorf("browsing while blocked: %d", r.status)
	}
	const shopper = "198.51.100.77"
	if r := checkout(shopper, newCart(shopper), "tok_visa", "shopper-1"); r.status != 201 {
		t.Errorf("another client's checkout: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != gateway.EventClientBlocked || got[0].Subject != tester {
		t.Fatalf("security events on the bus: %+v", got)
	}
	var b cardguard.Blocked
	if err := got[0].Decode(&b); err != nil || b.Client != tester || b.Declines != 3 {
		t.Errorf("event data %+v, %v", b, err)
	}
	m := string(call(t, srv, "GET", "/metrics", "").body)
	if !strings.Contains(m, `agora_security_events_total{event="card_testing"} 1`) || !strings.Contains(m, "agora_checkout_blocked_total 1") {
		t.Errorf("metrics:\n%s", grepLines(m, "security"))
	}

	// An operator looks the tester up and lifts the block; the tester's
	// declines are forgotten too, and the change is in the audit log.
	blk := call(t, srv, "GET", "/admin/security/blocks/"+tester, "", admin...)
	if blk.status != 200 || blk.json(t)["blocked"] != true || blk.json(t)["retry_after_seconds"] != float64(1800) || blk.json(t)["client"] != tester {
		t.Fatalf("block lookup: %d %s", blk.status, blk.body)
	}
	if r := call(t, srv, "GET", "/admin/security/blocks/"+shopper, "", admin...); r.status != 200 || r.json(t)["blocked"] != false {
		t.Errorf("an unblocked client: %d %s", r.status, r.body)
	}
	if r := call(t, srv, "GET", "/admin/security/blocks/2001:db8::1:2", "", admin...); r.status != 200 || r.json(t)["client"] != "2001:db8::/64" {
		t.Errorf("an IPv6 address is counted by its /64: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"not-an-ip", "198.51.100.300", "fe80::1%25eth0"} {
		if r := call(t, srv, "GET", "/admin/security/blocks/"+bad, "", admin...); r.status != 400 || r.json(t)["code"] != "invalid_address" {
			t.Errorf("address %q: %d %s", bad, r.status, r.body)
		}
	}
	if r := call(t, srv, "DELETE", "/admin/security/blocks/"+tester, "", admin...); r.status != 200 || r.json(t)["blocked"] != false {
		t.Fatalf("lift: %d %s", r.status, r.body)
	}
	if r := checkout(tester, cart, "tok_visa", "good-2"); r.status != 201 {
		t.Fatalf("checkout after the block was lifted: %d %s", r.status, r.body)
	}
	// A fresh count: two more declines do not block again (three do).
	cart = newCart(tester)
	for i := range 2 {
		if r := checkout(tester, cart, "tok_declined", fmt.Sprint("again-", i)); r.status != 402 {
			t.Fatalf("decline after the lift %d: %d %s", i, r.status, r.body)
		}
	}
	if r := call(t, srv, "GET", "/admin/security/blocks/"+tester, "", admin...); r.json(t)["blocked"] != false {
		t.Errorf("blocked again after 2 declines of a fresh count: %s", r.body)
	}
	logged := call(t, srv, "GET", "/admin/audit-log?resource_type=security/blocks", "", admin...)
	items, _ := logged.json(t)["data"].([]any)
	if logged.status != 200 || len(items) != 1 {
		t.Fatalf("audit log of the lift: %d %s", logged.status, logged.body)
	}
	if e := items[0].(map[string]any); e["method"] != "DELETE" || e["resource_id"] != tester || e["before"].(map[string]any)["blocked"] != true {
		t.Errorf("audit entry: %v", e)
	}
}

// TestSecurityHeadersThroughApp: every answer carries the security
// headers, API answers a strict CSP, /docs keeps its own; no HSTS over
// plain HTTP; CORS preflights and answers follow the configured origins.
func TestSecurityHeadersThroughApp(t *testing.T) {
	cfg := securityConfig(t)
	cfg.Security.CORSOrigins = []string{"https://shop.example.com"}
	cfg.Security.CORSChannelOrigins = map[string][]string{"wholesale": {"https://b2b.example.com"}}
	cfg.Security.CORSCredentials = true
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Modules())
	if err != nil {
		t.Fatal(err)
	}
	a.SetChannelResolver(func(r *http.Request) string {
		if r.Header.Get("X-Publishable-Key") == "pk_wholesale" {
			return "wholesale"
		}
		return ""
	})
	srv := startHandler(t, a)
	for _, path := range []string{"/store/products", "/store/nothing", "/healthz", "/openapi.json", "/admin/products"} {
		r := call(t, srv, "GET", path, "")
		for k, v := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
		} {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		if r.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", path)
		}
	}
	if d := call(t, srv, "GET", "/docs", ""); d.status != 200 || !strings.Contains(d.header.Get("Content-Security-Policy"), "style-src 'unsafe-inline'") {
		t.Errorf("/docs CSP: %d %q", d.status, d.header.Get("Content-Security-Policy"))
	}
	pre := call(t, srv, "OPTIONS", "/store/carts", "", "Origin", "https://shop.example.com",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "Content-Type, Idempotency-Key, X-Publishable-Key")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" || pre.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
	if r := call(t, srv, "OPTIONS", "/store/carts", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"); r.status != 403 || r.json(t)["code"] != "cors_origin_denied" {
		t.Errorf("preflight from another origin: %d %s", r.status, r.body)
	}
	if r := call(t, srv, "GET", "/store/products", "", "Origin", "https://shop.example.com"); r.header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" {
		t.Errorf("allowed origin: %v", r.header)
	}
	if r := call(t, srv, "GET", "/store/products", "", "Origin", "https://b2b.example.com"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a channel's origin on the default channel: %v", r.header)
	}
	if r := call(t, srv, "GET", "/store/products", "", "Origin", "https://b2b.example.com", "X-Publishable-Key", "pk_wholesale"); r.header.Get("Access-Control-Allow-Origin") != "https://b2b.example.com" {
		t.Errorf("a channel's origin on its channel: %v", r.header)
	}

}

// TestCORSChannelFromPublishableKey: by default the channel of a request,
// for the per-channel CORS origins, is the one of its publishable key.
func TestCORSChannelFromPublishableKey(t *testing.T) {
	cfg := securityConfig(t)
	cfg.Security.CORSChannelOrigins = map[string][]string{"wholesale": {"https://b2b.example.com"}}
	_, srv := startApp(t, cfg)
	pk := call(t, srv, "POST", "/admin/publishable-keys", `{"channel":"wholesale","name":"b2b shop"}`, "Authorization", "Bearer "+testKey)
	if pk.status != 201 {
		t.Fatalf("publishable key: %d %s", pk.status, pk.body)
	}
	key := pk.json(t)["key"].(string)
	if r := call(t, srv, "GET", "/store/products", "", "Origin", "https://b2b.example.com", "X-Publishable-Key", key); r.status != 200 ||
		r.header.Get("Access-Control-Allow-Origin") != "https://b2b.example.com" {
		t.Errorf("the channel's origin with its key: %d %v", r.status, r.header)
	}
	if r := call(t, srv, "GET", "/store/products", "", "Origin", "https://b2b.example.com"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the channel's origin without a key: %v", r.header)
	}
}

// startHandler starts a (configured, not yet started) app and serves it.
func startHandler(t *testing.T, a *App) *httptest.Server {
	t.Helper()
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Stop(context.Background())
	})
	return srv
}

func TestSecurityConfigValidate(t *testing.T) {
	for name, mutate := range map[string]func(*SecurityConfig){
		"wildcard with credentials": func(s *SecurityConfig) { s.CORSOrigins = []string{"*"}; s.CORSCredentials = true },
		"bad origin":                func(s *SecurityConfig) { s.CORSOrigins = []string{"shop.example.com"} },
		"bad proxy":                 func(s *SecurityConfig) { s.TrustedProxies = []string{"proxy.local"} },
		"bad exempt":                func(s *SecurityConfig) { s.RateLimitExempt = []string{"10.0.0.0/99"} },
		"cert without key":          func(s *SecurityConfig) { s.TLSCertFile = "cert.pem" },
		"negative declines":         func(s *SecurityConfig) { s.CardTesting.Declines = -1 },
	} {
		c := DefaultConfig()
		mutate(&c.Security)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestTLS: with a certificate and key configured the server speaks only
// HTTPS and sends Strict-Transport-Security.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	cfg := securityConfig(t)
	cfg.Security.TLSCertFile, cfg.Security.TLSKeyFile = certFile, keyFile
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Modules())
	if err != nil {
		t.Fatal(err)
	}
	if a.Scheme() != "https" {
		t.Errorf("scheme %s", a.Scheme())
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr string) { addrc <- addr }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not serving after 30 s")
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") != "max-age=31536000" || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("https: %d %v", resp.StatusCode, resp.Header)
	}
	plain, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/healthz")
	if err == nil {
		plain.Body.Close()
		if plain.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d", plain.StatusCode)
		}
	}
	// A certificate that cannot be loaded stops the start.
	bad := securityConfig(t)
	bad.Security.TLSCertFile, bad.Security.TLSKeyFile = keyFile, certFile
	b, _ := New(bad, slog.New(slog.NewTextHandler(io.Discard, nil)), Modules())
	if err := b.Serve(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "TLS certificate") {
		t.Errorf("a swapped certificate and key: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agora test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestOpenAPIDocumentsLimits: every operation documents the 429 of the
// rate limits with Retry-After, and operations with a body the 413.
func TestOpenAPIDocumentsLimits(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody any `json:"requestBody"`
			Responses   map[string]struct {
				Headers map[string]any `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(call(t, srv, "GET", "/openapi.json", "").body, &doc); err != nil {
		t.Fatal(err)
	}
	checkout := doc.Paths["/store/carts/{id}/checkout"]["post"]
	if r, ok := checkout.Responses["429"]; !ok || r.Headers["Retry-After"] == nil {
		t.Errorf("checkout lacks 429 with Retry-After: %+v", checkout.Responses)
	}
	if _, ok := checkout.Responses["413"]; !ok {
		t.Error("checkout lacks 413")
	}
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			n++
			if _, ok := op.Responses["429"]; !ok {
				t.Errorf("%s %s lacks 429", method, path)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d operations", n)
	}
}
