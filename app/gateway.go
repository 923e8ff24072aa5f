package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agoracommerce/agora/gateway"
	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/obs"
)

// GatewayConfig configures `agora gateway`: the public edge as its own
// process, in front of modules that run apart.
type GatewayConfig struct {
	Addr string
	// Upstreams are the services behind the gateway, by name, each with
	// its addresses (static, or DNS names that resolve to several).
	Upstreams map[string][]string
	// Pool tunes health checks and breakers; zero values take defaults.
	Pool             gateway.PoolConfig
	Security         SecurityConfig
	RedisURL         string
	MaxBody          int64
	ShutdownTimeout  time.Duration
	OTLPEndpoint     string
	TraceSampleRatio float64
	// StartTimeout bounds the wait for every upstream to be ready and to
	// serve its OpenAPI document at start.
	StartTimeout time.Duration
}

// DefaultGatewayConfig returns the defaults.
func DefaultGatewayConfig() GatewayConfig {
	return GatewayConfig{Addr: "127.0.0.1:8080", Security: DefaultSecurityConfig(), MaxBody: httpx.DefaultMaxBody,
		ShutdownTimeout: 20 * time.Second, StartTimeout: time.Minute}
}

// ParseUpstreams reads "name=url[,url…]" entries (one per upstream, or
// several separated by ';').
func ParseUpstreams(entries []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, e := range entries {
		for _, part := range strings.Split(e, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, urls, ok := strings.Cut(part, "=")
			if !ok || name == "" || urls == "" {
				return nil, fmt.Errorf("upstream %q is not name=url[,url…]", part)
			}
			for _, u := range strings.Split(urls, ",") {
				if u = strings.TrimSpace(u); u != "" {
					out[name] = append(out[name], u)
				}
			}
		}
	}
	return out, nil
}

// Gateway is a running `agora gateway`.
type Gateway struct {
	cfg     GatewayConfig
	log     *slog.Logger
	gw      *gateway.Gateway
	proxy   *gateway.Proxy
	handler http.Handler
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	tracing func(context.Context) error
}

// NewGateway checks cfg and returns the gateway; Start makes it serve.
func NewGateway(cfg GatewayConfig, log *slog.Logger) (*Gateway, error) {
	var problems []string
	if len(cfg.Upstreams) == 0 {
		problems = append(problems, "no upstreams: pass --upstream name=url[,url…] (or AGORA_UPSTREAMS)")
	}
	problems = append(problems, cfg.Security.Problems()...)
	if len(problems) > 0 {
		return nil, errors.New("gateway configuration: " + strings.Join(problems, "; "))
	}
	return &Gateway{cfg: cfg, log: log}, nil
}

// Start finds the upstreams' instances, waits until each upstream has a
// ready one, learns their operations and builds the handler.
func (g *Gateway) Start(ctx context.Context) error {
	tc := obs.TraceConfig{Endpoint: g.cfg.OTLPEndpoint, Service: "agora-gateway", Version: Version, SampleRatio: g.cfg.TraceSampleRatio}
	var err error
	if g.tracing, err = obs.StartTracing(ctx, tc); err != nil {
		return err
	}
	names := make([]string, 0, len(g.cfg.Upstreams))
	for n := range g.cfg.Upstreams {
		names = append(names, n)
	}
	sort.Strings(names)
	var pools []*gateway.Pool
	for _, n := range names {
		p, err := gateway.NewPool(n, g.cfg.Upstreams[n], g.cfg.Pool)
		if err != nil {
			return err
		}
		pools = append(pools, p)
	}
	metrics := obs.NewMetrics()
	g.gw = gateway.New(g.cfg.Security, g.cfg.RedisURL, g.cfg.MaxBody, metrics.Registry, g.log, time.Now)
	g.proxy = gateway.NewProxy(pools, g.cfg.MaxBody, metrics.Registry, g.log)
	deadline := time.Now().Add(g.cfg.StartTimeout)
	for {
		for _, p := range pools {
			p.Refresh(ctx)
		}
		err = g.proxy.Load(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("gateway: upstreams not ready after %s: %w", g.cfg.StartTimeout, err)
		}
		g.log.Info("waiting for upstreams", "err", err)
		time.Sleep(500 * time.Millisecond)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.cancel = cancel
	for _, p := range pools {
		g.wg.Go(func() { p.Watch(runCtx) })
	}
	watched, err := cardguard.WatchedIn(g.proxy.Spec())
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if down := g.proxy.Ready(); len(down) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = jsonEncode(w, map[string]any{"status": "unavailable", "upstreams_down": down})
			return
		}
		_ = jsonEncode(w, map[string]any{"status": "ready", "upstreams": names})
	})
	mux.Handle("GET /metrics", metrics.Handler())
	spec := g.proxy.Spec()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/openapi+json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(spec)
	})
	mux.Handle("/", g.proxy.Handler())
	h, err := g.gw.Limits(obs.Route(mux), watched, g.proxy.Pattern)
	if err != nil {
		return err
	}
	h = metrics.Middleware(h)
	g.handler = obs.Trace(tc, httpx.Base(g.log, g.gw.Edge(h)))
	return nil
}

// Handler is the gateway's HTTP handler; valid after Start.
func (g *Gateway) Handler() http.Handler { return g.handler }

// Stop ends the health checks and exports the last spans.
func (g *Gateway) Stop(ctx context.Context) {
	if g.cancel != nil {
		g.cancel()
	}
	g.wg.Wait()
	if g.gw != nil {
		g.gw.Close()
	}
	if g.tracing != nil {
		_ = g.tracing(ctx)
	}
}

// Serve starts the gateway and serves until ctx ends, then drains.
func (g *Gateway) Serve(ctx context.Context, ready func(addr string)) error {
	if err := g.Start(ctx); err != nil {
		g.Stop(context.WithoutCancel(ctx))
		return err
	}
	tlsCfg, err := g.cfg.Security.TLS()
	if err == nil {
		err = serveHTTP(ctx, g.handler, g.cfg.Addr, tlsCfg, g.cfg.ShutdownTimeout, g.log, func(addr string) {
			g.log.Info("agora gateway is serving", "addr", addr, "upstreams", slices.Sorted(maps.Keys(g.cfg.Upstreams)), "version", Version)
			if ready != nil {
				ready(addr)
			}
		})
	}
	g.Stop(context.WithoutCancel(ctx))
	return err
}
