package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agoracommerce/agora/bench"
)

// BenchCmd runs the benchmark scenarios (see docs/performance.md).
type BenchCmd struct {
	Scenarios   []string      `help:"Scenarios to run (B0 always runs: it is the ceiling; B0G is the ceiling behind agora gateway; B8 only when named)." default:"B0,B0G,B1,B2,B3,B4,B5,B6,B7,B9"`
	Duration    time.Duration `help:"Length of each measured phase (default 10s, 2s with --short)."`
	Out         string        `help:"Directory of the results (JSON per scenario, results.md, SVG plots)." default:"bench/results" type:"path"`
	Short       bool          `help:"Quick mode for CI: short phases, one latency point, 300 flash-sale units."`
	Target      string        `help:"Load a running Agora at this URL (needs --admin-key) instead of starting one."`
	Postgres    string        `help:"Run the started server on this PostgreSQL database (an empty one) instead of SQLite."`
	Products    int           `help:"Catalog size to seed." default:"10000"`
	Runs        int           `help:"Saturation runs per scenario; the median is reported." default:"1"`
	Workers     int           `help:"Connections of the saturation runs." default:"64"`
	FlashUnits  int           `help:"Units of the flash-sale SKU (default 10,000; 300 with --short)."`
	GrowthSizes []int         `help:"Catalog sizes of B8 (default 10000,100000,1000000; 1000,10000 with --short)."`
	Repeat      int           `help:"Whole runs of the selected scenarios, each on fresh servers and data (in <out>/run-<k>); the medians and their range are reported." default:"1"`
	Profile     bool          `help:"Collect a CPU profile of the started server over each scenario's first saturation run (<out>/<id>-cpu.pprof, for go tool pprof)."`
	Replot      bool          `help:"Measure nothing: write the table and plots of --out again from its report.json."`
}

// Run measures, prints the table and fails only on a correctness error.
func (b *BenchCmd) Run(g *Globals) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if b.Replot {
		rep, err := bench.Replot(b.Out)
		if err == nil {
			fmt.Print(rep.Markdown())
		}
		return err
	}
	pg := b.Postgres
	if pg == "" {
		pg = g.PostgresURL
	}
	rep, err := bench.Run(ctx, bench.Config{
		Binary: exe, Scenarios: b.Scenarios, Duration: b.Duration, Short: b.Short, Out: b.Out,
		Target: b.Target, AdminKey: g.AdminKey, Postgres: pg, Products: b.Products, Runs: b.Runs,
		Workers: b.Workers, FlashUnits: b.FlashUnits, GrowthSizes: b.GrowthSizes, Repeat: b.Repeat, Profile: b.Profile, Log: os.Stderr,
	})
	if rep != nil {
		fmt.Println()
		fmt.Print(rep.Markdown())
		fmt.Printf("\nresults in %s\n", b.Out)
	}
	return err
}

// BenchCeilingCmd serves the bench's ceiling: a bare net/http handler
// answering a fixed JSON document.
type BenchCeilingCmd struct {
	Addr string `help:"Address to listen on." default:"127.0.0.1:18480"`
}

// Run serves until SIGINT or SIGTERM.
func (c *BenchCeilingCmd) Run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bench.ServeCeiling(ctx, c.Addr)
}
