package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// B8 measures how the cost of a request and the server's memory grow with
// the catalog: for each size of Config.GrowthSizes it seeds a fresh SQLite
// data directory, starts `agora serve` on it, and runs the saturation
// phases of B1, B2, B3 and B5 exactly as those scenarios do (no open-loop
// points: the figure compared is CPU per request). A server started on an
// empty data directory gives the fixed base of memory.

// The targets of B8 (BENCHMARKS.md).
const (
	growthCPUMax = 1.25 // CPU per request, largest size ÷ smallest
	growthMemMax = 2048 // bytes of resident memory per product beyond the base
)

// growthIDs are the scenarios B8 measures at every size.
var growthIDs = []string{"B1", "B2", "B3", "B5"}

// growthNames are their short names in the B8 table.
var growthNames = map[string]string{"B1": "product page", "B2": "listing", "B3": "search", "B5": "checkout (per request)"}

// Growth is B8's result.
type Growth struct {
	// BaseRSS is the resident memory (VmRSS) of a server started on an
	// empty data directory, ready and idle: the fixed base.
	BaseRSS int64        `json:"base_rss_bytes"`
	Sizes   []GrowthSize `json:"sizes"`
	// CPU is, per scenario, how CPU per request grew from the smallest to
	// the largest size.
	CPU []GrowthCPU `json:"cpu_growth"`
	// MemPerProduct is the resident memory per product beyond the base at
	// the largest size, in bytes: (its RSS after the scenarios − BaseRSS) ÷
	// its products.
	MemPerProduct float64 `json:"memory_bytes_per_product"`
	MemResult     string  `json:"memory_result"`
	// MemMarginal is the resident memory each product beyond the smallest
	// size added, in bytes: (RSS at the largest size − RSS at the smallest)
	// ÷ (their difference in products). It leaves out what the load itself
	// holds at every size (buffers, caches of a fixed size, garbage not yet
	// returned to the system).
	MemMarginal float64 `json:"marginal_memory_bytes_per_product"`
}

// GrowthSize is one catalog size of B8.
type GrowthSize struct {
	Products int `json:"products"`
	// How long `agora seed` took, the server to answer /readyz, the search
	// index to hold the catalog after that, and the stocked variants to be
	// sellable after that.
	SeedSeconds        float64 `json:"seed_s"`
	ReadySeconds       float64 `json:"ready_s"`
	IndexedSeconds     float64 `json:"indexed_s"`
	PurchasableSeconds float64 `json:"purchasable_s"`
	// RSSReady is VmRSS when the server is idle before the load; RSS after
	// the scenarios, once idle again; Peak is VmHWM then.
	RSSReady int64 `json:"rss_ready_bytes"`
	RSS      int64 `json:"rss_bytes"`
	Peak     int64 `json:"rss_peak_bytes"`
	// Rows are the saturation results of B1, B2, B3 and B5 at this size.
	Rows []*Row `json:"rows,omitempty"`
}

// GrowthCPU is one scenario's growth of CPU per request.
type GrowthCPU struct {
	ID     string  `json:"id"`
	From   int     `json:"from_products"`
	To     int     `json:"to_products"`
	Ratio  float64 `json:"ratio"` // CPU per request at To ÷ at From (0: unknown)
	Result string  `json:"result"`
}

// row returns the size's row of scenario id, or nil.
func (s *GrowthSize) row(id string) *Row {
	for _, r := range s.Rows {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// cpuAt is the CPU seconds per 1,000 requests of scenario id at size s.
func (s *GrowthSize) cpuAt(id string) (float64, bool) {
	r := s.row(id)
	if r == nil || r.CPUPer1k == nil || *r.CPUPer1k <= 0 {
		return 0, false
	}
	return *r.CPUPer1k, true
}

// cpuGrowth is CPU per request of scenario id at the largest size that
// has it divided by that at the smallest (sizes in any order); ok is false
// with fewer than two sizes measured.
func cpuGrowth(sizes []GrowthSize, id string) (ratio float64, from, to int, ok bool) {
	var lo, hi *GrowthSize
	for i := range sizes {
		s := &sizes[i]
		if _, has := s.cpuAt(id); !has {
			continue
		}
		if lo == nil || s.Products < lo.Products {
			lo = s
		}
		if hi == nil || s.Products > hi.Products {
			hi = s
		}
	}
	if lo == nil || hi == lo {
		return 0, 0, 0, false
	}
	a, _ := lo.cpuAt(id)
	b, _ := hi.cpuAt(id)
	return b / a, lo.Products, hi.Products, true
}

// memPerProduct is the resident memory per product beyond the base, in
// bytes (negative when the server used less than its empty base).
func memPerProduct(base, rss int64, products int) float64 {
	if products <= 0 {
		return 0
	}
	return float64(rss-base) / float64(products)
}

// memMarginal is the resident memory per product between the smallest
// and the largest size (after the scenarios), in bytes; 0 with fewer than
// two sizes.
func memMarginal(sizes []GrowthSize) float64 {
	var lo, hi *GrowthSize
	for i := range sizes {
		s := &sizes[i]
		if s.RSS <= 0 {
			continue
		}
		if lo == nil || s.Products < lo.Products {
			lo = s
		}
		if hi == nil || s.Products > hi.Products {
			hi = s
		}
	}
	if lo == nil || hi.Products == lo.Products {
		return 0
	}
	return float64(hi.RSS-lo.RSS) / float64(hi.Products-lo.Products)
}

// evaluate computes the growth ratios and memory per product and sets the
// row's result: pass when every measured scenario's CPU per request grew
// at most growthCPUMax times and the memory per product is at most
// growthMemMax.
func (g *Growth) evaluate(row *Row) {
	g.CPU = nil
	pass, known := true, false
	worst := -1
	for _, id := range growthIDs {
		ratio, from, to, ok := cpuGrowth(g.Sizes, id)
		if !ok {
			continue
		}
		c := GrowthCPU{ID: id, From: from, To: to, Ratio: ratio, Result: passMiss(ratio <= growthCPUMax)}
		g.CPU = append(g.CPU, c)
		known = true
		pass = pass && ratio <= growthCPUMax
		if worst < 0 || ratio > g.CPU[worst].Ratio {
			worst = len(g.CPU) - 1
		}
	}
	g.MemPerProduct, g.MemResult = 0, "–"
	if n := len(g.Sizes); n > 0 && g.BaseRSS > 0 && g.Sizes[n-1].RSS > 0 {
		last := g.Sizes[n-1]
		g.MemPerProduct = memPerProduct(g.BaseRSS, last.RSS, last.Products)
		g.MemResult = passMiss(g.MemPerProduct <= growthMemMax)
		known = true
		pass = pass && g.MemPerProduct <= growthMemMax
	}
	g.MemMarginal = memMarginal(g.Sizes)
	var sizes []string
	for _, s := range g.Sizes {
		sizes = append(sizes, count(s.Products))
	}
	row.Name = "growth: B1–B3, B5 at " + strings.Join(sizes, ", ") + " products"
	if !known {
		row.Result = "–"
		return
	}
	var why []string
	if worst >= 0 {
		why = append(why, fmt.Sprintf("CPU/request ×%.2f at most (%s)", g.CPU[worst].Ratio, g.CPU[worst].ID))
	}
	if g.MemResult != "–" {
		why = append(why, fmt.Sprintf("%s/product", bytesIEC(g.MemPerProduct)))
	}
	row.Result = fmt.Sprintf("%s (%s)", passMiss(pass), strings.Join(why, "; "))
}

// growth is B8: a server on an empty data directory for the base, then a
// freshly seeded one per size.
func (r *runner) growth(ctx context.Context) (*Row, error) {
	cfg := r.cfg
	row := &Row{ID: "B8", Name: "growth: B1–B3, B5", Target: fmt.Sprintf("CPU/request ≤ %.2f × smallest → largest size; ≤ 2 KB/product beyond base", growthCPUMax)}
	if cfg.Target != "" {
		row.Result = "–"
		row.note("not run: B8 seeds a fresh catalog for every size, which it cannot do with --target")
		return row, nil
	}
	g := &Growth{}
	row.Growth = g
	cfg.logf("B8: the base, a server on an empty data directory")
	base, err := r.growthSize(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("the base: %w", err)
	}
	g.BaseRSS = base.RSS
	cfg.logf("B8: base resident memory %s", bytesIEC(float64(g.BaseRSS)))
	for _, n := range cfg.GrowthSizes {
		if ctx.Err() != nil {
			return row, ctx.Err()
		}
		s, err := r.growthSize(ctx, n)
		if err != nil {
			g.evaluate(row)
			return row, fmt.Errorf("at %s products: %w", count(n), err)
		}
		g.Sizes = append(g.Sizes, *s)
		g.evaluate(row)
	}
	for _, c := range g.CPU {
		row.note("CPU per request of %s %s: ×%.2f from %s to %s products (%s)", c.ID, growthNames[c.ID], c.Ratio, count(c.From), count(c.To), c.Result)
	}
	if g.MemResult != "–" {
		last := g.Sizes[len(g.Sizes)-1]
		row.note("resident memory %s at %s products after the scenarios, base %s: %s per product beyond the base (%s); %s per product from %s to %s products",
			bytesIEC(float64(last.RSS)), count(last.Products), bytesIEC(float64(g.BaseRSS)), bytesIEC(g.MemPerProduct), g.MemResult,
			bytesIEC(g.MemMarginal), count(g.Sizes[0].Products), count(last.Products))
	}
	return row, nil
}

// growthSize seeds n products (none for the base) into a fresh data
// directory, starts a server on it and measures B1, B2, B3 and B5 at
// saturation, then its memory. The data directory is removed afterwards.
func (r *runner) growthSize(ctx context.Context, n int) (*GrowthSize, error) {
	c := *r.cfg
	c.Products = n
	name := count(n)
	if n == 0 {
		name = "base"
	}
	sub := &runner{cfg: &c, work: filepath.Join(r.work, "b8-"+name), ceiling: r.ceiling,
		runID: newRunID(), saturationOnly: true, serveLog: "serve-b8-" + name + ".log", profilePrefix: "B8-" + name + "-"}
	if c.Postgres != "" {
		// A schema of its own per size, dropped afterwards.
		u, drop, err := freshSchema(ctx, c.Postgres, "agora_b8_"+name+"_"+sub.runID)
		if err != nil {
			return nil, err
		}
		defer drop()
		c.Postgres = u
	}
	if err := os.MkdirAll(sub.work, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(sub.work)
	if n > 0 {
		c.logf("B8: %s products", count(n))
	}
	srv, _, stop, err := sub.startAgora(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	if srv.Proc == nil {
		return nil, errors.New("no server process to measure")
	}
	var fx *fixtures
	if n > 0 {
		if fx, err = sub.loadFixtures(ctx, NewClient(srv.URL, c.AdminKey)); err != nil {
			return nil, err
		}
	}
	gs := &GrowthSize{Products: n, SeedSeconds: sub.took.seed.Seconds(), ReadySeconds: sub.took.ready.Seconds(),
		IndexedSeconds: sub.took.indexed.Seconds(), PurchasableSeconds: sub.took.purchasable.Seconds()}
	srv.Quiesce(ctx, time.Minute)
	gs.RSSReady, _, _ = srv.Proc.Memory()
	if n == 0 {
		gs.RSS, gs.Peak, _ = srv.Proc.Memory()
		return gs, nil
	}
	for _, id := range growthIDs {
		if waited, ok := srv.Quiesce(ctx, time.Minute); waited > time.Second || !ok {
			c.logf("B8 %s: waited %s for the server to be idle (idle: %v)", id, waited.Round(time.Millisecond), ok)
		}
		row, err := sub.measure(ctx, srv, sub.scenario(id, fx))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		gs.Rows = append(gs.Rows, row)
	}
	srv.Quiesce(ctx, time.Minute)
	gs.RSS, gs.Peak, _ = srv.Proc.Memory()
	c.logf("B8: %s products: resident memory %s before the load, %s after (peak %s)", count(n),
		bytesIEC(float64(gs.RSSReady)), bytesIEC(float64(gs.RSS)), bytesIEC(float64(gs.Peak)))
	return gs, nil
}

// bytesIEC writes a size in B, KB, MB or GB (powers of 1,024).
func bytesIEC(v float64) string {
	a := abs(v)
	switch {
	case a >= 1<<30:
		return fmt.Sprintf("%.2f GB", v/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.1f MB", v/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.2f KB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

// growthMarkdown is the B8 table: CPU per request per scenario and size,
// its growth, and memory.
func (g *Growth) markdown(repeat int) string {
	if g == nil || len(g.Sizes) == 0 {
		return ""
	}
	var b strings.Builder
	what := "B8 growth: CPU s per 1k requests (saturation throughput /s) per catalog size"
	if repeat > 1 {
		what += fmt.Sprintf(", medians of %d whole runs", repeat)
	}
	fmt.Fprintf(&b, "\n%s; base: a server on an empty catalog, %s resident.\n\n", what, bytesIEC(float64(g.BaseRSS)))
	first, last := g.Sizes[0], g.Sizes[len(g.Sizes)-1]
	b.WriteString("| B8 |")
	for _, s := range g.Sizes {
		fmt.Fprintf(&b, " %s |", count(s.Products))
	}
	fmt.Fprintf(&b, " growth %s → %s | target | result |\n|---|", count(first.Products), count(last.Products))
	b.WriteString(strings.Repeat("---|", len(g.Sizes)+3) + "\n")
	for _, id := range growthIDs {
		fmt.Fprintf(&b, "| %s %s |", id, growthNames[id])
		for i := range g.Sizes {
			r := g.Sizes[i].row(id)
			cpu, ok := g.Sizes[i].cpuAt(id)
			switch {
			case r == nil:
				b.WriteString(" – |")
			case !ok:
				fmt.Fprintf(&b, " – (%s/s) |", num(r.Throughput))
			default:
				fmt.Fprintf(&b, " %.3f (%s/s) |", cpu, num(r.Throughput))
			}
		}
		ratio, res := "–", "–"
		for _, c := range g.CPU {
			if c.ID == id {
				ratio, res = fmt.Sprintf("%.2f ×", c.Ratio), c.Result
			}
		}
		fmt.Fprintf(&b, " %s | ≤ %.2f × | %s |\n", ratio, growthCPUMax, res)
	}
	b.WriteString("| memory: resident after the scenarios |")
	for _, s := range g.Sizes {
		fmt.Fprintf(&b, " %s |", bytesIEC(float64(s.RSS)))
	}
	per := "–"
	if g.MemResult != "–" {
		per = fmt.Sprintf("%s/product beyond the base at %s", bytesIEC(g.MemPerProduct), count(last.Products))
	}
	fmt.Fprintf(&b, " %s | ≤ 2 KB/product | %s |\n", per, g.MemResult)
	b.WriteString("| memory: resident before the load (peak) |")
	for _, s := range g.Sizes {
		fmt.Fprintf(&b, " %s (%s) |", bytesIEC(float64(s.RSSReady)), bytesIEC(float64(s.Peak)))
	}
	b.WriteString(" | | |\n| memory beyond the base per product |")
	for _, s := range g.Sizes {
		fmt.Fprintf(&b, " %s |", bytesIEC(memPerProduct(g.BaseRSS, s.RSS, s.Products)))
	}
	marginal := ""
	if len(g.Sizes) > 1 {
		marginal = fmt.Sprintf("marginal %s → %s: %s/product", count(first.Products), count(last.Products), bytesIEC(g.MemMarginal))
	}
	fmt.Fprintf(&b, " %s | | |\n| seed; ready; indexed; sellable (s) |", marginal)
	for _, s := range g.Sizes {
		fmt.Fprintf(&b, " %.0f; %.1f; %.0f; %.0f |", s.SeedSeconds, s.ReadySeconds, s.IndexedSeconds, s.PurchasableSeconds)
	}
	b.WriteString(" | | |\n")
	return b.String()
}

// growthColors are the series colours of the B8 plots.
var growthColors = []string{colP50, colP99, colP999, "#2ca02c", "#9467bd"}

type series struct {
	name string
	xs   []float64
	ys   []float64
	dash bool
}

// logLogPlot draws series against log-scaled axes.
func logLogPlot(title, subtitle, xlabel, ylabel string, ss []series, xfmt, yfmt func(float64) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, svgHead, plotW, plotH, plotW, plotH)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">%s</text>`+"\n", padL, esc(title))
	fmt.Fprintf(&b, `<text x="%d" y="33" font-size="11" fill="%s">%s</text>`+"\n", padL, colAxis, esc(subtitle))
	xlo, xhi, ylo, yhi := math.Inf(1), 0.0, math.Inf(1), 0.0
	for _, s := range ss {
		for i := range s.xs {
			if s.xs[i] > 0 && s.ys[i] > 0 {
				xlo, xhi = min(xlo, s.xs[i]), max(xhi, s.xs[i])
				ylo, yhi = min(ylo, s.ys[i]), max(yhi, s.ys[i])
			}
		}
	}
	if xhi == 0 || yhi == 0 {
		b.WriteString("</svg>\n")
		return b.String()
	}
	lx0, lx1 := math.Log10(xlo)-0.15, math.Log10(xhi)+0.15
	ly0, ly1 := math.Floor(math.Log10(ylo)), math.Ceil(math.Log10(yhi))
	if ly1 == ly0 {
		ly1++
	}
	x := func(v float64) float64 { return padL + (math.Log10(v)-lx0)/(lx1-lx0)*innerW }
	y := func(v float64) float64 { return padT + innerH - (math.Log10(v)-ly0)/(ly1-ly0)*innerH }
	axes(&b, xlabel, ylabel)
	for e := ly0; e <= ly1; e++ {
		v := math.Pow(10, e)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			padL, padL+innerW, y(v), y(v), padL-6, y(v)+4, yfmt(v))
	}
	var ticks []float64
	for _, s := range ss {
		for _, v := range s.xs {
			if v > 0 && !slices.Contains(ticks, v) {
				ticks = append(ticks, v)
			}
		}
	}
	for _, v := range ticks {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			x(v), x(v), padT, padT+innerH, x(v), padT+innerH+18, xfmt(v))
	}
	for k, s := range ss {
		color := growthColors[k%len(growthColors)]
		dash := ""
		if s.dash {
			color, dash = "#888", ` stroke-dasharray="5,4"`
		}
		var pts []string
		for i := range s.xs {
			if s.xs[i] > 0 && s.ys[i] > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(s.xs[i]), y(s.ys[i])))
				if !s.dash {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(s.xs[i]), y(s.ys[i]), color)
				}
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
		ly := padT + 10 + k*20
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/><text x="%d" y="%d">%s</text>`+"\n",
			padL+innerW+15, padL+innerW+35, ly, ly, color, dash, padL+innerW+40, ly+4, esc(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// cpuPlot draws B8's CPU per request of each scenario against catalog size.
func (g *Growth) cpuPlot(db string) string {
	var ss []series
	for _, id := range growthIDs {
		s := series{name: id + " " + strings.TrimSuffix(growthNames[id], " (per request)")}
		for i := range g.Sizes {
			if v, ok := g.Sizes[i].cpuAt(id); ok {
				s.xs, s.ys = append(s.xs, float64(g.Sizes[i].Products)), append(s.ys, v)
			}
		}
		if len(s.xs) > 0 {
			ss = append(ss, s)
		}
	}
	return logLogPlot("B8 — CPU per request against catalog size", "saturation runs, "+db+fmt.Sprintf("; target: ≤ %.2f × from the smallest to the largest", growthCPUMax),
		"products (log scale)", "CPU ms per request (log scale)", ss,
		func(v float64) string { return count(int(v)) }, trimFloat)
}

// memoryPlot draws the resident memory after the scenarios against catalog
// size, with the base and the target (base + 2 KB per product).
func (g *Growth) memoryPlot(db string) string {
	rss := series{name: "resident"}
	base := series{name: "base", dash: true}
	target := series{name: "base + 2 KB/product", dash: true}
	mb := func(v int64) float64 { return float64(v) / (1 << 20) }
	for _, s := range g.Sizes {
		x := float64(s.Products)
		rss.xs, rss.ys = append(rss.xs, x), append(rss.ys, mb(s.RSS))
		base.xs, base.ys = append(base.xs, x), append(base.ys, mb(g.BaseRSS))
		target.xs, target.ys = append(target.xs, x), append(target.ys, mb(g.BaseRSS+int64(growthMemMax*s.Products)))
	}
	return logLogPlot("B8 — resident memory against catalog size", "VmRSS after the scenarios, "+db,
		"products (log scale)", "MB (log scale)", []series{rss, target, base},
		func(v float64) string { return count(int(v)) }, trimFloat)
}
