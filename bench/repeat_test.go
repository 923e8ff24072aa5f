package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMedian is the middle value, or the mean of the middle two.
func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.xs); got != c.want {
			t.Fatalf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	xs := []float64{5, 1, 3}
	median(xs)
	if xs[0] != 5 {
		t.Fatal("median sorted its argument")
	}
}

func runReport(ceiling, b1, b1cpu, b1p99 float64, b9 string, failures ...string) *Report {
	return &Report{Database: "sqlite", Products: 10_000, Ceiling: ceiling, Failures: failures, Rows: []*Row{
		{ID: "B0", Name: "ceiling", Throughput: ceiling, Ratio: 1, Result: "–"},
		{ID: "B1", Name: "product page", Throughput: b1, Ratio: b1 / ceiling, CPUPer1k: &b1cpu, P99: b1p99, Result: "miss",
			Points: []Point{{Fraction: 0.5, Offered: b1 / 2, P99: b1p99}}, Notes: []string{"same every run"}},
		{ID: "B9", Name: "cold start", Result: b9},
	}}
}

// TestAggregate reports per scenario the median of the whole runs and
// each run's figures, and every run's correctness failures.
func TestAggregate(t *testing.T) {
	agg := Aggregate([]*Report{
		runReport(10_000, 3000, 0.30, 12, "miss (0.60 s)"),
		runReport(8_000, 2000, 0.25, 40, "miss (0.55 s)", "B6: OVERSOLD"),
		runReport(12_000, 4800, 0.20, 9, "miss (0.60 s)"),
	})
	if agg.Repeat != 3 || agg.Ceiling != 10_000 || len(agg.Rows) != 3 {
		t.Fatalf("repeat %d, ceiling %v, %d rows", agg.Repeat, agg.Ceiling, len(agg.Rows))
	}
	b1 := agg.Rows[1]
	if b1.Throughput != 3000 || b1.Ratio != 0.3 || *b1.CPUPer1k != 0.25 || b1.P99 != 12 {
		t.Fatalf("B1 medians: throughput %v ratio %v cpu %v p99 %v", b1.Throughput, b1.Ratio, *b1.CPUPer1k, b1.P99)
	}
	if sp := b1.Spread; sp == nil || sp.Runs != 3 || len(sp.Throughput) != 3 || sp.Throughput[1] != 2000 || sp.CPUPer1k[2] != 0.20 {
		t.Fatalf("B1 spread %+v", b1.Spread)
	}
	// The points (the latency plot) are those of the median-throughput run.
	if len(b1.Points) != 1 || b1.Points[0].Offered != 1500 {
		t.Fatalf("B1 points %+v, want those of run 1", b1.Points)
	}
	if b1.Result != "miss" || agg.Rows[2].Result != "miss (0.60 s) / miss (0.55 s) / miss (0.60 s)" {
		t.Fatalf("results %q, %q", b1.Result, agg.Rows[2].Result)
	}
	if len(agg.Failures) != 1 || agg.Failures[0] != "run 2: B6: OVERSOLD" {
		t.Fatalf("failures %q", agg.Failures)
	}
	md := agg.Markdown()
	for _, want := range []string{"median of 3 whole runs", "| 3000 (2000–4800) |", "| 0.250 (0.200–0.300) |", "| 0.30 (0.25–0.40) |", "| 12.0 (9.00–40.0) |", "- B1: same every run\n"} {
		if !strings.Contains(md, want) {
			t.Fatalf("table lacks %q:\n%s", want, md)
		}
	}
	// The aggregate is written and replotted like a single run.
	dir := t.TempDir()
	if err := agg.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Replot(dir); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	if string(again) != md {
		t.Fatalf("replot wrote another table:\n%s\nwant:\n%s", again, md)
	}
}

// TestAggregateGrowth takes B8's medians per size and evaluates them.
func TestAggregateGrowth(t *testing.T) {
	runs := []*Report{}
	for _, b1 := range []float64{0.30, 0.24, 0.22} {
		row := &Row{ID: "B8"}
		row.Growth = growthFixture(b1)
		row.Growth.evaluate(row)
		runs = append(runs, &Report{Ceiling: 1, Rows: []*Row{row}})
	}
	agg := Aggregate(runs)
	g := agg.Rows[0].Growth
	if g == nil || len(g.Sizes) != 2 {
		t.Fatalf("growth %+v", g)
	}
	if c, _ := g.Sizes[1].cpuAt("B1"); c != 0.24 {
		t.Fatalf("median CPU of B1 at 1M = %v, want 0.24", c)
	}
	if g.CPU[0].Result != "pass" || !strings.HasPrefix(agg.Rows[0].Result, "pass") || !strings.Contains(agg.Rows[0].Result, "[runs: miss") {
		t.Fatalf("B1 growth %+v, result %q", g.CPU[0], agg.Rows[0].Result)
	}
}
