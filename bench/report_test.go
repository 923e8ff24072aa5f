package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportWrite writes the JSON, the table and the plots, and the table
// shows a failed flash sale as FAIL with its reason.
func TestReportWrite(t *testing.T) {
	cpu := 0.05
	rep := &Report{Database: "sqlite", Products: 10_000, Ceiling: 10_000, Rows: []*Row{
		{ID: "B0", Name: "ceiling", Throughput: 10_000, Ratio: 1, CPUPer1k: &cpu, Result: "–",
			Points: []Point{{Fraction: 0.25, Offered: 2500, P50: 0.5, P99: 2, P999: 4}, {Fraction: 0.5, Offered: 5000, P50: 0.7, P99: 3, P999: 9}}},
		{ID: "B6", Name: "flash sale", Unit: "attempt", Throughput: 900, Ratio: 0.09, Result: "FAIL"},
	}, Failures: []string{"B6: OVERSOLD: 10000 units on sale, 10001 sold"}}
	dir := t.TempDir()
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"B0.json", "B6.json", "report.json", "results.md", "B0-latency.svg", "throughput.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	for _, want := range []string{"| B6 flash sale |", "| FAIL |", "900 attempts", "correctness failure**: B6: OVERSOLD"} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("table lacks %q:\n%s", want, md)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "B0-latency.svg"))
	if !strings.Contains(string(svg), "<polyline") || !strings.HasSuffix(string(svg), "</svg>\n") {
		t.Fatalf("latency plot has no series:\n%s", svg)
	}
}
