// Package bench is Agora's load generator and its benchmark scenarios
// (`agora bench`): B0, the ceiling (a bare net/http handler answering a
// fixed ~300-byte JSON document), and B1–B7, B9 against a real `agora
// serve`, each measured in the same run so that its throughput is
// reported as a ratio to the ceiling.
//
// By default the bench starts both servers itself as child processes of
// the agora binary on free 127.0.0.1 ports: `agora serve` on a fresh data
// directory (seeded first with `agora seed`), and the hidden `agora
// bench-ceiling`. The servers' CPU seconds per 1,000 requests come from
// /proc/<pid>/stat. With Config.Target it loads a running deployment
// instead (CPU is then unknown).
//
// Every scenario is measured twice over: a closed-loop saturation run
// (many connections, each sending its next request when the answer
// arrives) gives the highest throughput the server sustains, and
// open-loop runs at fractions of that throughput (a constant arrival
// rate, latency measured from each request's intended start, so no
// coordinated omission) give the latency percentiles, kept in HDR
// histograms.
//
// The flash sale (B6) is also a correctness check: exactly the stock is
// sold and nothing is oversold, through the admin inventory and order
// APIs; Run returns an error when it is not.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config says what a run measures.
type Config struct {
	// Binary is the agora binary whose `serve`, `seed` and `bench-ceiling`
	// are started (usually the running executable).
	Binary string
	// Scenarios are the ids to run (B0 always runs: it is the ceiling).
	Scenarios []string
	// Duration of each measured phase (saturation and each open-loop
	// point); Warmup of the closed-loop warm-up before them.
	Duration, Warmup time.Duration
	// Short is the quick mode for CI: one open-loop point, short phases,
	// 300 flash-sale units.
	Short bool
	// Out is the directory of the JSON, Markdown and SVG results.
	Out string
	// Target, when set, is the URL of a running Agora to load, with
	// AdminKey its admin key; no server is started for B1–B9.
	Target, AdminKey string
	// Postgres, when set, runs the started server on this PostgreSQL
	// database (AGORA_POSTGRES_URL) instead of SQLite. Give it an empty
	// database.
	Postgres string
	// Products is the catalog size seeded (default 10,000).
	Products int
	// Runs is how many saturation runs each scenario gets; the median is
	// reported (default 1).
	Runs int
	// Workers is the closed loop's connections (default 64).
	Workers int
	// FlashUnits and FlashBuyers shape B6 (default 10,000 units, 300 in
	// short mode; 256 buyers).
	FlashUnits, FlashBuyers int
	// GrowthSizes are the catalog sizes of B8, smallest first (default
	// 10,000, 100,000 and 1,000,000; 1,000 and 10,000 in short mode).
	GrowthSizes []int
	// Repeat runs the whole selected suite this many times, each on a
	// fresh ceiling, server and data, and reports per scenario the median
	// of the runs with their spread (default 1: one run).
	Repeat int
	// Profile collects a CPU profile of the started server over each
	// scenario's first saturation run, as <out>/<id>-cpu.pprof (`go tool
	// pprof` reads it); the server then also serves /debug/pprof/ on a
	// loopback port of its own. Not with Target.
	Profile bool
	// ServeArgs are extra arguments of the started `agora serve`.
	ServeArgs []string
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// AllScenarios are the scenario ids in their order in the table.
var AllScenarios = []string{"B0", "B0G", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9"}

// DefaultScenarios run when none are named: all but B8, which seeds and
// measures a catalog per size (about an hour with 1M products) and runs
// only when named.
var DefaultScenarios = []string{"B0", "B0G", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B9"}

func (c *Config) defaults() error {
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
		if c.Short {
			c.Duration = 2 * time.Second
		}
	}
	if c.Warmup <= 0 {
		c.Warmup = min(c.Duration/2, 3*time.Second)
	}
	if c.Products <= 0 {
		c.Products = 10_000
	}
	if c.Runs <= 0 {
		c.Runs = 1
	}
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.FlashUnits <= 0 {
		c.FlashUnits = 10_000
		if c.Short {
			c.FlashUnits = 300
		}
	}
	if c.FlashBuyers <= 0 {
		c.FlashBuyers = 256
	}
	if c.Out == "" {
		c.Out = filepath.Join("bench", "results")
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = slices.Clone(DefaultScenarios)
	}
	if len(c.GrowthSizes) == 0 {
		c.GrowthSizes = []int{10_000, 100_000, 1_000_000}
		if c.Short {
			c.GrowthSizes = []int{1_000, 10_000}
		}
	}
	for _, n := range c.GrowthSizes {
		if n < 1000 || n > 10_000_000 {
			return fmt.Errorf("bench: growth size %d out of range (1,000 to 10,000,000 products)", n)
		}
	}
	c.GrowthSizes = slices.Compact(slices.Sorted(slices.Values(c.GrowthSizes)))
	if c.Repeat <= 0 {
		c.Repeat = 1
	}
	for i, s := range c.Scenarios {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(AllScenarios, s) {
			return fmt.Errorf("bench: unknown scenario %q (known: %s)", s, strings.Join(AllScenarios, ","))
		}
		c.Scenarios[i] = s
	}
	if c.Target != "" && c.AdminKey == "" {
		return errors.New("bench: --target needs the deployment's admin key (--admin-key)")
	}
	if c.Target == "" && c.Binary == "" {
		return errors.New("bench: no agora binary to start")
	}
	return nil
}

func (c *Config) fractions() []float64 {
	if c.Short {
		return []float64{0.5}
	}
	return []float64{0.25, 0.5, 0.75, 0.9}
}

func (c *Config) wants(id string) bool { return slices.Contains(c.Scenarios, id) }

func (c *Config) logf(format string, args ...any) {
	fmt.Fprintf(c.Log, "%s  "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
}

// Report is the outcome of a run.
type Report struct {
	Started  time.Time `json:"started"`
	Database string    `json:"database"`
	Products int       `json:"products"`
	Short    bool      `json:"short"`
	Ceiling  float64   `json:"ceiling_rps"`
	// Repeat is the number of whole runs whose medians the rows are (0 or
	// 1: one run).
	Repeat int    `json:"repeat,omitempty"`
	Rows   []*Row `json:"rows"`
	// Failures are correctness errors (never timing): a run with any
	// fails.
	Failures []string `json:"failures,omitempty"`
}

// Run measures the configured scenarios and writes the results to
// cfg.Out. It returns an error for a correctness failure (an oversold
// flash sale) or a run that could not be made; missed performance
// targets are reported, never an error. With cfg.Repeat > 1 it makes
// that many whole runs, each in <out>/run-<k>, and writes their medians
// to cfg.Out.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if cfg.Repeat == 1 {
		return runOnce(ctx, cfg)
	}
	var reps []*Report
	var failed error
	for k := 1; k <= cfg.Repeat; k++ {
		c := cfg
		c.Out = filepath.Join(cfg.Out, fmt.Sprintf("run-%d", k))
		cfg.logf("whole run %d of %d (results in %s)", k, cfg.Repeat, c.Out)
		rep, err := runOnce(ctx, c)
		if rep == nil || err != nil && len(rep.Failures) == 0 {
			if err == nil {
				err = errors.New("bench: no report")
			}
			return nil, fmt.Errorf("whole run %d: %w", k, err)
		}
		if err != nil {
			failed = err // a correctness failure: the other runs still count
		}
		reps = append(reps, rep)
	}
	agg := Aggregate(reps)
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return agg, err
	}
	if err := agg.Write(cfg.Out); err != nil {
		return agg, err
	}
	if failed != nil {
		return agg, fmt.Errorf("bench: correctness failure:\n  %s", strings.Join(agg.Failures, "\n  "))
	}
	return agg, nil
}

// runOnce is one whole run of the selected scenarios.
func runOnce(ctx context.Context, cfg Config) (*Report, error) {
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "agora-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	rep := &Report{Started: time.Now().UTC(), Database: "sqlite", Products: cfg.Products, Short: cfg.Short}
	if cfg.Postgres != "" {
		rep.Database = "postgresql"
	}
	if cfg.Target != "" {
		rep.Database, rep.Products = "the deployment at "+cfg.Target, 0
	}

	// B0, the ceiling, always: every ratio needs it.
	ceil, err := cfg.startCeiling(ctx, work)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: &cfg, work: work}
	row, err := r.measure(ctx, ceil, ceilingScenario())
	ceil.Proc.Stop()
	if err != nil {
		return nil, err
	}
	rep.Ceiling = row.Throughput
	row.Ratio = 1
	rep.Rows = append(rep.Rows, row)
	r.ceiling = rep.Ceiling
	if cfg.wants("B0G") {
		row, err := r.gatewayCeiling(ctx, work)
		if err != nil {
			return nil, fmt.Errorf("B0G: %w", err)
		}
		rep.Rows = append(rep.Rows, row)
	}

	var agora []string
	for _, id := range cfg.Scenarios {
		if id != "B0" && id != "B0G" && id != "B8" {
			agora = append(agora, id)
		}
	}
	if len(agora) == 0 {
		rep.Products = 0 // no scenario measured the --products catalog
	}
	if len(agora) > 0 {
		rows, failures, err := r.agoraScenarios(ctx, agora)
		rep.Rows = append(rep.Rows, rows...)
		rep.Failures = append(rep.Failures, failures...)
		if err != nil {
			_ = rep.Write(cfg.Out)
			return rep, err
		}
	}
	if cfg.wants("B8") {
		// B8 seeds and starts a server per catalog size, after the others
		// (whose server has stopped); its row goes in its place by id.
		row, err := r.growth(ctx)
		if row != nil {
			rep.Rows = append(rep.Rows, row)
			slices.SortStableFunc(rep.Rows, func(a, b *Row) int {
				return slices.Index(AllScenarios, a.ID) - slices.Index(AllScenarios, b.ID)
			})
		}
		if err != nil {
			_ = rep.Write(cfg.Out)
			return rep, fmt.Errorf("B8: %w", err)
		}
	}
	if err := rep.Write(cfg.Out); err != nil {
		return rep, err
	}
	if len(rep.Failures) > 0 {
		return rep, fmt.Errorf("bench: correctness failure:\n  %s", strings.Join(rep.Failures, "\n  "))
	}
	return rep, nil
}

func (c *Config) startCeiling(ctx context.Context, work string) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	c.logf("B0: starting the ceiling server on %s", addr)
	child, _, err := StartChild(ctx, c.Binary, []string{"bench-ceiling", "--addr", addr}, nil, addr, "/", filepath.Join(work, "ceiling.log"), 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &Server{URL: "http://" + addr, Proc: child}, nil
}

// gatewayCeiling measures the ceiling behind `agora gateway` (B0G): what
// the gateway's own work (the edge, routing, proxying) costs.
func (r *runner) gatewayCeiling(ctx context.Context, work string) (*Row, error) {
	ceil, err := r.cfg.startCeiling(ctx, work)
	if err != nil {
		return nil, err
	}
	defer ceil.Proc.Stop()
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	r.cfg.logf("B0G: starting agora gateway on %s in front of the ceiling", addr)
	gw, _, err := StartChild(ctx, r.cfg.Binary, []string{"gateway", "--addr", addr, "--upstream", "ceiling=" + ceil.URL,
		"--log-level", "warn"}, nil, addr, "/readyz", filepath.Join(work, "gateway.log"), 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer gw.Stop()
	return r.measure(ctx, &Server{URL: "http://" + addr, Proc: gw}, gatewayCeilingScenario())
}

// runner holds what the scenarios of one run share.
type runner struct {
	cfg     *Config
	work    string
	ceiling float64
	runID   string
	// saturationOnly skips the open-loop latency points (B8 compares CPU
	// per request, measured over the saturation runs).
	saturationOnly bool
	// serveLog names the copy of the server's log in cfg.Out (default
	// serve.log); profilePrefix starts the names of its CPU profiles.
	serveLog, profilePrefix string
	// took is how long the server under test took to become ready for the
	// scenarios.
	took struct{ seed, ready, indexed, purchasable time.Duration }
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// phase runs one load phase and measures the server's CPU over it.
func (r *runner) phase(ctx context.Context, srv *Server, cl *Client, load func(context.Context, Op) (Result, error), op Op) (Point, error) {
	cpu0, cpuOK := srv.CPU()
	req0 := cl.Requests()
	res, err := load(ctx, op)
	cpu1, _ := srv.CPU()
	if err != nil {
		return Point{}, err
	}
	p := pointOf(res)
	p.Requests = cl.Requests() - req0
	if cpuOK && p.Requests > 0 {
		v := (cpu1 - cpu0) / float64(p.Requests) * 1000
		p.CPUPer1k = &v
	}
	return p, nil
}

// profile starts collecting a CPU profile of srv for the length of a
// phase when srv serves its profiles, and returns what waits for it and
// writes it to <out>/<prefix><id>-cpu.pprof (nil when srv has none). A
// profile that cannot be had is logged, never a failure of the run.
func (r *runner) profile(ctx context.Context, srv *Server, id string) func() {
	if srv.Pprof == "" {
		return nil
	}
	secs := max(int(math.Ceil(r.cfg.Duration.Seconds())), 1)
	path := filepath.Join(r.cfg.Out, r.profilePrefix+id+"-cpu.pprof")
	done := make(chan error, 1)
	go func() {
		done <- fetchProfile(ctx, srv.Pprof+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), path, time.Duration(secs+30)*time.Second)
	}()
	return func() {
		if err := <-done; err != nil {
			r.cfg.logf("%s: no CPU profile: %v", id, err)
			return
		}
		r.cfg.logf("%s: CPU profile of the saturation run in %s", id, path)
	}
}

// measure runs a load scenario: warm-up, cfg.Runs saturation runs (the
// median by throughput is kept) and the open-loop points.
func (r *runner) measure(ctx context.Context, srv *Server, s *scenario) (*Row, error) {
	cfg := r.cfg
	cl := NewClient(srv.URL, cfg.AdminKey)
	if s.setup != nil {
		if err := s.setup(ctx, cl); err != nil {
			return nil, err
		}
	}
	op := s.op(cl)
	row := &Row{ID: s.ID, Name: s.Name, Target: s.Target, Unit: s.Unit}
	cfg.logf("%s %s: warm-up %s", s.ID, s.Name, cfg.Warmup)
	if _, err := (ClosedLoop{Workers: cfg.Workers, Duration: cfg.Warmup}).Run(ctx, op); err != nil {
		return nil, err
	}
	var sats []Point
	for i := range cfg.Runs {
		var profiled func()
		if i == 0 {
			profiled = r.profile(ctx, srv, s.ID)
		}
		p, err := r.phase(ctx, srv, cl, ClosedLoop{Workers: cfg.Workers, Duration: cfg.Duration}.Run, op)
		if profiled != nil {
			profiled()
		}
		if err != nil {
			return nil, err
		}
		cfg.logf("%s: saturation with %d connections: %.0f %s/s, %d errors", s.ID, cfg.Workers, p.Throughput, s.unit(), p.Errors)
		sats = append(sats, p)
		row.Errors += p.Errors
		row.noteErr(p.FirstErr)
	}
	sort.Slice(sats, func(i, j int) bool { return sats[i].Throughput < sats[j].Throughput })
	sat := sats[len(sats)/2]
	row.Saturation = sats
	row.Throughput = sat.Throughput
	row.CPUPer1k = sat.CPUPer1k
	if r.ceiling > 0 {
		row.Ratio = sat.Throughput / r.ceiling
	}
	fractions := cfg.fractions()
	if r.saturationOnly {
		fractions = nil
	}
	for _, f := range fractions {
		rate := sat.Throughput * f
		if rate < 1 {
			continue
		}
		// As many connections as the saturation run (like wrk2's -c with
		// -R): a call that finds them all busy waits, and the wait counts.
		p, err := r.phase(ctx, srv, cl, OpenLoop{Rate: rate, Duration: cfg.Duration, MaxInFlight: cfg.Workers}.Run, op)
		if err != nil {
			return nil, err
		}
		p.Fraction = f
		cfg.logf("%s: open loop at %.0f/s (%.0f%% of saturation): p50 %s p99 %s p99.9 %s max %s, %d errors",
			s.ID, rate, f*100, ms(p.P50), ms(p.P99), ms(p.P999), ms(p.Max), p.Errors)
		row.Points = append(row.Points, p)
		row.Errors += p.Errors
		row.noteErr(p.FirstErr)
	}
	if s.evaluate != nil {
		s.evaluate(row, r.ceiling)
	}
	return row, nil
}
