// Command agora is the Agora commerce platform: one binary that serves
// every module (or a chosen few), migrates, seeds and manages admin keys.
// It parses configuration and calls into app; nothing else happens here.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/app"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/cataloghttp"
	"github.com/agoracommerce/agora/catalog/catalogseed"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
)

// Globals are the options every command shares.
type Globals struct {
	Config      kong.ConfigFlag `help:"JSON config file whose keys are flag names (e.g. {\"addr\": \"0.0.0.0:8080\"})." type:"existingfile" env:"AGORA_CONFIG"`
	Data        string          `help:"Directory of the embedded databases and event store." default:"./agora-data" env:"AGORA_DATA_DIR" name:"data" type:"path"`
	PostgresURL string          `help:"Store data in PostgreSQL instead of SQLite." env:"AGORA_POSTGRES_URL" name:"postgres-url"`
	ReplicaURLs []string        `help:"PostgreSQL read replicas for store reads." env:"AGORA_PG_REPLICA_URLS" name:"pg-replica-urls"`
	NATSURL     string          `help:"Use an external NATS JetStream instead of the embedded one." env:"AGORA_NATS_URL" name:"nats-url"`
	NATSNS      string          `help:"Isolate this deployment's events on a shared NATS (streams AGORA_<NS>, subjects <ns>.agora.…)." env:"AGORA_NATS_NAMESPACE" name:"nats-namespace"`
	RedisURL    string          `help:"Redis shared by every instance (optional): rate limits, and the second level of the catalog's read cache." env:"AGORA_REDIS_URL" name:"redis-url"`
	RedisCache  bool            `help:"With --redis-url, share the catalog's read cache in Redis (--no-redis-cache: in process only)." default:"true" negatable:"" env:"AGORA_REDIS_CACHE" name:"redis-cache"`
	AdminKey    string          `help:"Owner admin API key (at least 32 characters)." env:"AGORA_ADMIN_KEY" name:"admin-key"`
	Modules     []string        `help:"Modules to run: all, or a list such as catalog." default:"all" env:"AGORA_MODULES"`
	SQLiteSync  string          `help:"SQLite durability: full (survives power loss) or normal (survives crashes)." default:"full" enum:"full,normal" env:"AGORA_SQLITE_SYNC" name:"sqlite-sync"`
	LogLevel    string          `help:"Log level." default:"info" enum:"debug,info,warn,error" env:"AGORA_LOG_LEVEL"`
	LogFormat   string          `help:"Log format." default:"json" enum:"json,text" env:"AGORA_LOG_FORMAT"`
	OTLP        string          `help:"OpenTelemetry collector (OTLP/HTTP, e.g. http://127.0.0.1:4318) to send traces to; tracing is off when empty." env:"AGORA_OTEL_EXPORTER_OTLP_ENDPOINT,OTEL_EXPORTER_OTLP_ENDPOINT" name:"otlp-endpoint"`
	TraceRatio  float64         `help:"Share of new traces recorded, from 0 to 1 (a trace a caller started follows the caller's choice)." default:"1" env:"AGORA_TRACE_SAMPLE_RATIO" name:"trace-sample-ratio"`
}

func (g *Globals) appConfig() app.Config {
	c := app.DefaultConfig()
	c.DataDir, c.PostgresURL, c.ReplicaURLs = g.Data, g.PostgresURL, g.ReplicaURLs
	c.NATSURL, c.RedisURL, c.AdminKey, c.Modules, c.SQLiteSync = g.NATSURL, g.RedisURL, g.AdminKey, g.Modules, g.SQLiteSync
	c.NATSNamespace = g.NATSNS
	c.NoRedisCache = !g.RedisCache
	c.OTLPEndpoint, c.TraceSampleRatio = g.OTLP, g.TraceRatio
	return c
}

func (g *Globals) logger() *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(g.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if g.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// ServeCmd serves the API.
type ServeCmd struct {
	Addr            string            `help:"Address to listen on." default:"127.0.0.1:8080" env:"AGORA_ADDR"`
	Demo            bool              `help:"On an empty store, load a demo catalog first." env:"AGORA_DEMO"`
	MaxBody         int64             `help:"Largest request body in bytes." default:"1048576" env:"AGORA_MAX_BODY"`
	ShutdownTimeout time.Duration     `help:"How long a graceful stop waits for in-flight requests." default:"20s" env:"AGORA_SHUTDOWN_TIMEOUT"`
	Security        SecurityFlags     `embed:""`
	StripeSecretKey string            `help:"Stripe secret API key; enables the stripe payment provider." env:"AGORA_STRIPE_SECRET_KEY" name:"stripe-secret-key"`
	StripeAPIURL    string            `help:"Base URL of the Stripe API (e.g. a local stripe-mock); Stripe's own when empty." env:"AGORA_STRIPE_API_URL" name:"stripe-api-url"`
	StripeWebhook   string            `help:"Signing secret (whsec_…) of Stripe's webhooks to POST /webhooks/stripe." env:"AGORA_STRIPE_WEBHOOK_SECRET" name:"stripe-webhook-secret"`
	Remote          map[string]string `help:"Modules this process calls but does not run, with the address of a process that runs them: inventory=http://inventory:8080,payment=http://payment:8080 (also AGORA_REMOTE_<MODULE>=URL)." env:"AGORA_REMOTE" mapsep:","`
	ServiceSecret   string            `help:"The deployment's secret for calls between processes (at least 32 characters, the same everywhere): needed by --remote, and to serve /internal/ to other processes." env:"AGORA_SERVICE_SECRET" name:"service-secret"`
	PprofAddr       string            `help:"Serve Go's runtime profiles (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060 (off when empty)." env:"AGORA_PPROF_ADDR" name:"pprof-addr"`
}

// Run serves until SIGINT or SIGTERM, then drains.
func (s *ServeCmd) Run(g *Globals) error {
	cfg := g.appConfig()
	cfg.Addr, cfg.Demo, cfg.MaxBody, cfg.ShutdownTimeout = s.Addr, s.Demo, s.MaxBody, s.ShutdownTimeout
	var err error
	if cfg.Security, err = s.Security.config(); err != nil {
		return err
	}
	cfg.StripeSecretKey, cfg.StripeAPIURL, cfg.StripeWebhookSecret = s.StripeSecretKey, s.StripeAPIURL, s.StripeWebhook
	cfg.Remote, cfg.ServiceSecret = remoteOf(s.Remote, os.Environ()), s.ServiceSecret
	log := g.logger()
	a, err := app.New(cfg, log, app.Modules())
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if s.PprofAddr != "" {
		addr, err := serveProfiles(ctx, s.PprofAddr, log)
		if err != nil {
			return err
		}
		log.Info("runtime profiles served", "addr", "http://"+addr+"/debug/pprof/")
	}
	return a.Serve(ctx, func(addr string) {
		base := a.Scheme() + "://" + addr
		fmt.Fprintf(os.Stderr, "\nAgora %s is serving on %s\n  store:  %s/store/products\n  docs:   %s/docs\n  admin key: %s\n\n",
			app.Version, base, base, base, a.AdminKeyHint())
	})
}

// MigrateCmd applies pending migrations.
type MigrateCmd struct{}

// Run migrates and exits.
func (MigrateCmd) Run(g *Globals) error {
	a, err := app.New(g.appConfig(), g.logger(), app.Modules())
	if err != nil {
		return err
	}
	return a.Migrate(context.Background())
}

// SeedCmd generates a catalog.
type SeedCmd struct {
	Products   int    `help:"How many products to generate." default:"1000"`
	Categories int    `help:"How many categories to create." default:"300"`
	Seed       int64  `help:"Random seed (0: a new one each run)."`
	Target     string `help:"Seed a running Agora at this URL through its API (needs --admin-key) instead of the local data directory."`
}

// Run generates the catalog with a progress bar.
func (s *SeedCmd) Run(g *Globals) error {
	if s.Products < 0 || s.Products > 10_000_000 {
		return fmt.Errorf("--products must be between 0 and 10,000,000")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := catalogseed.Options{Products: s.Products, Categories: s.Categories, Seed: s.Seed, Progress: os.Stderr}
	if s.Target != "" {
		if g.AdminKey == "" {
			return fmt.Errorf("--target needs the admin key (--admin-key or AGORA_ADMIN_KEY)")
		}
		client := cataloghttp.NewClient(&httpx.Client{BaseURL: s.Target, HTTP: &http.Client{Timeout: 5 * time.Minute},
			Header: http.Header{"Authorization": {"Bearer " + g.AdminKey}}})
		return report(catalogseed.Generate(ctx, client, opt))
	}
	cfg := g.appConfig()
	cfg.Modules = []string{catalog.Module}
	a, err := app.New(cfg, g.logger(), app.Modules())
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	defer a.Stop(context.WithoutCancel(ctx))
	cat, err := module.Dep[catalog.Service](a.Env(), catalog.Module)
	if err != nil {
		return err
	}
	if err := report(catalogseed.Generate(ctx, cat, opt)); err != nil {
		return err
	}
	return a.Analyze(ctx)
}

func report(res catalogseed.Result, err error) error {
	if err != nil {
		return err
	}
	rate := float64(res.Products) / max(res.Duration.Seconds(), 1e-9)
	fmt.Fprintf(os.Stderr, "seeded %d categories, %d products, %d variants in %s (%.0f products/s)\n",
		res.Categories, res.Products, res.Variants, res.Duration.Round(time.Millisecond), rate)
	return nil
}

// KeysCmd manages admin API keys.
type KeysCmd struct {
	Create KeysCreateCmd `cmd:"" help:"Create an admin API key and print it (it is shown only once)."`
}

// KeysCreateCmd creates a key.
type KeysCreateCmd struct {
	Role string `help:"Role of the key: owner, admin, catalog_manager, order_manager, support, analyst, or a custom role (GET /admin/roles)." required:""`
	Name string `help:"A note saying what the key is for."`
}

// Run creates the key and prints its secret on stdout.
func (k *KeysCreateCmd) Run(g *Globals) error {
	a, err := app.New(g.appConfig(), g.logger(), app.Modules())
	if err != nil {
		return err
	}
	keys, closeKeys, err := a.Access(context.Background())
	if err != nil {
		return err
	}
	defer closeKeys()
	key, err := keys.CreateKey(context.Background(), access.CreateKeyCommand{Role: auth.Role(k.Role), Name: k.Name})
	if errs.Is(err, errs.Invalid) {
		return fmt.Errorf("unknown role %q (built-in roles: owner, admin, catalog_manager, order_manager, support, analyst; custom roles: GET /admin/roles)", k.Role)
	}
	if err != nil {
		return err
	}
	fmt.Println(key.Secret)
	return nil
}

// ReindexCmd rebuilds the search index.
type ReindexCmd struct{}

// Run rebuilds with a progress bar.
func (ReindexCmd) Run(g *Globals) error {
	cfg := g.appConfig()
	cfg.Modules = []string{"search"}
	a, err := app.New(cfg, g.logger(), app.Modules())
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.Start(ctx); err != nil {
		return err
	}
	defer a.Stop(context.WithoutCancel(ctx))
	return a.Reindex(ctx, os.Stderr)
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (VersionCmd) Run() error {
	fmt.Println("agora", app.Version)
	return nil
}

// CLI is the command line.
type CLI struct {
	Globals
	Serve   ServeCmd   `cmd:"" help:"Serve the API (every module by default)."`
	Gateway GatewayCmd `cmd:"" help:"Serve the public edge in front of modules that run apart (see docs/deployment.md)."`
	Migrate MigrateCmd `cmd:"" help:"Apply pending migrations and exit."`
	Seed    SeedCmd    `cmd:"" help:"Generate a realistic catalog."`
	Keys    KeysCmd    `cmd:"" help:"Manage admin API keys."`
	Reindex ReindexCmd `cmd:"" help:"Rebuild the search index from the catalog (server stopped; a running server: POST /admin/search/reindex)."`
	Version VersionCmd `cmd:"" help:"Print the version."`
	Bench   BenchCmd   `cmd:"" help:"Run the benchmark scenarios against a fresh embedded instance or --target (see docs/performance.md)."`
	// BenchCeiling is the bench's bare HTTP server, started by bench.
	BenchCeiling BenchCeilingCmd `cmd:"" hidden:"" name:"bench-ceiling" help:"Serve the bench's ceiling document."`
	// Healthcheck is the container health check (the image has no curl).
	Healthcheck HealthcheckCmd `cmd:"" help:"Exit 0 when a health endpoint answers 2xx, 1 otherwise (a container health check)."`
}

func main() {
	var cli CLI
	ctx := kong.Parse(&cli,
		kong.Name("agora"),
		kong.Description("Agora, a headless commerce platform."),
		kong.UsageOnError(),
		kong.Configuration(kong.JSON),
		kong.Bind(&cli.Globals),
	)
	if err := ctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "agora:", strings.TrimPrefix(err.Error(), "app: "))
		os.Exit(1)
	}
}

// remoteOf adds the AGORA_REMOTE_<MODULE>=URL variables of env to flags.
func remoteOf(flags map[string]string, env []string) map[string]string {
	out := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, "AGORA_REMOTE_"); ok && name != "" && v != "" {
			out[strings.ToLower(name)] = v
		}
	}
	for k, v := range flags {
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}
