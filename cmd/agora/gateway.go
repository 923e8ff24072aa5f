package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agoracommerce/agora/app"
)

// GatewayCmd serves the public edge as its own process.
type GatewayCmd struct {
	Addr            string        `help:"Address to listen on." default:"127.0.0.1:8080" env:"AGORA_ADDR"`
	Upstream        []string      `help:"A service behind the gateway: name=url[,url…] (repeat the flag, or separate with ';'). A URL's host may be a DNS name that resolves to several instances." env:"AGORA_UPSTREAMS" sep:"none"`
	MaxBody         int64         `help:"Largest request body in bytes." default:"1048576" env:"AGORA_MAX_BODY"`
	ShutdownTimeout time.Duration `help:"How long a graceful stop waits for in-flight requests." default:"20s" env:"AGORA_SHUTDOWN_TIMEOUT"`
	StartTimeout    time.Duration `help:"How long the start waits for every upstream to be ready." default:"60s" env:"AGORA_GATEWAY_START_TIMEOUT"`
	Security        SecurityFlags `embed:""`
}

// Run serves until SIGINT or SIGTERM, then drains.
func (c *GatewayCmd) Run(g *Globals) error {
	cfg := app.DefaultGatewayConfig()
	var err error
	if cfg.Upstreams, err = app.ParseUpstreams(c.Upstream); err != nil {
		return err
	}
	if cfg.Security, err = c.Security.config(); err != nil {
		return err
	}
	cfg.Addr, cfg.MaxBody, cfg.ShutdownTimeout, cfg.StartTimeout = c.Addr, c.MaxBody, c.ShutdownTimeout, c.StartTimeout
	cfg.RedisURL, cfg.OTLPEndpoint, cfg.TraceSampleRatio = g.RedisURL, g.OTLP, g.TraceRatio
	log := g.logger()
	gw, err := app.NewGateway(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return gw.Serve(ctx, func(addr string) {
		fmt.Fprintf(os.Stderr, "\nAgora gateway %s is serving on http://%s\n", app.Version, addr)
	})
}
