// Package app is Agora's composition root: configuration, the module
// registry with its dependency order and --modules targets, wiring of
// stores, services, routes and event relays, and the HTTP server's
// lifecycle (start in dependency order, graceful drain on SIGTERM, stop in
// reverse). It is the only package that sees several modules'
// implementations.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/gateway"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/event/jetstream"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/idem"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/platform/obs"
	"github.com/agoracommerce/agora/platform/ratelimit"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/svcauth"
)

// Version is the binary's version, set at build time with
// -ldflags "-X github.com/agoracommerce/agora/app.Version=…".
var Version = "dev"

// Config is everything Agora can be told at start. cmd/agora fills it from
// flags, AGORA_* variables and an optional config file.
type Config struct {
	Addr        string
	DataDir     string
	Modules     []string
	PostgresURL string
	ReplicaURLs []string
	NATSURL     string
	// NATSNamespace isolates this deployment's events on a shared NATS.
	NATSNamespace string
	RedisURL      string
	// NoRedisCache keeps the catalog's read cache in process only even
	// when RedisURL is set (which then shares rate limits only).
	NoRedisCache bool
	AdminKey     string
	Demo         bool
	// SQLiteSync is SQLite's synchronous mode: full (default) or normal.
	SQLiteSync      string
	MaxBody         int64
	ShutdownTimeout time.Duration
	// Security holds rate limits, the card-testing guard, CORS and TLS.
	Security SecurityConfig
	// StripeSecretKey enables the "stripe" payment provider.
	StripeSecretKey string
	// StripeAPIURL replaces Stripe's API address (e.g. a stripe-mock).
	StripeAPIURL string
	// StripeWebhookSecret is the signing secret of Stripe's webhooks.
	StripeWebhookSecret string
	// Remote gives the address of each module this process calls but does
	// not run (module name → base URL of a process that runs it); calls go
	// to its internal API with service tokens.
	Remote map[string]string
	// ServiceSecret is the deployment's secret for service tokens (ADR
	// 17): needed to call remote modules, and to serve the internal API
	// (/internal/...) to other processes; without it there is none.
	ServiceSecret string
	// OTLPEndpoint, when set, turns tracing on: spans go to this
	// OpenTelemetry collector over OTLP/HTTP.
	OTLPEndpoint string
	// TraceSampleRatio is the share of new traces recorded (1 when 0).
	TraceSampleRatio float64
}

func (c Config) tracing() obs.TraceConfig {
	return obs.TraceConfig{Endpoint: c.OTLPEndpoint, Service: "agora", Version: Version, SampleRatio: c.TraceSampleRatio}
}

// DefaultConfig returns the embedded defaults of API.md.
func DefaultConfig() Config {
	return Config{
		Addr: "127.0.0.1:8080", DataDir: "./agora-data", Modules: []string{"all"},
		SQLiteSync: "full", MaxBody: httpx.DefaultMaxBody, ShutdownTimeout: 20 * time.Second,
		Security: DefaultSecurityConfig(),
	}
}

// settings are the parts of c that modules read.
func (c Config) settings() module.Settings {
	return module.Settings{DataDir: c.DataDir, ReplicaURLs: c.ReplicaURLs, AdminKey: c.AdminKey,
		StripeSecretKey: c.StripeSecretKey, StripeAPIURL: c.StripeAPIURL, StripeWebhookSecret: c.StripeWebhookSecret}
}

// Validate reports every problem of the configuration at once, in words an
// operator can act on.
func (c Config) Validate() error {
	var problems []string
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Sprintf("addr %q is not host:port (e.g. 127.0.0.1:8080)", c.Addr))
	}
	if c.PostgresURL == "" && c.DataDir == "" {
		problems = append(problems, "data dir is empty; set --data or AGORA_DATA_DIR")
	}
	if c.PostgresURL != "" && !strings.HasPrefix(c.PostgresURL, "postgres://") && !strings.HasPrefix(c.PostgresURL, "postgresql://") {
		problems = append(problems, "postgres URL must start with postgres:// or postgresql://")
	}
	for _, u := range c.ReplicaURLs {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			problems = append(problems, fmt.Sprintf("replica URL %q must start with postgres://", u))
		}
	}
	if len(c.ReplicaURLs) > 0 && c.PostgresURL == "" {
		problems = append(problems, "read replicas need AGORA_POSTGRES_URL")
	}
	for name, u := range c.Remote {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			problems = append(problems, fmt.Sprintf("remote %s=%q must be an http:// or https:// address", name, u))
		}
	}
	if len(c.Remote) > 0 && c.ServiceSecret == "" {
		problems = append(problems, "remote modules need AGORA_SERVICE_SECRET (the same on every process) to sign their calls")
	}
	if c.ServiceSecret != "" && len(c.ServiceSecret) < svcauth.MinSecret {
		problems = append(problems, fmt.Sprintf("AGORA_SERVICE_SECRET must have at least %d characters", svcauth.MinSecret))
	}
	if c.TraceSampleRatio < 0 || c.TraceSampleRatio > 1 {
		problems = append(problems, fmt.Sprintf("trace sample ratio %v is not between 0 and 1", c.TraceSampleRatio))
	}
	if c.OTLPEndpoint != "" && !strings.HasPrefix(c.OTLPEndpoint, "http://") && !strings.HasPrefix(c.OTLPEndpoint, "https://") {
		problems = append(problems, fmt.Sprintf("OTLP endpoint %q must start with http:// or https:// (OTLP over HTTP)", c.OTLPEndpoint))
	}
	if c.NATSURL != "" && !strings.HasPrefix(c.NATSURL, "nats://") && !strings.HasPrefix(c.NATSURL, "tls://") {
		problems = append(problems, "NATS URL must start with nats:// or tls://")
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		problems = append(problems, "Redis URL must start with redis:// or rediss://")
	}
	if c.AdminKey != "" && len(c.AdminKey) < access.MinOwnerKey {
		problems = append(problems, fmt.Sprintf("AGORA_ADMIN_KEY must have at least %d characters", access.MinOwnerKey))
	}
	if s := strings.ToLower(c.SQLiteSync); s != "full" && s != "normal" {
		problems = append(problems, "sqlite sync must be full or normal")
	}
	if c.MaxBody < 1024 || c.MaxBody > 64<<20 {
		problems = append(problems, "max body must be between 1 KiB and 64 MiB")
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, "shutdown timeout must be positive")
	}
	problems = append(problems, c.Security.Problems()...)
	if c.StripeAPIURL != "" && !strings.HasPrefix(c.StripeAPIURL, "http://") && !strings.HasPrefix(c.StripeAPIURL, "https://") {
		problems = append(problems, "Stripe API URL must start with http:// or https://")
	}
	if (c.StripeAPIURL != "" || c.StripeWebhookSecret != "") && c.StripeSecretKey == "" {
		problems = append(problems, "AGORA_STRIPE_API_URL and AGORA_STRIPE_WEBHOOK_SECRET need AGORA_STRIPE_SECRET_KEY")
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}

// Env is what a module's Start gets (module.Env).
type Env = module.Env

// prepared is the outcome of a module's Prepare, once done is closed.
type prepared struct {
	done chan struct{}
	v    any
	err  error
}

// host is the App as the modules' module.Host.
type host struct{ a *App }

// DB implements module.Host.
func (h host) DB(ctx context.Context, module string) (*sqldb.DB, error) { return h.a.db(ctx, module) }

// Limiter implements module.Host.
func (h host) Limiter(name string, limit ratelimit.Limit) ratelimit.Limiter {
	return h.a.gw.Limiter(name, limit)
}

// SharedCache implements module.Host.
func (h host) SharedCache(name string) *cache.Redis { return h.a.sharedCache(name) }

// RoutePattern implements module.Host.
func (h host) RoutePattern(r *http.Request) string { return h.a.routePattern(r) }

// Prepared implements module.Host.
func (h host) Prepared(module string) (any, error) {
	p := h.a.prepared[module]
	if p == nil {
		return nil, nil
	}
	<-p.done
	return p.v, p.err
}

// App is a configured Agora process.
type App struct {
	cfg      Config
	log      *slog.Logger
	registry *Registry
	now      func() time.Time

	mu      sync.Mutex
	dbs     map[string]*sqldb.DB
	shared  *sqldb.DB
	bus     *jetstream.Bus
	env     *Env
	mux     *http.ServeMux
	handler http.Handler
	running []*module.Running
	names   []string
	// prepared holds the modules' Prepare results; caches the metrics of
	// the shared caches, made on first use.
	prepared map[string]*prepared
	caches   *cache.Metrics
	gw       *gateway.Gateway
	// channelOf, when set, replaces how CORS finds a request's channel.
	channelOf func(*http.Request) string
	idem      *idem.Store
	spec      []byte
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	// svcKeys sign and check service tokens (nil without a service secret).
	svcKeys *svcauth.Keys
	// stopTracing exports the spans still buffered.
	stopTracing func(context.Context) error
}

// New returns an App for cfg with the registry's modules; nothing is
// opened yet.
func New(cfg Config, log *slog.Logger, registry *Registry) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &App{cfg: cfg, log: log, registry: registry, now: time.Now, dbs: map[string]*sqldb.DB{}}, nil
}

func (a *App) db(ctx context.Context, module string) (*sqldb.DB, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfg.PostgresURL != "" {
		if a.shared == nil {
			db, err := sqldb.Open(ctx, sqldb.Config{PostgresURL: a.cfg.PostgresURL, ReplicaURLs: a.cfg.ReplicaURLs, MaxOpen: 32})
			if err != nil {
				return nil, err
			}
			a.shared = db
		}
		return a.shared, nil
	}
	if db, ok := a.dbs[module]; ok {
		return db, nil
	}
	db, err := sqldb.Open(ctx, sqldb.Config{Path: filepath.Join(a.cfg.DataDir, module+".db"), Synchronous: a.cfg.SQLiteSync})
	if err != nil {
		return nil, err
	}
	a.dbs[module] = db
	return db, nil
}

// Migrate applies every pending migration of the selected modules and of
// the platform, then closes the databases.
func (a *App) Migrate(ctx context.Context) error {
	defer a.closeDBs()
	mods, err := a.registry.Order(a.cfg.Modules, a.cfg.Remote)
	if err != nil {
		return err
	}
	if err := a.migratePlatform(ctx); err != nil {
		return err
	}
	for _, m := range mods {
		if m.Migrate != nil {
			if err := m.Migrate(ctx, host{a}); err != nil {
				return err
			}
			a.log.Info("migrated", "module", m.Name)
			continue
		}
		if m.Migrations == nil {
			continue
		}
		db, err := a.db(ctx, m.Name)
		if err != nil {
			return err
		}
		if err := db.Migrate(ctx, m.Name, m.Migrations()); err != nil {
			return err
		}
		a.log.Info("migrated", "module", m.Name)
	}
	return nil
}

// migratePlatform applies the migrations of the process's own tables
// (idempotency keys).
func (a *App) migratePlatform(ctx context.Context) error {
	db, err := a.db(ctx, "platform")
	if err != nil {
		return err
	}
	return db.Migrate(ctx, "platform_idem", idem.Migrations())
}

// baseEnv returns the Env the modules start with, without the API, the
// event bus, health checks and metrics (Start adds them).
func (a *App) baseEnv() *Env {
	return &module.Env{Settings: a.cfg.settings(), Log: a.log, Now: a.now, Host: host{a},
		Modules: a.registry.All(), HostPermissions: gateway.Permissions}
}

// Access returns the access module's service: after Start, the running
// one (release does nothing); before, one opened alone on its database,
// with no server and no event bus (release closes the databases), for
// the command line (`agora keys create`).
func (a *App) Access(ctx context.Context) (svc access.Service, release func(), err error) {
	if a.env != nil {
		svc, err = module.Dep[access.Service](a.env, access.Module)
		return svc, func() {}, err
	}
	if svc, err = accessmod.Open(ctx, a.baseEnv()); err != nil {
		a.closeDBs()
		return nil, nil, err
	}
	return svc, a.closeDBs, nil
}

// Start opens storage and events, starts the selected modules in
// dependency order and builds the HTTP handler. Stop undoes it.
func (a *App) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			a.Stop(context.WithoutCancel(ctx))
		}
	}()
	mods, err := a.registry.Order(a.cfg.Modules, a.cfg.Remote)
	if err != nil {
		return err
	}
	// Each module's Prepare runs from now on, beside the start of the
	// modules before it.
	prep := map[string]*prepared{}
	for _, m := range mods {
		if m.Prepare == nil {
			continue
		}
		p := &prepared{done: make(chan struct{})}
		prep[m.Name] = p
		go func() {
			defer close(p.done)
			p.v, p.err = m.Prepare(a.cfg.settings())
		}()
	}
	if a.cfg.PostgresURL == "" {
		if err := os.MkdirAll(a.cfg.DataDir, 0o750); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	bcfg := jetstream.DefaultConfig()
	bcfg.URL = a.cfg.NATSURL
	bcfg.Namespace = a.cfg.NATSNamespace
	bcfg.Dir = filepath.Join(a.cfg.DataDir, "nats")
	if a.stopTracing, err = obs.StartTracing(ctx, a.cfg.tracing()); err != nil {
		return err
	}
	a.bus, err = jetstream.Open(ctx, bcfg, a.log)
	if err != nil {
		return err
	}
	if err := a.migratePlatform(ctx); err != nil {
		return err
	}
	pdb, _ := a.db(ctx, "platform")
	idcfg := idem.DefaultConfig()
	idcfg.MaxBody = a.cfg.MaxBody
	idcfg.Route = a.routePattern
	a.idem = idem.New(pdb, idcfg, a.now, a.log)

	a.mux = http.NewServeMux()
	api := httpx.NewAPI(a.mux, "Agora", Version, apiDescription)
	metrics := obs.NewMetrics()
	metrics.Registry.MustRegister(newDBCollector(a))
	health := obs.NewHealth()
	health.Add("platform_db", pdb.Ping)
	health.Add("events", a.bus.Ping)
	a.prepared = prep
	a.gw = gateway.New(a.cfg.Security, a.cfg.RedisURL, a.cfg.MaxBody, metrics.Registry, a.log, a.now)
	a.gw.ChannelOf = a.publishableChannel
	if a.channelOf != nil {
		a.gw.ChannelOf = a.channelOf
	}
	a.gw.Publish = a.bus.Publish
	a.env = a.baseEnv()
	a.env.API, a.env.Bus, a.env.Health, a.env.Metrics = api, a.bus, health, metrics
	a.gw.RegisterBlocks(api)

	if a.cfg.ServiceSecret != "" {
		if a.svcKeys, err = svcauth.NewKeys(a.cfg.ServiceSecret, a.now); err != nil {
			return err
		}
	}
	for _, m := range a.env.Modules {
		if u, ok := a.cfg.Remote[m.Name]; ok {
			a.env.ProvideRemote(m.Name, m.Client(a.svcKeys.Client("agora", m.Name, u)))
			a.log.Info("module is remote", "module", m.Name, "url", u)
		}
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	for _, m := range mods {
		r, err := m.Start(ctx, a.env)
		if err != nil {
			return fmt.Errorf("start %s: %w", m.Name, err)
		}
		if r == nil {
			r = &module.Running{}
		}
		a.running = append(a.running, r)
		a.names = append(a.names, m.Name)
		if r.Run != nil {
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				r.Run(runCtx)
			}()
		}
		a.log.Info("module started", "module", m.Name)
	}
	if a.cfg.Demo {
		if err := loadDemo(ctx, a.env); err != nil {
			return fmt.Errorf("demo catalog: %w", err)
		}
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.housekeeping(runCtx)
	}()

	// The modules' middlewares are made now that every route is
	// registered (the guard's table is built from them).
	if len(a.env.Middlewares(module.Authenticate)) == 0 && servesAdmin(api.OpenAPI()) {
		return fmt.Errorf("the API serves admin routes but no module guards them: the %s module must run in every process", access.Module)
	}
	a.env.Middleware(module.Idempotency, a.idem.Middleware)
	routes := a.env.Chain(obs.Route(a.mux))
	gateway.DocumentLimits(api.OpenAPI())
	a.spec, err = httpx.SpecJSON(api)
	if err != nil {
		return err
	}
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	a.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failed := health.Ready(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = jsonEncode(w, map[string]any{"status": "unavailable", "failed": failed})
			return
		}
		_ = jsonEncode(w, map[string]any{"status": "ready", "modules": a.names})
	})
	a.mux.Handle("GET /metrics", metrics.Handler())
	a.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/openapi+json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(a.spec)
	})
	docs, err := renderDocs(api.OpenAPI())
	if err != nil {
		return err
	}
	a.mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		_, _ = w.Write(docs)
	})
	a.mux.HandleFunc("/", httpx.NoRoute(a.mux))

	a.gw.ApplyBodyLimit(api.OpenAPI())
	h, err := a.gw.Limits(routes, cardguard.Watched(api.OpenAPI()), a.routePattern)
	if err != nil {
		return err
	}
	h = a.gw.Edge(metrics.Middleware(h))
	if a.svcKeys != nil {
		h = internalAPI(a.svcKeys, a.names, metrics.Middleware(obs.Route(a.mux)), h)
	}
	a.handler = obs.Trace(a.cfg.tracing(), httpx.Base(a.log, h))
	return nil
}

// routePattern is the pattern of the route that serves r ("/" when none
// does), for the admin guard.
func (a *App) routePattern(r *http.Request) string {
	_, pattern := a.mux.Handler(r)
	return pattern
}

// servesAdmin reports whether doc has an operation under /admin.
func servesAdmin(doc *huma.OpenAPI) bool {
	for path := range doc.Paths {
		if path == "/admin" || strings.HasPrefix(path, "/admin/") {
			return true
		}
	}
	return false
}

// AdminKeyHint tells an operator where the owner key is.
func (a *App) AdminKeyHint() string { return accessmod.AdminKeyHint(a.cfg.settings()) }

// housekeeping runs periodic chores: purging old idempotency keys.
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	purge := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(purge) > time.Hour {
			purge = time.Now()
			if n, err := a.idem.Purge(ctx); err != nil {
				a.log.Warn("purging idempotency keys failed", "err", err)
			} else if n > 0 {
				a.log.Info("purged idempotency keys", "count", n)
			}
		}
	}
}

// Handler is the whole HTTP API; valid after Start.
func (a *App) Handler() http.Handler { return a.handler }

// Env is the environment the modules were started with; valid after Start.
func (a *App) Env() *Env { return a.env }

// Stop stops the modules in reverse order (after their background work
// ended), then closes events and storage.
func (a *App) Stop(ctx context.Context) {
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
	for i := len(a.running) - 1; i >= 0; i-- {
		if s := a.running[i].Stop; s != nil {
			if err := s(ctx); err != nil {
				a.log.Warn("module stop failed", "module", a.names[i], "err", err)
			}
		}
	}
	a.running, a.names = nil, nil
	if a.gw != nil {
		a.gw.Close()
	}
	if a.bus != nil {
		a.bus.Close()
		a.bus = nil
	}
	a.closeDBs()
	if a.stopTracing != nil {
		if err := a.stopTracing(ctx); err != nil {
			a.log.Warn("exporting the last spans failed", "err", err)
		}
		a.stopTracing = nil
	}
}

func (a *App) closeDBs() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for name, db := range a.dbs {
		if err := db.Close(); err != nil {
			a.log.Warn("closing database failed", "module", name, "err", err)
		}
	}
	a.dbs = map[string]*sqldb.DB{}
	if a.shared != nil {
		_ = a.shared.Close()
		a.shared = nil
	}
}

// Serve starts the app, serves HTTP on cfg.Addr until ctx ends, then
// drains: it stops accepting, lets in-flight requests finish (up to the
// shutdown timeout), and stops the modules. ready, when non-nil, receives
// the listening address once requests are accepted.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	tlsCfg, err := a.cfg.Security.TLS()
	if err != nil {
		a.Stop(context.WithoutCancel(ctx))
		return err
	}
	err = serveHTTP(ctx, a.handler, a.cfg.Addr, tlsCfg, a.cfg.ShutdownTimeout, a.log, func(addr string) {
		a.log.Info("agora is serving", "addr", addr, "scheme", a.Scheme(), "modules", a.names, "version", Version,
			"storage", a.storageName(), "events", a.eventsName())
		if ready != nil {
			ready(addr)
		}
	})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	a.Stop(sctx)
	a.log.Info("stopped")
	return err
}

func (a *App) storageName() string {
	if a.cfg.PostgresURL != "" {
		return "postgres"
	}
	return "sqlite"
}

func (a *App) eventsName() string {
	if a.cfg.NATSURL != "" {
		return "nats"
	}
	return "embedded-nats"
}

// Analyze refreshes the query planner's statistics of every open database;
// run it after a bulk load such as a seed.
func (a *App) Analyze(ctx context.Context) error {
	a.mu.Lock()
	dbs := make([]*sqldb.DB, 0, len(a.dbs)+1)
	for _, db := range a.dbs {
		dbs = append(dbs, db)
	}
	if a.shared != nil {
		dbs = append(dbs, a.shared)
	}
	a.mu.Unlock()
	for _, db := range dbs {
		if err := db.Analyze(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Modules lists the modules the app runs, in start order.
func (a *App) Modules() []string { return slices.Clone(a.names) }
