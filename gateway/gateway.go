// Package gateway is the public edge of Agora's HTTP API: who the client
// is (client addresses behind trusted proxies), security headers, CORS,
// bounds of bodies and query strings, rate limits per client address and
// credential, and the card-testing guard of the operations that take
// payments, with the admin operations that read and lift its blocks. In
// the all-in-one topology it wraps the process's own routes.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/ratelimit"
	"github.com/agoracommerce/agora/platform/websec"
)

// Gateway is the running edge: its configuration and the state its
// middleware share (the Redis client and metrics of the limiters, the
// card-testing guard).
type Gateway struct {
	cfg      Config
	redisURL string
	maxBody  int64
	reg      prometheus.Registerer
	log      *slog.Logger
	now      func() time.Time

	// ChannelOf names the sales channel of a request for the per-channel
	// CORS origins; set it before Edge.
	ChannelOf func(*http.Request) string
	// Publish, when set, puts a security event on the bus (best effort).
	Publish func(ctx context.Context, events ...event.Event) error

	mu      sync.Mutex
	ready   bool
	redis   *redis.Client
	metrics *ratelimit.Metrics
	guard   *cardguard.Guard // nil when off
	wg      sync.WaitGroup
}

// New returns the gateway of cfg; redisURL (may be empty) shares the
// limiters between instances; maxBody bounds request bodies; reg takes the
// metrics.
func New(cfg Config, redisURL string, maxBody int64, reg prometheus.Registerer, log *slog.Logger, now func() time.Time) *Gateway {
	return &Gateway{cfg: cfg, redisURL: redisURL, maxBody: maxBody, reg: reg, log: log, now: now}
}

// Close waits for the events being published and closes the Redis client.
func (g *Gateway) Close() {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.redis != nil {
		_ = g.redis.Close()
		g.redis = nil
	}
	g.ready, g.metrics = false, nil
}

// Redis returns the Redis client of the limiters (nil without a Redis
// URL) and their metrics, made on first use.
func (g *Gateway) Redis() (*redis.Client, *ratelimit.Metrics) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.ready {
		g.ready = true
		g.metrics = ratelimit.NewMetrics(g.reg)
		if g.redisURL != "" {
			rdb, err := ratelimit.NewRedisClient(g.redisURL)
			if err != nil {
				g.log.Warn("rate limits stay in process: the Redis URL does not parse", "err", err)
			} else {
				g.redis = rdb
			}
		}
	}
	return g.redis, g.metrics
}

// Limiter returns a limiter of limit named name: in process, or in Redis
// (falling back to in process while Redis fails) with a Redis URL. name
// must be unique in the process (it names the Redis keys and the metric
// labels).
func (g *Gateway) Limiter(name string, limit ratelimit.Limit) ratelimit.Limiter {
	rdb, metrics := g.Redis()
	mem := ratelimit.NewMemory(limit, ratelimit.MemoryConfig{}, g.now)
	if rdb == nil || limit.Off() {
		return mem
	}
	return ratelimit.NewFallback(name, ratelimit.NewRedis(rdb, "rl:"+name, limit), mem, g.log, metrics, g.now)
}

// Limits wraps h (the routes with their auth and idempotency) in the abuse
// limits: rate limits per client address and credential, and the
// card-testing guard of the watched operations (cardguard.Watched), found
// by their route (pattern names it).
func (g *Gateway) Limits(h http.Handler, watched map[string]bool, pattern func(*http.Request) string) (http.Handler, error) {
	s := g.cfg
	exempt, err := clientip.ParsePrefixes(s.RateLimitExempt)
	if err != nil {
		return nil, err
	}
	_, rm := g.Redis()
	if !s.CardTesting.Off() {
		cfg := s.CardTesting
		cfg.Exempt = exempt
		isPayment := func(r *http.Request) bool { return watched[pattern(r)] }
		guard := cardguard.New(cfg, g.Limiter("card_declines", cfg.CounterLimit()), g.Limiter("card_blocks", cfg.BlockLimit()),
			isPayment, g.log, g.reg, g.now)
		guard.OnBlock = g.publishBlocked
		g.guard = guard
		h = guard.Middleware(h)
	}
	hc := ratelimit.DefaultHTTPConfig()
	hc.Exempt = exempt
	var byAddr, byCred ratelimit.Limiter
	if !s.RateLimit.Off() {
		byAddr = g.Limiter("address", s.RateLimit)
	}
	if !s.KeyRateLimit.Off() {
		byCred = g.Limiter("credential", s.KeyRateLimit)
	}
	if byAddr != nil || byCred != nil {
		h = ratelimit.NewHTTP(hc, byAddr, byCred, rm).Middleware(h)
	}
	return h, nil
}

// Edge wraps h in what comes right after the request id: the client
// address, the security headers, CORS and the bounds of bodies and query
// strings.
func (g *Gateway) Edge(h http.Handler) http.Handler {
	s := g.cfg
	cors := s.cors()
	cors.ChannelOf = func(r *http.Request) string {
		if g.ChannelOf != nil {
			return g.ChannelOf(r)
		}
		return ""
	}
	lc := websec.DefaultLimitsConfig()
	lc.MaxBody = g.maxBody
	h = websec.Limits(lc, h)
	h = websec.CORS(cors, h)
	h = websec.Headers(websec.HeadersConfig{HSTSMaxAge: s.HSTSMaxAge}, h)
	trusted, _ := clientip.ParsePrefixes(s.TrustedProxies) // checked by Problems
	return clientip.Resolver{Trusted: trusted}.Middleware(h)
}

// ApplyBodyLimit gives every operation of doc that kept huma's default
// body limit (1 MiB) the configured one, once every module has registered
// its operations.
func (g *Gateway) ApplyBodyLimit(doc *huma.OpenAPI) {
	const humaDefault = 1 << 20
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete, item.Head, item.Options} {
			if op != nil && op.MaxBodyBytes == humaDefault {
				op.MaxBodyBytes = g.maxBody
			}
		}
	}
}

// DocumentLimits adds to every operation of the OpenAPI document the
// answers the security middleware may give before the operation runs: 429
// (rate_limited, and client_blocked at checkout) with Retry-After, and 413
// for operations that take a body.
func DocumentLimits(doc *huma.OpenAPI) {
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

// Source is the source of security events on the bus ("agora/security",
// subjects agora.security.<type>).
const Source = "security"

// EventClientBlocked is published when the card-testing guard blocks a
// client; its data is a cardguard.Blocked.
const EventClientBlocked = "client.blocked"

// publishBlocked puts a card-testing block on the event bus, in the
// background: a security event is not a state change of any module, so it
// goes straight to the bus (best effort) rather than through an outbox.
func (g *Gateway) publishBlocked(ctx context.Context, b cardguard.Blocked) {
	if g.Publish == nil {
		return
	}
	e, err := event.New(Source, EventClientBlocked, b.Client, b, g.now())
	if err != nil {
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := g.Publish(pctx, e); err != nil {
			g.log.Warn("publishing a security event failed", "event", EventClientBlocked, "err", err)
		}
	}()
}
