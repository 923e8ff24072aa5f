// Package module is how a business module plugs into an Agora process:
// each module defines one Module (its name, the modules it calls, its
// migrations and how it starts) in its own tree, and the composition root
// (app) lists them, starts them in dependency order and stops them in
// reverse. A starting module finds what the process shares (databases,
// the event bus, the HTTP API, health checks, metrics, caches, limiters)
// and the services of the modules it depends on in its Env.
package module

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/event/jetstream"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/obs"
	"github.com/agoracommerce/agora/platform/ratelimit"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// Module is one business module as the composition root sees it.
type Module struct {
	Name string
	// Deps are the modules this one calls; they start before it and stop
	// after it.
	Deps []string
	// Always makes the module start in every process, whatever modules
	// the process is told to run (the access module: every admin route
	// depends on its guard).
	Always bool
	// Permissions declares the permissions the module's admin operations
	// require (auth.Require), with the built-in roles that hold each.
	Permissions []auth.PermissionInfo
	// Client, when set, returns the module's service over HTTP (its
	// <module>http client on c), which a process that does not run the
	// module gives the modules that call it (--remote).
	Client func(c *httpx.Client) any
	// Migrations, when set, returns the module's embedded migrations, which
	// `agora migrate` applies to the module's database under its name
	// (Start applies them too).
	Migrations func() fs.FS
	// Migrate, when set, replaces Migrations for a module that keeps its
	// tables elsewhere than its own database and name: it applies the
	// module's migrations on the databases h gives.
	Migrate func(ctx context.Context, h Host) error
	// Prepare, when set, does work of the module's own that needs no other
	// module and nothing Start makes (reading its files into memory). It
	// runs beside the start of the modules before this one; Start collects
	// its result with Env.Prepared.
	Prepare func(s Settings) (any, error)
	// Start wires the module into env (its store, service, routes, event
	// consumers) and returns what must run and stop with it.
	Start func(ctx context.Context, env *Env) (*Running, error)
}

// Running is a started module: background work to run and a stop hook.
type Running struct {
	// Run, when set, runs until ctx ends (relays, consumers, sweepers).
	Run func(ctx context.Context)
	// Stop, when set, releases what Start acquired; it runs after Run ended.
	Stop func(ctx context.Context) error
}

// Together returns a Run that runs every fn until ctx ends, each in its
// own goroutine, and returns when all have returned.
func Together(fns ...func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, fn := range fns {
			wg.Go(func() { fn(ctx) })
		}
		wg.Wait()
	}
}

// Settings are the parts of the process's configuration that modules read.
type Settings struct {
	// DataDir holds the embedded databases and the modules' files.
	DataDir string
	// ReplicaURLs are PostgreSQL read replicas (reads may lag writes).
	ReplicaURLs []string
	// AdminKey is the owner's admin API key (AGORA_ADMIN_KEY), or "".
	AdminKey string
	// Stripe enables the "stripe" payment provider when SecretKey is set.
	StripeSecretKey, StripeAPIURL, StripeWebhookSecret string
}

// Host gives modules what the process owns and shares.
type Host interface {
	// DB returns the database of module: on SQLite a file of its own, on
	// PostgreSQL the shared database (tables are prefixed by module).
	DB(ctx context.Context, module string) (*sqldb.DB, error)
	// SharedCache returns the cache named name shared by every instance
	// (Redis), or nil when there is none.
	SharedCache(name string) *cache.Redis
	// Limiter returns the rate limiter named name (in process, or shared
	// through Redis).
	Limiter(name string, limit ratelimit.Limit) ratelimit.Limiter
	// Prepared waits for module's Prepare and returns its result (nil, nil
	// when it has none).
	Prepared(module string) (any, error)
	// RoutePattern returns the pattern of the route that serves r ("/"
	// when none does), as http.ServeMux.Handler reports it.
	RoutePattern(r *http.Request) string
}

// Position is a place in the middleware chain every request to the
// process's routes passes through, after the edge (addresses, limits,
// metrics) and before the route. Positions run in their order: a
// request meets Authenticate first.
type Position int

// The positions.
const (
	// Authenticate identifies admin callers and checks their permission,
	// and resolves the publishable key of store requests (the access
	// module's guard).
	Authenticate Position = iota
	// Audit records admin changes (the access module's audit log); it
	// sees the caller and route Authenticate found.
	Audit
	// Idempotency replays the answers of repeated writes (the process's
	// own); what runs before it sees every attempt, what runs after it
	// only the first.
	Idempotency
	// Identify identifies the shopper of store requests (the customer
	// module's sessions).
	Identify
	positions
)

// Middleware makes a handler that runs before next.
type Middleware func(next http.Handler) http.Handler

// Env is what a starting module finds: the process's shared parts and the
// services of the modules started before it.
type Env struct {
	Settings Settings
	Log      *slog.Logger
	Now      func() time.Time
	API      huma.API
	Bus      *jetstream.Bus
	Health   *obs.Health
	Metrics  *obs.Metrics
	Host     Host
	// Modules are every module the binary knows, started here or not.
	Modules []Module
	// HostPermissions declares the permissions of the process's own admin
	// operations (the edge's).
	HostPermissions []auth.PermissionInfo

	mu          sync.RWMutex
	services    map[string]any
	remote      map[string]bool
	middlewares [positions][]Middleware
}

// Permissions returns the permissions every module the binary knows
// declares, and the process's own.
func (e *Env) Permissions() []auth.PermissionInfo {
	out := slices.Clone(e.HostPermissions)
	for _, m := range e.Modules {
		out = append(out, m.Permissions...)
	}
	return out
}

// Middleware adds mw at pos of the chain of the process's routes; at one
// position, the first added runs first. The process calls mw once, after
// every module started: the API then holds every route.
func (e *Env) Middleware(pos Position, mw Middleware) {
	if pos < 0 || pos >= positions {
		panic(fmt.Sprintf("module: no middleware position %d", pos))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.middlewares[pos] = append(e.middlewares[pos], mw)
}

// Middlewares returns the middlewares added at pos, first added first.
func (e *Env) Middlewares(pos Position) []Middleware {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.middlewares[pos])
}

// Chain returns h behind the middlewares of every position, in order.
func (e *Env) Chain(h http.Handler) http.Handler {
	for pos := positions - 1; pos >= 0; pos-- {
		mws := e.Middlewares(pos)
		for i := len(mws) - 1; i >= 0; i-- {
			h = mws[i](h)
		}
	}
	return h
}

// RoutePattern returns the pattern of the route that serves r ("/" when
// none does).
func (e *Env) RoutePattern(r *http.Request) string { return e.Host.RoutePattern(r) }

// DB returns the database of module.
func (e *Env) DB(ctx context.Context, module string) (*sqldb.DB, error) {
	return e.Host.DB(ctx, module)
}

// SharedCache returns the cache named name shared by every instance, or nil.
func (e *Env) SharedCache(name string) *cache.Redis { return e.Host.SharedCache(name) }

// Limiter returns the rate limiter named name; name must be unique in the
// process (it names the Redis keys and the metric labels).
func (e *Env) Limiter(name string, limit ratelimit.Limit) ratelimit.Limiter {
	return e.Host.Limiter(name, limit)
}

// Prepared waits for module's Prepare and returns its result.
func (e *Env) Prepared(module string) (any, error) { return e.Host.Prepared(module) }

// Provide makes a module's service available to the modules started after it.
func (e *Env) Provide(module string, svc any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.services == nil {
		e.services = map[string]any{}
	}
	e.services[module] = svc
}

// ProvideRemote makes the client of a module that runs in another process
// available to the modules started here.
func (e *Env) ProvideRemote(module string, client any) {
	e.Provide(module, client)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.remote == nil {
		e.remote = map[string]bool{}
	}
	e.remote[module] = true
}

// Relay returns the outbox relay of module on db and reports its backlog as
// agora_outbox_pending{module}. The module's Running.Run runs it.
func (e *Env) Relay(module string, db *sqldb.DB) *outbox.Relay {
	rel := outbox.NewRelay(module, db, e.Bus, outbox.DefaultRelayConfig(), e.Log)
	e.Metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "agora_outbox_pending", Help: "Outbox rows waiting to be relayed, by module.",
		ConstLabels: prometheus.Labels{"module": module},
	}, func() float64 { return float64(rel.Pending()) }))
	return rel
}

// OpenStore opens module's database, its outbox relay, and its store over
// both (open is the store's constructor, such as cartsql.New), applies the
// store's migrations, and adds the readiness check "<module>_db".
func OpenStore[S interface{ Migrate(context.Context) error }](ctx context.Context, env *Env, module string,
	open func(db *sqldb.DB, committed func()) S) (S, *sqldb.DB, *outbox.Relay, error) {
	var zero S
	db, err := env.DB(ctx, module)
	if err != nil {
		return zero, nil, nil, err
	}
	rel := env.Relay(module, db)
	st := open(db, rel.Notify)
	if err := st.Migrate(ctx); err != nil {
		return zero, nil, nil, err
	}
	env.Health.Add(module+"_db", db.Ping)
	return st, db, rel, nil
}

// Dep returns the service module provided, as T. A module that is not
// started, or that provided something else, is an error naming both, so
// that a wiring mistake fails the start instead of the first request.
func Dep[T any](env *Env, module string) (T, error) {
	env.mu.RLock()
	v, ok := env.services[module]
	env.mu.RUnlock()
	if !ok {
		var zero T
		return zero, fmt.Errorf("module %s is not started here (list it in --modules, or a module that needs it)", module)
	}
	svc, ok := v.(T)
	if !ok {
		return svc, fmt.Errorf("module %s provides %T, not %s", module, v, reflect.TypeFor[T]())
	}
	return svc, nil
}

// Optional returns the service of module as T if the module runs here (ok
// false if it does not, or if it is remote and its client does not offer
// T); a local one that provided something else is an error.
func Optional[T any](env *Env, module string) (svc T, ok bool, err error) {
	env.mu.RLock()
	v, ok := env.services[module]
	remote := env.remote[module]
	env.mu.RUnlock()
	if !ok {
		return svc, false, nil
	}
	if _, is := v.(T); !is && remote {
		return svc, false, nil // a capability the module offers only in process
	}
	svc, err = Dep[T](env, module)
	return svc, err == nil, err
}
