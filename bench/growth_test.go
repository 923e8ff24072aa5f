package bench

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func cpuRow(id string, cpu, tp float64) *Row {
	return &Row{ID: id, Name: id, Throughput: tp, CPUPer1k: &cpu}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestCPUGrowth divides CPU per request at the largest size by that at
// the smallest, whatever the order of the sizes, and skips sizes that did
// not measure the scenario.
func TestCPUGrowth(t *testing.T) {
	sizes := []GrowthSize{
		{Products: 100_000, Rows: []*Row{cpuRow("B1", 0.3, 1000), cpuRow("B2", 2, 100)}},
		{Products: 10_000, Rows: []*Row{cpuRow("B1", 0.2, 1000), cpuRow("B2", 1, 100)}},
		{Products: 1_000_000, Rows: []*Row{cpuRow("B1", 0.24, 1000)}},
	}
	ratio, from, to, ok := cpuGrowth(sizes, "B1")
	if !ok || !near(ratio, 1.2) || from != 10_000 || to != 1_000_000 {
		t.Fatalf("B1: ratio %v from %d to %d ok %v, want 1.2 from 10000 to 1000000", ratio, from, to, ok)
	}
	// B2 was not measured at 1M: its growth is 10k → 100k.
	ratio, from, to, ok = cpuGrowth(sizes, "B2")
	if !ok || !near(ratio, 2) || from != 10_000 || to != 100_000 {
		t.Fatalf("B2: ratio %v from %d to %d ok %v, want 2 from 10000 to 100000", ratio, from, to, ok)
	}
	// One size, or none: no growth.
	if _, _, _, ok := cpuGrowth(sizes[:1], "B1"); ok {
		t.Fatal("growth from a single size")
	}
	if _, _, _, ok := cpuGrowth(sizes, "B5"); ok {
		t.Fatal("growth of a scenario never measured")
	}
	// A row without CPU (a deployment) does not count.
	sizes[2].Rows[0].CPUPer1k = nil
	if ratio, _, to, _ := cpuGrowth(sizes, "B1"); !near(ratio, 1.5) || to != 100_000 {
		t.Fatalf("B1 without CPU at 1M: ratio %v to %d, want 1.5 to 100000", ratio, to)
	}
}

// TestMemPerProduct is the resident memory beyond the base per product,
// and the marginal memory between the smallest and the largest size.
func TestMemPerProduct(t *testing.T) {
	const mb = 1 << 20
	if got := memPerProduct(100*mb, 100*mb+2048*1_000_000, 1_000_000); !near(got, 2048) {
		t.Fatalf("memPerProduct = %v, want 2048", got)
	}
	if got := memPerProduct(100*mb, 90*mb, 1000); got >= 0 {
		t.Fatalf("memPerProduct below the base = %v, want negative", got)
	}
	if got := memPerProduct(100*mb, 200*mb, 0); got != 0 {
		t.Fatalf("memPerProduct of no products = %v, want 0", got)
	}
	sizes := []GrowthSize{{Products: 100_000, RSS: 300 * mb}, {Products: 10_000, RSS: 120 * mb}}
	if got, want := memMarginal(sizes), float64(180*mb)/90_000; !near(got, want) {
		t.Fatalf("memMarginal = %v, want %v", got, want)
	}
	if got := memMarginal(sizes[:1]); got != 0 {
		t.Fatalf("memMarginal of one size = %v, want 0", got)
	}
}

func growthFixture(b1At1M float64) *Growth {
	const mb = 1 << 20
	return &Growth{BaseRSS: 50 * mb, Sizes: []GrowthSize{
		{Products: 10_000, RSS: 80 * mb, RSSReady: 60 * mb, Peak: 90 * mb, SeedSeconds: 20,
			Rows: []*Row{cpuRow("B1", 0.2, 5000), cpuRow("B2", 1, 1000), cpuRow("B3", 0.8, 2000), cpuRow("B5", 4, 60)}},
		{Products: 1_000_000, RSS: 50*mb + 1500*1_000_000, RSSReady: 1000 * mb, Peak: 1500 * mb, SeedSeconds: 2100,
			Rows: []*Row{cpuRow("B1", b1At1M, 4000), cpuRow("B2", 1.2, 900), cpuRow("B3", 0.9, 1900), cpuRow("B5", 4.4, 55)}},
	}}
}

// TestGrowthEvaluate passes B8 when every scenario's CPU per request grew
// at most 1.25 times and memory stayed within 2 KB per product, and names
// the worst scenario when it does not.
func TestGrowthEvaluate(t *testing.T) {
	row := &Row{ID: "B8"}
	g := growthFixture(0.24)
	g.evaluate(row)
	if !strings.HasPrefix(row.Result, "pass") || len(g.CPU) != 4 || g.MemResult != "pass" || !near(g.MemPerProduct, 1500) {
		t.Fatalf("result %q, cpu %+v, memory %v %s", row.Result, g.CPU, g.MemPerProduct, g.MemResult)
	}
	if row.Name != "growth: B1–B3, B5 at 10k, 1M products" {
		t.Fatalf("name %q", row.Name)
	}
	g = growthFixture(0.3)
	g.evaluate(row)
	if !strings.HasPrefix(row.Result, "miss") || !strings.Contains(row.Result, "×1.50 at most (B1)") || g.CPU[0].Result != "miss" || g.CPU[1].Result != "pass" {
		t.Fatalf("result %q, cpu %+v", row.Result, g.CPU)
	}
	g = growthFixture(0.24)
	g.Sizes[1].RSS = g.BaseRSS + 3000*1_000_000
	g.evaluate(row)
	if !strings.HasPrefix(row.Result, "miss") || g.MemResult != "miss" {
		t.Fatalf("memory over 2 KB/product: result %q, memory %s", row.Result, g.MemResult)
	}
}

// TestGrowthReportWrite writes B8's table and plots, and --replot writes
// the same table again from report.json.
func TestGrowthReportWrite(t *testing.T) {
	row := &Row{ID: "B8", Target: "CPU/request ≤ 1.25 ×"}
	row.Growth = growthFixture(0.24)
	row.Growth.evaluate(row)
	rep := &Report{Database: "sqlite", Ceiling: 10_000, Rows: []*Row{{ID: "B0", Name: "ceiling", Throughput: 10_000, Ratio: 1}, row}}
	dir := t.TempDir()
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"B8.json", "B8-cpu.svg", "B8-memory.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	for _, want := range []string{
		"| B8 | 10k | 1M | growth 10k → 1M | target | result |",
		"| B1 product page | 0.200 (5000/s) | 0.240 (4000/s) | 1.20 × | ≤ 1.25 × | pass |",
		"| memory: resident after the scenarios | 80.0 MB | 1.45 GB | 1.46 KB/product beyond the base at 1M | ≤ 2 KB/product | pass |",
		"base: a server on an empty catalog, 50.0 MB resident",
	} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("table lacks %q:\n%s", want, md)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "B8-cpu.svg"))
	if strings.Count(string(svg), "<polyline") != 4 || !strings.HasSuffix(string(svg), "</svg>\n") {
		t.Fatalf("CPU plot lacks its four series:\n%s", svg)
	}
	if _, err := Replot(dir); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	if string(again) != string(md) {
		t.Fatalf("replot wrote another table:\n%s\nwant:\n%s", again, md)
	}
}
