// Package websec is the transport-security middleware of Agora's HTTP API:
// security headers on every answer (a strict Content-Security-Policy for
// API answers, Strict-Transport-Security when served over TLS) and CORS
// with allowed origins globally and per sales channel.
package websec

import (
	"net/http"
	"strconv"
	"time"
)

// APIContentSecurityPolicy is the policy of API answers: they are data,
// never a document that loads anything or may be framed. A handler that
// serves a page (/docs) sets its own policy, which wins.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// HeadersConfig configures Headers.
type HeadersConfig struct {
	// HSTSMaxAge is the max-age of Strict-Transport-Security, sent only on
	// answers over TLS; zero sends none.
	HSTSMaxAge time.Duration
	// HSTSSubdomains adds includeSubDomains.
	HSTSSubdomains bool
}

// DefaultHeadersConfig asks browsers to keep to HTTPS for a year.
func DefaultHeadersConfig() HeadersConfig { return HeadersConfig{HSTSMaxAge: 365 * 24 * time.Hour} }

// Headers sets the security headers of every answer before next runs, so
// that next may override Content-Security-Policy for the pages it serves.
func Headers(cfg HeadersConfig, next http.Handler) http.Handler {
	hsts := ""
	if cfg.HSTSMaxAge > 0 {
		hsts = "max-age=" + strconv.FormatInt(int64(cfg.HSTSMaxAge/time.Second), 10)
		if cfg.HSTSSubdomains {
			hsts += "; includeSubDomains"
		}
	}
	// The values are made once and shared by every answer (a header's
	// slice is replaced, never appended to in place: its capacity is its
	// length), instead of five allocations per request.
	fixed := []struct {
		key   string
		value []string
	}{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Content-Security-Policy", []string{APIContentSecurityPolicy}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	}
	hstsValue := []string{hsts}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, f := range fixed {
			h[f.key] = f.value
		}
		if r.TLS != nil && hsts != "" {
			h["Strict-Transport-Security"] = hstsValue
		}
		next.ServeHTTP(w, r)
	})
}
