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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", APIContentSecurityPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil && hsts != "" {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}
