package websec

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// CORSConfig says which browser origins may call the API.
type CORSConfig struct {
	// Origins may call every endpoint ("https://shop.example.com"). "*"
	// allows any origin, and cannot be combined with Credentials.
	Origins []string
	// ChannelOrigins may call on behalf of one sales channel (by channel
	// name), in addition to Origins.
	ChannelOrigins map[string][]string
	// Credentials lets browsers send cookies and Authorization with
	// cross-origin requests (Access-Control-Allow-Credentials).
	Credentials bool
	// MaxAge is how long a browser may cache a preflight answer.
	MaxAge time.Duration
	// ChannelOf names the sales channel of a request ("" is the default
	// channel). Nil: every request is on the default channel.
	ChannelOf func(*http.Request) string
}

// Methods and headers a cross-origin caller may use.
var (
	corsMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	corsHeaders = []string{"Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Publishable-Key", "X-Request-Id"}
	corsExpose  = "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed"
)

// Validate reports configuration mistakes: malformed origins, and "*"
// together with credentials.
func (c CORSConfig) Validate() error {
	all := slices.Clone(c.Origins)
	for _, list := range c.ChannelOrigins {
		all = append(all, list...)
	}
	for _, o := range all {
		if o == "*" {
			if c.Credentials {
				return fmt.Errorf("CORS origin * cannot be combined with credentials; list the origins")
			}
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("CORS origin %q must be scheme://host[:port], such as https://shop.example.com", o)
		}
	}
	return nil
}

// CORS answers preflight requests and adds the CORS headers of allowed
// origins to every answer. A request without Origin passes untouched.
// An actual request from an origin that is not allowed gets no CORS
// headers (the browser then hides the answer from the page); a preflight
// from it is refused with 403 cors_origin_denied.
//
// A preflight carries no X-Publishable-Key, so it cannot name its channel:
// it is allowed for an origin of any channel, and the actual request is
// then checked against its own channel's origins.
func CORS(cfg CORSConfig, next http.Handler) http.Handler {
	norm := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, o := range list {
			out = append(out, strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/")))
		}
		return out
	}
	global := norm(cfg.Origins)
	wildcard := slices.Contains(global, "*")
	channels := map[string][]string{}
	var anyChannel []string
	for ch, list := range cfg.ChannelOrigins {
		channels[ch] = norm(list)
		anyChannel = append(anyChannel, channels[ch]...)
	}
	enabled := len(global) > 0 || len(anyChannel) > 0
	maxAge := strconv.Itoa(int(cfg.MaxAge / time.Second))
	allowed := func(origin string, r *http.Request, preflight bool) bool {
		o := strings.ToLower(origin)
		if wildcard || slices.Contains(global, o) {
			return true
		}
		if preflight {
			return slices.Contains(anyChannel, o)
		}
		ch := ""
		if cfg.ChannelOf != nil {
			ch = cfg.ChannelOf(r)
		}
		return slices.Contains(channels[ch], o)
	}
	allowOrigin := func(h http.Header, origin string) {
		if wildcard && !cfg.Credentials {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if cfg.Credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		if enabled {
			h.Add("Vary", "Origin")
		}
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		reqMethod := r.Header.Get("Access-Control-Request-Method")
		if r.Method == http.MethodOptions && reqMethod != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if !allowed(origin, r, true) {
				httpx.WriteProblem(w, r, errs.E(errs.Forbidden, "cors_origin_denied", "origin %s may not call this API", origin))
				return
			}
			if !slices.Contains(corsMethods, reqMethod) {
				httpx.WriteProblem(w, r, errs.E(errs.Forbidden, "cors_method_denied", "method %s is not allowed cross-origin", reqMethod))
				return
			}
			for _, want := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
				want = strings.TrimSpace(want)
				if want != "" && !slices.ContainsFunc(corsHeaders, func(s string) bool { return strings.EqualFold(s, want) }) {
					httpx.WriteProblem(w, r, errs.E(errs.Forbidden, "cors_header_denied", "header %s is not allowed cross-origin", want))
					return
				}
			}
			allowOrigin(h, origin)
			h.Set("Access-Control-Allow-Methods", strings.Join(corsMethods, ", "))
			h.Set("Access-Control-Allow-Headers", strings.Join(corsHeaders, ", "))
			if cfg.MaxAge > 0 {
				h.Set("Access-Control-Max-Age", maxAge)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed(origin, r, false) {
			allowOrigin(h, origin)
			h.Set("Access-Control-Expose-Headers", corsExpose)
		}
		next.ServeHTTP(w, r)
	})
}
