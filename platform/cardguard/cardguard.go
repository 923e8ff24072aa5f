// Package cardguard detects card testing: a client that tries many cards
// at checkout, most of them declined, to learn which stolen numbers work.
// When one client address collects Declines payment declines within
// Window, its checkouts are refused for Block with 429 client_blocked and
// Retry-After, and a security event is raised (a structured warning in the
// log, agora_security_events_total{event="card_testing"} and the OnBlock
// hook, through which the app publishes it on the event bus).
//
// The guard sits in the HTTP chain around the checkout route and needs no
// help from the business modules: a checkout answer of 402 is a decline.
// It counts and blocks through ratelimit.Limiter, so the counts are shared
// across instances when the limiters are (Redis).
package cardguard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

// Config says how many declines block a client, and for how long.
type Config struct {
	// Declines within Window that block a client; 0 turns the guard off.
	Declines int
	Window   time.Duration
	// Block is how long a blocked client's checkouts are refused.
	Block time.Duration
	// Exempt addresses are never counted nor blocked.
	Exempt []netip.Prefix
}

// DefaultConfig blocks a client for an hour after 10 declines in 10
// minutes: far above what a shopper who mistypes a card or tries a second
// one does, far below what a card tester needs.
func DefaultConfig() Config {
	return Config{Declines: 10, Window: 10 * time.Minute, Block: time.Hour}
}

// Off reports whether the guard does nothing.
func (c Config) Off() bool { return c.Declines <= 0 || c.Window <= 0 || c.Block <= 0 }

// CounterLimit is the bucket that counts declines: Declines tokens that
// refill over Window. BlockLimit is the bucket whose emptiness is a block:
// one token that comes back after Block. Limiters built on them are what
// New takes.
func (c Config) CounterLimit() ratelimit.Limit {
	return ratelimit.Limit{Events: c.Declines, Period: c.Window, Burst: c.Declines}
}

// BlockLimit: see CounterLimit.
func (c Config) BlockLimit() ratelimit.Limit {
	return ratelimit.Limit{Events: 1, Period: c.Block, Burst: 1}
}

// Blocked is the security event raised when a client is blocked.
type Blocked struct {
	Client   string        `json:"client"` // the address (an IPv6 client's /64)
	Declines int           `json:"declines"`
	Window   time.Duration `json:"window_ns"`
	Until    time.Time     `json:"until"`
	Request  string        `json:"request_id,omitempty"`
}

// Guard watches checkouts.
type Guard struct {
	cfg      Config
	declines ratelimit.Limiter
	blocks   ratelimit.Limiter
	match    func(*http.Request) bool
	log      *slog.Logger
	now      func() time.Time
	events   *prometheus.CounterVec
	refused  prometheus.Counter
	// OnBlock, when set, is called once per block (after the log line);
	// it must not block for long.
	OnBlock func(ctx context.Context, b Blocked)
}

// New returns a guard of the requests match selects (the checkout route).
// declines must follow cfg.CounterLimit() and blocks cfg.BlockLimit();
// reg registers the metrics (nil: none).
func New(cfg Config, declines, blocks ratelimit.Limiter, match func(*http.Request) bool, log *slog.Logger, reg prometheus.Registerer, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	g := &Guard{cfg: cfg, declines: declines, blocks: blocks, match: match, log: log, now: now,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agora_security_events_total", Help: "Security events raised, by event (card_testing: a client blocked for many payment declines).",
		}, []string{"event"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agora_checkout_blocked_total", Help: "Checkouts refused because their client is blocked for card testing.",
		}),
	}
	if reg != nil {
		reg.MustRegister(g.events, g.refused)
	}
	return g
}

// NewMemory returns a guard whose counts live in process.
func NewMemory(cfg Config, match func(*http.Request) bool, log *slog.Logger, reg prometheus.Registerer, now func() time.Time) *Guard {
	return New(cfg,
		ratelimit.NewMemory(cfg.CounterLimit(), ratelimit.MemoryConfig{}, now),
		ratelimit.NewMemory(cfg.BlockLimit(), ratelimit.MemoryConfig{}, now),
		match, log, reg, now)
}

// blockedError is the answer to a blocked client's checkout.
func blockedError(wait time.Duration) error {
	s := ratelimit.RetryAfterSeconds(wait)
	e := errs.E(errs.RateLimited, "client_blocked", "checkouts from this client are blocked for %d s after many declined payments", s)
	e.RetryAfter = time.Duration(s) * time.Second
	return e
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware refuses checkouts of blocked clients and counts declines.
// A limiter error lets the checkout through (the guard fails open: it must
// never stop honest checkouts because its store is down).
func (g *Guard) Middleware(next http.Handler) http.Handler {
	if g.cfg.Off() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.match(r) {
			next.ServeHTTP(w, r)
			return
		}
		addr, ok := clientip.From(r.Context())
		if !ok {
			addr = clientip.Peer(r)
		}
		if !addr.IsValid() || clientip.Contains(g.cfg.Exempt, addr) {
			next.ServeHTTP(w, r)
			return
		}
		key := clientip.Key(addr)
		if d, err := g.blocks.AllowN(r.Context(), key, 0); err == nil && !d.Allowed {
			g.refused.Inc()
			httpx.WriteProblem(w, r, blockedError(d.RetryAfter))
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status != http.StatusPaymentRequired || w.Header().Get("Idempotent-Replayed") == "true" {
			return
		}
		g.declined(context.WithoutCancel(r.Context()), key)
	})
}

// BlockedFor reports how much longer the checkouts of client (a key of
// clientip.Key) stay blocked; 0 when they are not.
func (g *Guard) BlockedFor(ctx context.Context, client string) (time.Duration, error) {
	d, err := g.blocks.AllowN(ctx, client, 0)
	if err != nil || d.Allowed {
		return 0, err
	}
	return d.RetryAfter, nil
}

// Unblock lifts the block of client (a key of clientip.Key), if any, and
// forgets its declines, so that it starts again with a clean count: an
// operator's answer to an honest shopper caught by the guard. It fails
// when the limiters cannot forget a key or their store is unreachable.
func (g *Guard) Unblock(ctx context.Context, client string) error {
	for _, l := range []ratelimit.Limiter{g.blocks, g.declines} {
		r, ok := l.(ratelimit.Resetter)
		if !ok {
			return errors.New("cardguard: the limiter cannot forget a client")
		}
		if err := r.Reset(ctx, client); err != nil {
			return err
		}
	}
	g.log.LogAttrs(ctx, slog.LevelInfo, "security: card-testing block lifted",
		slog.String("event", "card_testing_unblocked"), slog.String("client", client), slog.String("request_id", httpx.RequestID(ctx)))
	return nil
}

// declined counts one decline of client and blocks it when its bucket is
// empty.
func (g *Guard) declined(ctx context.Context, client string) {
	d, err := g.declines.AllowN(ctx, client, 1)
	if err != nil || (d.Allowed && d.Remaining > 0) {
		return
	}
	b, err := g.blocks.AllowN(ctx, client, 1)
	if err != nil || !b.Allowed {
		return // already blocked (a decline that raced the block)
	}
	ev := Blocked{Client: client, Declines: g.cfg.Declines, Window: g.cfg.Window, Until: g.now().Add(g.cfg.Block).UTC(), Request: httpx.RequestID(ctx)}
	g.events.WithLabelValues("card_testing").Inc()
	g.log.LogAttrs(ctx, slog.LevelWarn, "security event: card testing suspected, checkouts of the client blocked",
		slog.String("event", "card_testing"), slog.String("client", client), slog.Int("declines", g.cfg.Declines),
		slog.Duration("window", g.cfg.Window), slog.Time("until", ev.Until), slog.String("request_id", ev.Request))
	if g.OnBlock != nil {
		g.OnBlock(ctx, ev)
	}
}
