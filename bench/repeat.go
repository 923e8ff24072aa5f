package bench

import (
	"fmt"
	"slices"
	"strings"
)

// With Config.Repeat > 1 the bench makes whole runs one after another,
// each with its own ceiling, freshly seeded data and server (so the runs
// are independent samples and no run inherits the carts, orders or sold
// out flash-sale SKU of the one before), and Aggregate reports per
// scenario the median of the runs with their spread.

// Spread is what the whole runs of a scenario measured, one value per
// run in the order of the runs (the row itself holds their medians).
type Spread struct {
	Runs       int       `json:"runs"`
	Throughput []float64 `json:"throughput_per_s"`
	Ratio      []float64 `json:"ratio_to_ceiling"`
	P99        []float64 `json:"p99_ms"`
	CPUPer1k   []float64 `json:"cpu_s_per_1k_requests,omitempty"`
	Results    []string  `json:"results"`
}

// median of xs (the mean of the middle two for an even count; 0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// minMax of xs (0, 0 for none).
func minMax(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	return slices.Min(xs), slices.Max(xs)
}

// Aggregate is the report of whole runs reps: per scenario the median of
// the runs' latency columns, throughput, ratio and CPU, with the runs'
// values in Spread, and every run's correctness failures.
func Aggregate(reps []*Report) *Report {
	if len(reps) == 0 {
		return &Report{}
	}
	first := reps[0]
	agg := &Report{Started: first.Started, Database: first.Database, Products: first.Products, Short: first.Short, Repeat: len(reps)}
	var ceilings []float64
	var ids []string
	for k, rep := range reps {
		ceilings = append(ceilings, rep.Ceiling)
		for _, r := range rep.Rows {
			if !slices.Contains(ids, r.ID) {
				ids = append(ids, r.ID)
			}
		}
		for _, f := range rep.Failures {
			agg.Failures = append(agg.Failures, fmt.Sprintf("run %d: %s", k+1, f))
		}
	}
	agg.Ceiling = median(ceilings)
	slices.SortStableFunc(ids, func(a, b string) int { return slices.Index(AllScenarios, a) - slices.Index(AllScenarios, b) })
	for _, id := range ids {
		rows := make([]*Row, len(reps))
		for k, rep := range reps {
			for _, r := range rep.Rows {
				if r.ID == id {
					rows[k] = r
				}
			}
		}
		agg.Rows = append(agg.Rows, aggregateRows(rows))
	}
	return agg
}

// aggregateRows is the median row of one scenario's rows over the whole
// runs (a nil row: the scenario did not run that time). The open-loop and
// saturation points (and so the latency plot) are those of the run with
// the median throughput.
func aggregateRows(rows []*Row) *Row {
	var present []*Row
	var runs []int
	for k, r := range rows {
		if r != nil {
			present = append(present, r)
			runs = append(runs, k+1)
		}
	}
	if len(present) == 0 {
		return nil
	}
	f := present[0]
	out := &Row{ID: f.ID, Name: f.Name, Target: f.Target, Unit: f.Unit}
	sp := &Spread{Runs: len(present)}
	var rate, p50, p999, mx []float64
	for _, r := range present {
		sp.Throughput = append(sp.Throughput, r.Throughput)
		sp.Ratio = append(sp.Ratio, r.Ratio)
		sp.P99 = append(sp.P99, r.P99)
		if r.CPUPer1k != nil {
			sp.CPUPer1k = append(sp.CPUPer1k, *r.CPUPer1k)
		}
		sp.Results = append(sp.Results, r.Result)
		rate, p50, p999, mx = append(rate, r.Rate), append(p50, r.P50), append(p999, r.P999), append(mx, r.Max)
		out.Errors += r.Errors
	}
	out.Spread = sp
	out.Rate, out.P50, out.P99, out.P999, out.Max = median(rate), median(p50), median(sp.P99), median(p999), median(mx)
	out.Throughput, out.Ratio = median(sp.Throughput), median(sp.Ratio)
	if len(sp.CPUPer1k) > 0 {
		v := median(sp.CPUPer1k)
		out.CPUPer1k = &v
	}
	// The run whose throughput is nearest the median lends its points.
	mid := 0
	for i, r := range present {
		if abs(r.Throughput-out.Throughput) < abs(present[mid].Throughput-out.Throughput) {
			mid = i
		}
	}
	out.Saturation, out.Points, out.Extra = present[mid].Saturation, present[mid].Points, present[mid].Extra
	out.Result = sameOrEach(sp.Results)
	// Notes: once when every run wrote the same, else per run.
	var notes [][]string
	for _, r := range present {
		notes = append(notes, r.Notes)
	}
	if slices.IndexFunc(notes, func(n []string) bool { return !slices.Equal(n, notes[0]) }) < 0 {
		out.Notes = slices.Clone(notes[0])
	} else {
		for i, ns := range notes {
			for _, n := range ns {
				out.note("run %d: %s", runs[i], n)
			}
		}
	}
	if len(present) > 1 && len(out.Points) > 0 {
		out.note("the latency plot is that of run %d (the median throughput)", runs[mid])
	}
	// B8: the median of each size's figures over the runs.
	var gs []*Growth
	for _, r := range present {
		if r.Growth != nil {
			gs = append(gs, r.Growth)
		}
	}
	if len(gs) > 0 {
		out.Growth = aggregateGrowth(gs)
		res := out.Result
		out.Growth.evaluate(out)
		if len(gs) > 1 {
			out.Result += " [runs: " + res + "]"
		}
	}
	return out
}

// sameOrEach is the one result every run had, or each run's, in order.
func sameOrEach(results []string) string {
	if len(results) == 0 {
		return ""
	}
	for _, r := range results {
		if r != results[0] {
			return strings.Join(results, " / ")
		}
	}
	return results[0]
}

// aggregateGrowth is the median B8 of whole runs: per size (by position;
// the runs measure the same sizes) the median memory, times and rows.
func aggregateGrowth(gs []*Growth) *Growth {
	out := &Growth{}
	var base []float64
	n := len(gs[0].Sizes)
	for _, g := range gs {
		base = append(base, float64(g.BaseRSS))
		n = min(n, len(g.Sizes))
	}
	out.BaseRSS = int64(median(base))
	for i := range n {
		var seed, ready, indexed, sellable, rssReady, rss, peak []float64
		byID := map[string][]*Row{}
		for _, g := range gs {
			s := g.Sizes[i]
			seed, ready, indexed, sellable = append(seed, s.SeedSeconds), append(ready, s.ReadySeconds), append(indexed, s.IndexedSeconds), append(sellable, s.PurchasableSeconds)
			rssReady, rss, peak = append(rssReady, float64(s.RSSReady)), append(rss, float64(s.RSS)), append(peak, float64(s.Peak))
			for _, r := range s.Rows {
				byID[r.ID] = append(byID[r.ID], r)
			}
		}
		s := GrowthSize{Products: gs[0].Sizes[i].Products, SeedSeconds: median(seed), ReadySeconds: median(ready),
			IndexedSeconds: median(indexed), PurchasableSeconds: median(sellable),
			RSSReady: int64(median(rssReady)), RSS: int64(median(rss)), Peak: int64(median(peak))}
		for _, id := range growthIDs {
			if rows := byID[id]; len(rows) > 0 {
				s.Rows = append(s.Rows, aggregateRows(rows))
			}
		}
		out.Sizes = append(out.Sizes, s)
	}
	return out
}

// spreadCell writes a median with the runs' range: "5343 (5100–5600)".
func spreadCell(median float64, vals []float64, f func(float64) string) string {
	if len(vals) < 2 {
		return f(median)
	}
	lo, hi := minMax(vals)
	return fmt.Sprintf("%s (%s–%s)", f(median), f(lo), f(hi))
}
