package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Op is one unit of work of a scenario: a request, or a short sequence of
// requests such as create cart, add item, check out. i numbers the calls
// of one run from 0. It returns an error when the answer is not the one
// the scenario expects.
type Op func(ctx context.Context, i int64) error

// Latencies is an HDR histogram of latencies in microseconds, from 1 µs to
// 5 minutes with 3 significant digits, safe for concurrent recording.
type Latencies struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

const maxLatencyMicros = int64(5 * time.Minute / time.Microsecond)

// NewLatencies returns an empty histogram.
func NewLatencies() *Latencies {
	return &Latencies{h: hdrhistogram.New(1, maxLatencyMicros, 3)}
}

// Record adds one latency (clamped to the histogram's range).
func (l *Latencies) Record(d time.Duration) {
	us := min(max(d.Microseconds(), 1), maxLatencyMicros)
	l.mu.Lock()
	_ = l.h.RecordValue(us)
	l.mu.Unlock()
}

// Count is the number of recorded latencies.
func (l *Latencies) Count() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.h.TotalCount()
}

// Quantile returns the latency at percentile q (0–100).
func (l *Latencies) Quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(l.h.ValueAtQuantile(q)) * time.Microsecond
}

// Max returns the largest recorded latency.
func (l *Latencies) Max() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(l.h.Max()) * time.Microsecond
}

// OpenLoop is a constant arrival rate: call i is due at start + i/Rate,
// whatever happened to the calls before it, and its latency is measured
// from that intended time, so a server that stalls cannot hide the
// queueing it causes (no coordinated omission).
type OpenLoop struct {
	Rate     float64       // calls per second
	Duration time.Duration // how long calls are started
	// MaxInFlight bounds the calls running at once, and so the
	// connections (default 512). A call over the bound waits for a slot,
	// and that wait counts in its latency.
	MaxInFlight int
}

// Result is what one load phase measured.
type Result struct {
	Offered  float64       // intended calls per second (0 for a closed loop)
	Elapsed  time.Duration // from the first intended start to the last answer
	Calls    int64         // calls completed
	Errors   int64         // calls whose Op returned an error
	FirstErr string        // the first error, for the report
	Lat      *Latencies
}

// Throughput is completed calls per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

type tally struct {
	calls, errors atomic.Int64
	firstErr      atomic.Value
}

func (t *tally) done(err error) {
	t.calls.Add(1)
	if err != nil {
		t.errors.Add(1)
		t.firstErr.CompareAndSwap(nil, err.Error())
	}
}

func (t *tally) result(offered float64, elapsed time.Duration, lat *Latencies) Result {
	r := Result{Offered: offered, Elapsed: elapsed, Calls: t.calls.Load(), Errors: t.errors.Load(), Lat: lat}
	if s, ok := t.firstErr.Load().(string); ok {
		r.FirstErr = s
	}
	return r
}

// Run starts calls of op at the loop's rate for its duration, then waits
// for the calls in flight. A cancelled ctx stops starting calls.
func (o OpenLoop) Run(ctx context.Context, op Op) (Result, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return Result{}, errors.New("bench: open loop needs a positive rate and duration")
	}
	limit := o.MaxInFlight
	if limit <= 0 {
		limit = 512
	}
	slots := make(chan struct{}, limit)
	lat := NewLatencies()
	var t tally
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / o.Rate)
	total := int64(o.Duration / interval)
	start := time.Now()
	var i int64
	for i < total && ctx.Err() == nil {
		// Start every call that is due by now, each with its own intended
		// time, then sleep until the next one is due.
		due := min(int64(time.Since(start)/interval)+1, total)
		for ; i < due; i++ {
			intended := start.Add(time.Duration(i) * interval)
			wg.Add(1)
			go func(i int64) {
				defer wg.Done()
				slots <- struct{}{}
				err := op(ctx, i)
				<-slots
				lat.Record(time.Since(intended))
				t.done(err)
			}(i)
		}
		if i < total {
			if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
				time.Sleep(wait)
			}
		}
	}
	wg.Wait()
	return t.result(o.Rate, time.Since(start), lat), ctx.Err()
}

// ClosedLoop runs Workers callers that each start their next call as soon
// as the previous one answers, for Duration: the highest rate the server
// sustains with that many connections. Latencies here are per call (a
// closed loop cannot measure queueing; use OpenLoop for latency).
type ClosedLoop struct {
	Workers  int
	Duration time.Duration
	// Count, when positive, stops after that many calls instead (Duration
	// still bounds the run).
	Count int64
}

// Run drives op until the duration or count is reached. Calls in flight
// at the end are waited for, not cut off (a cut-off checkout would leave
// work for the server's recovery), and counted.
func (c ClosedLoop) Run(ctx context.Context, op Op) (Result, error) {
	if c.Workers <= 0 || c.Duration <= 0 {
		return Result{}, errors.New("bench: closed loop needs workers and a duration")
	}
	lat := NewLatencies()
	var t tally
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(c.Duration)
	for range c.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(end) {
				i := next.Add(1) - 1
				if c.Count > 0 && i >= c.Count {
					return
				}
				began := time.Now()
				err := op(ctx, i)
				lat.Record(time.Since(began))
				t.done(err)
			}
		}()
	}
	wg.Wait()
	return t.result(0, time.Since(start), lat), ctx.Err()
}
