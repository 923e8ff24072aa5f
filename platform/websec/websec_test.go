package websec_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/websec"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })

func TestHeaders(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	})
	mux := http.NewServeMux()
	mux.Handle("/api", ok)
	mux.Handle("/docs", page)
	h := websec.Headers(websec.DefaultHeadersConfig(), mux)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api", nil))
	for k, v := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "no-referrer",
		"X-Frame-Options":           "DENY",
		"Content-Security-Policy":   websec.APIContentSecurityPolicy,
		"Strict-Transport-Security": "",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/docs", nil))
	if got := w.Header().Get("Content-Security-Policy"); !strings.Contains(got, "style-src 'unsafe-inline'") {
		t.Errorf("a page's own policy was replaced: %q", got)
	}
	r := httptest.NewRequest("GET", "/api", nil)
	r.TLS = &tls.ConnectionState{}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HSTS over TLS = %q", got)
	}
}

func TestCORSValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg websec.CORSConfig
		ok  bool
	}{
		{websec.CORSConfig{Origins: []string{"https://shop.example.com", "http://localhost:3000"}}, true},
		{websec.CORSConfig{Origins: []string{"*"}}, true},
		{websec.CORSConfig{Origins: []string{"*"}, Credentials: true}, false},
		{websec.CORSConfig{ChannelOrigins: map[string][]string{"b2b": {"*"}}, Credentials: true}, false},
		{websec.CORSConfig{Origins: []string{"shop.example.com"}}, false},
		{websec.CORSConfig{Origins: []string{"https://shop.example.com/path"}}, false},
		{websec.CORSConfig{Origins: []string{"ftp://shop.example.com"}}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.cfg, err)
		}
	}
}

func TestCORS(t *testing.T) {
	cfg := websec.CORSConfig{
		Origins:        []string{"https://shop.example.com"},
		ChannelOrigins: map[string][]string{"wholesale": {"https://b2b.example.com"}},
		Credentials:    true,
		MaxAge:         10 * time.Minute,
		ChannelOf:      func(r *http.Request) string { return r.Header.Get("X-Test-Channel") },
	}
	h := websec.CORS(cfg, ok)
	do := func(method, origin string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/store/carts", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	// Preflight from an allowed origin.
	w := do("OPTIONS", "https://shop.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type, idempotency-key")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example.com" ||
		w.Header().Get("Access-Control-Allow-Credentials") != "true" || w.Header().Get("Access-Control-Max-Age") != "600" ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	// Preflight from an unknown origin, for a method or a header not allowed.
	for _, tc := range []struct {
		origin, method, headers, code string
	}{
		{"https://evil.example", "POST", "", "cors_origin_denied"},
		{"https://shop.example.com", "TRACE", "", "cors_method_denied"},
		{"https://shop.example.com", "POST", "X-Custom", "cors_header_denied"},
	} {
		w := do("OPTIONS", tc.origin, "Access-Control-Request-Method", tc.method, "Access-Control-Request-Headers", tc.headers)
		var p httpx.Problem
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != 403 || p.Code != tc.code || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %+v: %d %s %v", tc, w.Code, p.Code, w.Header())
		}
	}
	// A channel's origin passes preflight (no channel is known yet) ...
	if w := do("OPTIONS", "https://b2b.example.com", "Access-Control-Request-Method", "GET"); w.Code != 204 {
		t.Errorf("channel origin preflight: %d", w.Code)
	}
	// ... and its requests are allowed only on its channel.
	if w := do("GET", "https://b2b.example.com", "X-Test-Channel", "wholesale"); w.Header().Get("Access-Control-Allow-Origin") != "https://b2b.example.com" {
		t.Errorf("channel origin on its channel: %v", w.Header())
	}
	if w := do("GET", "https://b2b.example.com"); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("channel origin on the default channel: %v", w.Header())
	}
	// Actual requests: allowed origin gets headers; others none; no Origin passes.
	w = do("GET", "https://shop.example.com")
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example.com" ||
		!strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "Retry-After") || w.Header().Get("Vary") != "Origin" {
		t.Errorf("allowed request: %d %v", w.Code, w.Header())
	}
	if w := do("GET", "https://evil.example"); w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin: %d %v", w.Code, w.Header())
	}
	if w := do("GET", ""); w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no origin: %d %v", w.Code, w.Header())
	}
}

func TestCORSWildcard(t *testing.T) {
	h := websec.CORS(websec.CORSConfig{Origins: []string{"*"}}, ok)
	r := httptest.NewRequest("GET", "/store/products", nil)
	r.Header.Set("Origin", "https://anyone.example")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("wildcard: %v", w.Header())
	}
}

func TestCORSOff(t *testing.T) {
	h := websec.CORS(websec.CORSConfig{}, ok)
	r := httptest.NewRequest("GET", "/store/products", nil)
	r.Header.Set("Origin", "https://anyone.example")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Vary") != "" {
		t.Errorf("no origins configured: %v", w.Header())
	}
}

func TestLimits(t *testing.T) {
	var read int
	h := websec.Limits(websec.LimitsConfig{MaxBody: 10, MaxQueryBytes: 50, MaxQueryParams: 3},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 100)
			n, err := io.ReadFull(r.Body, b)
			read = n
			if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					w.WriteHeader(413)
					return
				}
			}
			w.WriteHeader(200)
		}))
	do := func(target, body string, chunked bool) (int, string) {
		r := httptest.NewRequest("POST", target, strings.NewReader(body))
		if chunked {
			r.ContentLength = -1
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var p httpx.Problem
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		return w.Code, p.Code
	}
	if code, _ := do("/x?a=1&b=2", "0123456789", false); code != 200 || read != 10 {
		t.Errorf("within limits: %d, read %d", code, read)
	}
	if code, pc := do("/x", "0123456789ab", false); code != 413 || pc != "payload_too_large" {
		t.Errorf("declared body over the limit: %d %s", code, pc)
	}
	if code, _ := do("/x", strings.Repeat("z", 50), true); code != 413 {
		t.Errorf("undeclared body over the limit: %d", code)
	}
	if code, pc := do("/x?"+strings.Repeat("q", 60), "", false); code != 400 || pc != "query_too_large" {
		t.Errorf("long query: %d %s", code, pc)
	}
	if code, pc := do("/x?a=1&a=2&a=3&a=4", "", false); code != 400 || pc != "query_too_large" {
		t.Errorf("many parameters: %d %s", code, pc)
	}
}
