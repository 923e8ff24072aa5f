package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strings"

	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/httpx"
)

// HTTPConfig says whom the HTTP middleware limits.
type HTTPConfig struct {
	// Exempt addresses are never limited (by default loopback, so that a
	// load test or a health checker on the same host is not throttled).
	Exempt []netip.Prefix
	// ExemptPaths are never limited (probes and metrics scrapes).
	ExemptPaths []string
}

// DefaultHTTPConfig exempts loopback and the probe and metrics endpoints.
func DefaultHTTPConfig() HTTPConfig {
	return HTTPConfig{
		Exempt:      []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		ExemptPaths: []string{"/healthz", "/readyz", "/metrics"},
	}
}

// HTTP limits requests per client address and, when a request carries
// "Authorization: Bearer …", per credential as well; both buckets must
// allow. A credential is keyed by a SHA-256 hash of its value, never the
// value itself. A refused request gets 429 rate_limited with Retry-After.
type HTTP struct {
	cfg     HTTPConfig
	byAddr  Limiter
	byCred  Limiter
	metrics *Metrics
}

// NewHTTP returns the middleware; byAddr or byCred may be nil (no limit of
// that kind); metrics may be nil.
func NewHTTP(cfg HTTPConfig, byAddr, byCred Limiter, metrics *Metrics) *HTTP {
	return &HTTP{cfg: cfg, byAddr: byAddr, byCred: byCred, metrics: metrics}
}

// CredentialKey is the key a credential's bucket is kept under: a hash of
// the Authorization value, or "" when the request has none.
func CredentialKey(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if v == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:16])
}

// Middleware applies the limits. The client address is the one
// clientip.Middleware resolved (the peer address otherwise).
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, ok := clientip.From(r.Context())
		if !ok {
			addr = clientip.Peer(r)
		}
		if (addr.IsValid() && clientip.Contains(h.cfg.Exempt, addr)) || h.exemptPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if h.byAddr != nil && !h.allow(w, r, h.byAddr, "address", "addr:"+clientip.Key(addr)) {
			return
		}
		if key := CredentialKey(r); key != "" && h.byCred != nil && !h.allow(w, r, h.byCred, "credential", "cred:"+key) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *HTTP) exemptPath(p string) bool {
	for _, e := range h.cfg.ExemptPaths {
		if p == e || (strings.HasSuffix(e, "/") && strings.HasPrefix(p, e)) {
			return true
		}
	}
	return false
}

// allow takes a token of key and, when there is none, answers 429. A
// limiter that cannot decide lets the request through: availability wins
// over a limit that cannot be checked (Fallback makes this rare).
func (h *HTTP) allow(w http.ResponseWriter, r *http.Request, l Limiter, name, key string) bool {
	d, err := l.AllowN(r.Context(), key, 1)
	if err != nil {
		httpx.Logger(r.Context()).Warn("rate limit not checked", "limiter", name, "err", err)
		return true
	}
	if d.Allowed {
		return true
	}
	h.metrics.Limited(name)
	WriteLimited(w, r, d)
	return false
}

// WriteLimited answers 429 rate_limited with Retry-After for a refused
// decision.
func WriteLimited(w http.ResponseWriter, r *http.Request, d Decision) {
	httpx.WriteProblem(w, r, Error(d))
}
