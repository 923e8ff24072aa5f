package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/redis/go-redis/v9"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/obs"
	"github.com/agoracommerce/agora/platform/ratelimit"
	"github.com/agoracommerce/agora/platform/websec"
)

// SecurityConfig is the abuse resistance and transport security of the
// HTTP API (docs/security.md).
type SecurityConfig struct {
	// RateLimit is the token bucket of each client address; KeyRateLimit
	// the one of each credential (Authorization value). Off: no limit.
	RateLimit    ratelimit.Limit
	KeyRateLimit ratelimit.Limit
	// RateLimitExempt lists addresses or CIDR prefixes that are never
	// limited nor blocked (default: loopback).
	RateLimitExempt []string
	// TrustedProxies lists the proxies whose X-Forwarded-For names the
	// client (addresses or CIDR prefixes).
	TrustedProxies []string
	// CardTesting blocks clients with many payment declines at checkout.
	CardTesting cardguard.Config
	// CORSOrigins may call the API from a browser; CORSChannelOrigins may
	// for one sales channel (by name); CORSCredentials allows cookies and
	// Authorization cross-origin.
	CORSOrigins        []string
	CORSChannelOrigins map[string][]string
	CORSCredentials    bool
	// TLSCertFile and TLSKeyFile (PEM) make the server speak HTTPS.
	TLSCertFile string
	TLSKeyFile  string
	// HSTSMaxAge is the Strict-Transport-Security max-age sent over TLS.
	HSTSMaxAge time.Duration
}

// DefaultSecurityConfig: per address 100 requests/s with bursts of 500,
// per credential 500/s with bursts of 2,000 (far above what a shopper or
// a storefront page does), loopback exempt, card-testing guard on, no
// cross-origin callers, HSTS for a year when serving TLS.
func DefaultSecurityConfig() SecurityConfig {
	return SecurityConfig{
		RateLimit:       ratelimit.Limit{Events: 100, Period: time.Second, Burst: 500},
		KeyRateLimit:    ratelimit.Limit{Events: 500, Period: time.Second, Burst: 2000},
		RateLimitExempt: []string{"127.0.0.0/8", "::1"},
		CardTesting:     cardguard.DefaultConfig(),
		HSTSMaxAge:      websec.DefaultHeadersConfig().HSTSMaxAge,
	}
}

// problems lists what is wrong with the configuration.
func (s SecurityConfig) problems() []string {
	var out []string
	if _, err := clientip.ParsePrefixes(s.RateLimitExempt); err != nil {
		out = append(out, "rate limit exempt: "+err.Error())
	}
	if _, err := clientip.ParsePrefixes(s.TrustedProxies); err != nil {
		out = append(out, "trusted proxies: "+err.Error())
	}
	if err := s.cors().Validate(); err != nil {
		out = append(out, err.Error())
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		out = append(out, "TLS needs both a certificate and a key file (AGORA_TLS_CERT_FILE and AGORA_TLS_KEY_FILE)")
	}
	if c := s.CardTesting; !c.Off() && (c.Declines > 10_000 || c.Window > 24*time.Hour || c.Block > 7*24*time.Hour) {
		out = append(out, "card testing: at most 10,000 declines, a window of 24h and a block of 7 days")
	}
	if s.CardTesting.Declines < 0 || s.HSTSMaxAge < 0 {
		out = append(out, "card-testing declines and HSTS max-age must not be negative")
	}
	return out
}

func (s SecurityConfig) cors() websec.CORSConfig {
	return websec.CORSConfig{Origins: s.CORSOrigins, ChannelOrigins: s.CORSChannelOrigins, Credentials: s.CORSCredentials, MaxAge: 10 * time.Minute}
}

// security is the running state of the security middleware.
type security struct {
	mu      sync.Mutex
	ready   bool
	redis   *redis.Client
	metrics *ratelimit.Metrics
	// channelOf names the sales channel of a request for CORS; nil until
	// the app can tell channels apart.
	channelOf func(*http.Request) string
	// guard is the card-testing guard (nil when off).
	guard *cardguard.Guard
}

func (s *security) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.redis != nil {
		_ = s.redis.Close()
		s.redis = nil
	}
	s.ready, s.metrics = false, nil
}

// limiterKit returns the Redis client of the limiters (nil without
// AGORA_REDIS_URL) and their metrics, made on first use after Start began.
func (a *App) limiterKit() (*redis.Client, *ratelimit.Metrics) {
	a.sec.mu.Lock()
	defer a.sec.mu.Unlock()
	if !a.sec.ready {
		a.sec.ready = true
		a.sec.metrics = ratelimit.NewMetrics(a.env.Metrics.Registry)
		if a.cfg.RedisURL != "" {
			rdb, err := ratelimit.NewRedisClient(a.cfg.RedisURL)
			if err != nil {
				a.log.Warn("rate limits stay in process: the Redis URL does not parse", "err", err)
			} else {
				a.sec.redis = rdb
			}
		}
	}
	return a.sec.redis, a.sec.metrics
}

// limiter returns a limiter of limit named name: in process, or in Redis
// (falling back to in process while Redis fails) when AGORA_REDIS_URL is set.
func (a *App) limiter(name string, limit ratelimit.Limit) ratelimit.Limiter {
	rdb, metrics := a.limiterKit()
	mem := ratelimit.NewMemory(limit, ratelimit.MemoryConfig{}, a.now)
	if rdb == nil || limit.Off() {
		return mem
	}
	return ratelimit.NewFallback(name, ratelimit.NewRedis(rdb, "rl:"+name, limit), mem, a.log, metrics, a.now)
}

// guard wraps h (the routes with their auth and idempotency) in the abuse
// limits: rate limits per client address and credential, and the
// card-testing guard of checkouts.
func (a *App) guard(h http.Handler, api huma.API, metrics *obs.Metrics) (http.Handler, error) {
	s := a.cfg.Security
	exempt, err := clientip.ParsePrefixes(s.RateLimitExempt)
	if err != nil {
		return nil, err
	}
	a.applyBodyLimit()
	_, rm := a.limiterKit()
	if !s.CardTesting.Off() {
		cfg := s.CardTesting
		cfg.Exempt = exempt
		// The operations that take payments declare it (cardguard.Watch).
		watched := cardguard.Watched(api.OpenAPI())
		isPayment := func(r *http.Request) bool { return watched[a.routePattern(r)] }
		g := cardguard.New(cfg, a.limiter("card_declines", cfg.CounterLimit()), a.limiter("card_blocks", cfg.BlockLimit()),
			isPayment, a.log, metrics.Registry, a.now)
		g.OnBlock = a.publishBlocked
		a.sec.guard = g
		h = g.Middleware(h)
	}
	hc := ratelimit.DefaultHTTPConfig()
	hc.Exempt = exempt
	var byAddr, byCred ratelimit.Limiter
	if !s.RateLimit.Off() {
		byAddr = a.limiter("address", s.RateLimit)
	}
	if !s.KeyRateLimit.Off() {
		byCred = a.limiter("credential", s.KeyRateLimit)
	}
	if byAddr != nil || byCred != nil {
		h = ratelimit.NewHTTP(hc, byAddr, byCred, rm).Middleware(h)
	}
	return h, nil
}

// applyBodyLimit gives every operation that kept huma's default body
// limit (1 MiB) the configured one (AGORA_MAX_BODY), once every module has
// registered its operations.
func (a *App) applyBodyLimit() {
	const humaDefault = 1 << 20
	for _, item := range a.env.API.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete, item.Head, item.Options} {
			if op != nil && op.MaxBodyBytes == humaDefault {
				op.MaxBodyBytes = a.cfg.MaxBody
			}
		}
	}
}

// documentLimits adds to every operation of the OpenAPI document the
// answers the security middleware may give before the operation runs: 429
// (rate_limited, and client_blocked at checkout) with Retry-After, and 413
// for operations that take a body.
func documentLimits(doc *huma.OpenAPI) {
	retryAfter := map[string]*huma.Param{"Retry-After": {
		Description: "Seconds to wait before retrying", Schema: &huma.Schema{Type: "integer"},
	}}
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Head, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil || op.Responses == nil {
				continue
			}
			var problem map[string]*huma.MediaType
			for _, code := range []string{"400", "404", "default"} {
				if r := op.Responses[code]; r != nil && r.Content != nil {
					problem = r.Content
					break
				}
			}
			if problem == nil {
				continue
			}
			if op.Responses["429"] == nil {
				op.Responses["429"] = &huma.Response{Description: "Too many requests from this client or credential (rate_limited), or checkouts of this client blocked after many declined payments (client_blocked)",
					Headers: retryAfter, Content: problem}
			}
			if op.RequestBody != nil && op.Responses["413"] == nil {
				op.Responses["413"] = &huma.Response{Description: "The request body is larger than the configured limit (payload_too_large)", Content: problem}
			}
		}
	}
}

// edge wraps h in what comes right after the request id: the client
// address, the security headers, CORS and the bounds of bodies and query
// strings.
func (a *App) edge(h http.Handler) http.Handler {
	s := a.cfg.Security
	cors := s.cors()
	cors.ChannelOf = func(r *http.Request) string {
		if a.sec.channelOf != nil {
			return a.sec.channelOf(r)
		}
		return a.publishableChannel(r)
	}
	lc := websec.DefaultLimitsConfig()
	lc.MaxBody = a.cfg.MaxBody
	h = websec.Limits(lc, h)
	h = websec.CORS(cors, h)
	h = websec.Headers(websec.HeadersConfig{HSTSMaxAge: s.HSTSMaxAge}, h)
	trusted, _ := clientip.ParsePrefixes(s.TrustedProxies) // checked by Validate
	return clientip.Resolver{Trusted: trusted}.Middleware(h)
}

// publishableChannel is the sales channel of the request's publishable key
// ("" without one, or for a key that is unknown or revoked: the auth guard
// refuses those requests anyway). Lookups are cached by the key store.
func (a *App) publishableChannel(r *http.Request) string {
	tok := r.Header.Get(auth.PublishableKeyHeader)
	if tok == "" || a.keys == nil {
		return ""
	}
	ch, err := a.keys.Channel(r.Context(), tok)
	if err != nil {
		return ""
	}
	return ch
}

// SetChannelResolver replaces how CORS finds the sales channel of a
// request for the per-channel origins (by default: from its publishable
// key). Call it before Start.
func (a *App) SetChannelResolver(f func(*http.Request) string) { a.sec.channelOf = f }

// SecurityModule is the source of security events on the bus
// ("agora/security", subjects agora.security.<type>).
const SecurityModule = "security"

// ClientBlockedEvent is published when the card-testing guard blocks a
// client; its data is a cardguard.Blocked.
const ClientBlockedEvent = "client.blocked"

// publishBlocked puts a card-testing block on the event bus, in the
// background: a security event is not a state change of any module, so it
// goes straight to the bus (best effort) rather than through an outbox.
func (a *App) publishBlocked(ctx context.Context, b cardguard.Blocked) {
	bus := a.bus
	if bus == nil {
		return
	}
	e, err := event.New(SecurityModule, ClientBlockedEvent, b.Client, b, a.now())
	if err != nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := bus.Publish(pctx, e); err != nil {
			a.log.Warn("publishing a security event failed", "event", ClientBlockedEvent, "err", err)
		}
	}()
}

// tlsConfig loads the configured certificate; nil when TLS is off.
func (s SecurityConfig) tlsConfig() (*tls.Config, error) {
	if s.TLSCertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// serve runs srv on ln, over TLS when a certificate is configured.
func (a *App) serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

// Scheme is "https" when the server speaks TLS, else "http".
func (a *App) Scheme() string {
	if a.cfg.Security.TLSCertFile != "" {
		return "https"
	}
	return "http"
}
