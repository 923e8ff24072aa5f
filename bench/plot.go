package bench

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// The plots are small SVG documents written directly (see
// docs/adr/0008-bench-load-generator.md for why not a plotting library):
// per scenario, latency percentiles against offered load; for the run,
// throughput per scenario with its ratio to the ceiling.

const (
	plotW, plotH                     = 640, 400
	padL, padR, padT, padB           = 70, 150, 40, 50
	innerW, innerH                   = plotW - padL - padR, plotH - padT - padB
	svgHead                          = `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">` + "\n"
	colP50, colP99, colP999, colAxis = "#1f77b4", "#ff7f0e", "#d62728", "#444"
)

func (rep *Report) writePlots(dir string) error {
	for _, r := range rep.Rows {
		if g := r.Growth; g != nil && len(g.Sizes) > 0 {
			if err := os.WriteFile(filepath.Join(dir, r.ID+"-cpu.svg"), []byte(g.cpuPlot(rep.Database)), 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, r.ID+"-memory.svg"), []byte(g.memoryPlot(rep.Database)), 0o644); err != nil {
				return err
			}
		}
		if len(r.Points) == 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, r.ID+"-latency.svg"), []byte(latencyPlot(r)), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "throughput.svg"), []byte(rep.throughputPlot()), 0o644)
}

// latencyPlot draws p50, p99 and p99.9 (log scale) against offered rate.
func latencyPlot(r *Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, svgHead, plotW, plotH, plotW, plotH)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">%s — latency against offered load</text>`+"\n", padL, esc(r.ID))
	fmt.Fprintf(&b, `<text x="%d" y="33" font-size="11" fill="%s">%s</text>`+"\n", padL, colAxis, esc(r.Name))
	xmax := 0.0
	lo, hi := math.Inf(1), 0.0
	for _, p := range r.Points {
		xmax = max(xmax, p.Offered)
		for _, v := range []float64{p.P50, p.P99, p.P999} {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if xmax == 0 || hi == 0 {
		b.WriteString("</svg>\n")
		return b.String()
	}
	xmax *= 1.1
	ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if yhi == ylo {
		yhi++
	}
	x := func(v float64) float64 { return padL + v/xmax*innerW }
	y := func(v float64) float64 { return padT + innerH - (math.Log10(v)-ylo)/(yhi-ylo)*innerH }
	axes(&b, fmt.Sprintf("offered load (%ss/s)", r.unitName()), "latency (ms, log scale)")
	for e := ylo; e <= yhi; e++ {
		v := math.Pow(10, e)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			padL, padL+innerW, y(v), y(v), padL-6, y(v)+4, trimFloat(v))
	}
	for i := 0; i <= 4; i++ {
		v := xmax * float64(i) / 4
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%.0f</text>`+"\n", x(v), padT+innerH+18, v)
	}
	series := []struct {
		name, color string
		get         func(Point) float64
	}{{"p50", colP50, func(p Point) float64 { return p.P50 }}, {"p99", colP99, func(p Point) float64 { return p.P99 }}, {"p99.9", colP999, func(p Point) float64 { return p.P999 }}}
	for k, s := range series {
		var pts []string
		for _, p := range r.Points {
			if v := s.get(p); v > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Offered), y(v)))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(p.Offered), y(v), s.color)
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", s.color, strings.Join(pts, " "))
		ly := padT + 10 + k*20
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"/><text x="%d" y="%d">%s</text>`+"\n",
			padL+innerW+15, padL+innerW+35, ly, ly, s.color, padL+innerW+40, ly+4, s.name)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">saturation:</text><text x="%d" y="%d" fill="%s">%.0f/s</text>`+"\n",
		padL+innerW+15, padT+90, colAxis, padL+innerW+15, padT+106, colAxis, r.Throughput)
	b.WriteString("</svg>\n")
	return b.String()
}

// throughputPlot draws each scenario's saturation throughput as a bar
// labelled with its ratio to the ceiling.
func (rep *Report) throughputPlot() string {
	var rows []*Row
	for _, r := range rep.Rows {
		if r.Throughput > 0 {
			rows = append(rows, r)
		}
	}
	h := padT + padB + 28*max(len(rows), 1)
	var b strings.Builder
	fmt.Fprintf(&b, svgHead, plotW, h, plotW, h)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	size := ""
	if rep.Products > 0 {
		size = ", " + count(rep.Products) + " products"
	}
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="14">throughput at saturation (%s%s)</text>`+"\n", padL, esc(rep.Database), size)
	xmax := 0.0
	for _, r := range rows {
		xmax = max(xmax, r.Throughput)
	}
	if xmax == 0 {
		b.WriteString("</svg>\n")
		return b.String()
	}
	xmax *= 1.05
	w := float64(plotW - padL - 200)
	for i, r := range rows {
		yy := padT + 10 + i*28
		bw := r.Throughput / xmax * w
		color := colP50
		if r.ID == "B0" {
			color = "#888"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text><rect x="%d" y="%d" width="%.1f" height="18" fill="%s"/>`+
			`<text x="%.1f" y="%d">%.0f %ss/s (%.2f×)</text>`+"\n",
			padL-8, yy+13, r.ID, padL, yy, bw, color, float64(padL)+bw+6, yy+13, r.Throughput, r.unitName(), r.Throughput/max(rep.Ceiling, 1))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func (r *Row) unitName() string {
	if r.Unit == "" {
		return "request"
	}
	return r.Unit
}

func axes(b *strings.Builder, xlabel, ylabel string) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`+"\n", padL, padT+innerH, padL+innerW, padT+innerH, colAxis)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`+"\n", padL, padT, padL, padT+innerH, colAxis)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", padL+innerW/2, plotH-10, esc(xlabel))
	fmt.Fprintf(b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", padT+innerH/2, esc(ylabel))
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%g", v)
	return s
}

func esc(s string) string { return html.EscapeString(s) }

// Replot reads the report.json of an earlier run in dir and writes its
// table and plots again (after a change to how they are drawn).
func Replot(dir string) (*Report, error) {
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", filepath.Join(dir, "report.json"), err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(rep.Markdown()), 0o644); err != nil {
		return nil, err
	}
	return &rep, rep.writePlots(dir)
}
