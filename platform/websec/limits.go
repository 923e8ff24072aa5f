package websec

import (
	"net/http"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// LimitsConfig bounds what one request may ask of the server before any
// handler runs.
type LimitsConfig struct {
	// MaxBody is the largest request body in bytes (AGORA_MAX_BODY).
	MaxBody int64
	// MaxQueryBytes bounds the raw query string; MaxQueryParams the number
	// of query parameters (repeats count).
	MaxQueryBytes  int
	MaxQueryParams int
}

// DefaultLimitsConfig: 1 MiB bodies, 8 KiB query strings of at most 100
// parameters (a search with every filter it accepts stays well inside).
func DefaultLimitsConfig() LimitsConfig {
	return LimitsConfig{MaxBody: httpx.DefaultMaxBody, MaxQueryBytes: 8 << 10, MaxQueryParams: 100}
}

// Limits refuses a declared body over MaxBody with 413 payload_too_large
// before reading it, caps every body read at MaxBody (so handlers outside
// the huma API are bounded too), and refuses query strings over their
// bounds with 400 query_too_large.
func Limits(cfg LimitsConfig, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.MaxQueryBytes > 0 && len(r.URL.RawQuery) > cfg.MaxQueryBytes {
			httpx.WriteProblem(w, r, errs.E(errs.Invalid, "query_too_large", "the query string is longer than %d bytes", cfg.MaxQueryBytes))
			return
		}
		if cfg.MaxQueryParams > 0 && countParams(r.URL.RawQuery) > cfg.MaxQueryParams {
			httpx.WriteProblem(w, r, errs.E(errs.Invalid, "query_too_large", "the query string has more than %d parameters", cfg.MaxQueryParams))
			return
		}
		if cfg.MaxBody > 0 && r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > cfg.MaxBody {
				httpx.WriteProblem(w, r, errs.E(errs.TooLarge, "payload_too_large", "the request body is larger than %d bytes", cfg.MaxBody))
				return
			}
			// One byte of slack: an operation that reads up to MaxBody
			// itself must see its own limit, not a read error.
			r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxBody+1)
		}
		next.ServeHTTP(w, r)
	})
}

func countParams(q string) int {
	if q == "" {
		return 0
	}
	n := 1
	for i := 0; i < len(q); i++ {
		if q[i] == '&' || q[i] == ';' {
			n++
		}
	}
	return n
}
