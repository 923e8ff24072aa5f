package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Point is one measured load phase.
type Point struct {
	// Fraction of the saturation throughput offered (0: the closed-loop
	// saturation run itself).
	Fraction   float64  `json:"fraction,omitempty"`
	Offered    float64  `json:"offered_per_s,omitempty"`
	Seconds    float64  `json:"seconds"`
	Calls      int64    `json:"calls"`
	Requests   int64    `json:"requests"`
	Throughput float64  `json:"throughput_per_s"`
	Errors     int64    `json:"errors"`
	FirstErr   string   `json:"first_error,omitempty"`
	P50        float64  `json:"p50_ms"`
	P99        float64  `json:"p99_ms"`
	P999       float64  `json:"p999_ms"`
	Max        float64  `json:"max_ms"`
	CPUPer1k   *float64 `json:"cpu_s_per_1k_requests,omitempty"`
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pointOf(r Result) Point {
	return Point{
		Offered: r.Offered, Seconds: r.Elapsed.Seconds(), Calls: r.Calls, Throughput: r.Throughput(),
		Errors: r.Errors, FirstErr: r.FirstErr,
		P50: millis(r.Lat.Quantile(50)), P99: millis(r.Lat.Quantile(99)), P999: millis(r.Lat.Quantile(99.9)), Max: millis(r.Lat.Max()),
	}
}

// Row is one scenario's result: a line of the table and its JSON file.
type Row struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Target string `json:"target"`
	// Unit is what a call is (request, order, purchase attempt).
	Unit string `json:"unit"`
	// Rate is the open-loop rate whose latencies the table shows.
	Rate       float64  `json:"rate_per_s,omitempty"`
	P50        float64  `json:"p50_ms,omitempty"`
	P99        float64  `json:"p99_ms,omitempty"`
	P999       float64  `json:"p999_ms,omitempty"`
	Max        float64  `json:"max_ms,omitempty"`
	Throughput float64  `json:"throughput_per_s"`
	Errors     int64    `json:"errors"`
	CPUPer1k   *float64 `json:"cpu_s_per_1k_requests,omitempty"`
	Ratio      float64  `json:"ratio_to_ceiling"`
	// Result is pass, miss, FAIL (a correctness error) or "–" (no target
	// checked).
	Result     string         `json:"result"`
	Notes      []string       `json:"notes,omitempty"`
	Saturation []Point        `json:"saturation,omitempty"`
	Points     []Point        `json:"points,omitempty"`
	Extra      map[string]any `json:"extra,omitempty"`
	// Growth is B8's result (its row has no load figures of its own).
	Growth *Growth `json:"growth,omitempty"`
	// Spread holds each whole run's figures when the row is the median of
	// several (Config.Repeat).
	Spread *Spread `json:"spread,omitempty"`
}

func (r *Row) noteErr(e string) {
	if e == "" {
		return
	}
	if len(e) > 200 {
		e = e[:200]
	}
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "first error: ") {
			return
		}
	}
	r.Notes = append(r.Notes, "first error: "+e)
}

func (r *Row) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// showPoint puts the open-loop point nearest fraction f into the row's
// latency columns.
func (r *Row) showPoint(f float64) *Point {
	var best *Point
	for i := range r.Points {
		p := &r.Points[i]
		if best == nil || abs(p.Fraction-f) < abs(best.Fraction-f) {
			best = p
		}
	}
	if best != nil {
		r.Rate, r.P50, r.P99, r.P999, r.Max = best.Offered, best.P50, best.P99, best.P999, best.Max
	}
	return best
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func ms(v float64) string {
	switch {
	case v == 0:
		return "–"
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func num(v float64) string {
	if v == 0 {
		return "–"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// Markdown is the results table.
func (rep *Report) Markdown() string {
	var b strings.Builder
	size := ""
	if rep.Products > 0 {
		size = fmt.Sprintf(", %d products", rep.Products)
	}
	runs := ""
	if rep.Repeat > 1 {
		runs = fmt.Sprintf("; every figure is the median of %d whole runs, with their range (min–max) in brackets for p99, throughput, CPU and ratio", rep.Repeat)
	}
	fmt.Fprintf(&b, "Agora bench, %s, %s%s%s; ceiling (B0) %.0f requests/s%s.\n\n",
		rep.Started.Format("2006-01-02 15:04 UTC"), rep.Database, size, map[bool]string{true: ", short mode"}[rep.Short], rep.Ceiling, runs)
	b.WriteString("| scenario | rate /s | p50 ms | p99 ms | p99.9 ms | max ms | throughput /s | errors | CPU s /1k req | ratio | target | result |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Rows {
		sp := r.Spread
		if sp == nil {
			sp = &Spread{}
		}
		cpu := "–"
		if r.CPUPer1k != nil {
			cpu = spreadCell(*r.CPUPer1k, sp.CPUPer1k, func(v float64) string { return fmt.Sprintf("%.3f", v) })
		}
		ratio := "–"
		if r.Ratio > 0 {
			ratio = spreadCell(r.Ratio, sp.Ratio, func(v float64) string { return fmt.Sprintf("%.2f", v) })
		}
		tp := "–"
		if r.Throughput > 0 {
			tp = spreadCell(r.Throughput, sp.Throughput, num)
		}
		if r.Unit != "" && r.Unit != "request" && r.Throughput > 0 {
			tp += " " + r.Unit + "s"
		}
		p99 := ms(r.P99)
		if r.P99 > 0 {
			p99 = spreadCell(r.P99, sp.P99, ms)
		}
		fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n",
			r.ID, r.Name, num(r.Rate), ms(r.P50), p99, ms(r.P999), ms(r.Max), tp, r.Errors, cpu, ratio, r.Target, r.Result)
	}
	var notes []string
	for _, r := range rep.Rows {
		for _, n := range r.Notes {
			notes = append(notes, fmt.Sprintf("- %s: %s", r.ID, n))
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	for _, r := range rep.Rows {
		b.WriteString(r.Growth.markdown(rep.Repeat))
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(&b, "\n**correctness failure**: %s\n", f)
	}
	return b.String()
}

// Write saves <id>.json per scenario, results.md, report.json and the
// plots in dir.
func (rep *Report) Write(dir string) error {
	for _, r := range rep.Rows {
		if err := writeJSON(filepath.Join(dir, r.ID+".json"), r); err != nil {
			return err
		}
	}
	if err := writeJSON(filepath.Join(dir, "report.json"), rep); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(rep.Markdown()), 0o644); err != nil {
		return err
	}
	return rep.writePlots(dir)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
