package bench

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenLoopRate sends at a constant rate to an httptest server: the
// number of requests the server sees matches rate × duration.
func TestOpenLoopRate(t *testing.T) {
	var served atomic.Int64
	h := CeilingHandler()
	srv := httptest.NewServer(countHandler(&served, h))
	defer srv.Close()
	cl := NewClient(srv.URL, "")
	const rate, d = 400.0, time.Second
	res, err := OpenLoop{Rate: rate, Duration: d}.Run(context.Background(), func(ctx context.Context, _ int64) error {
		return cl.Get(ctx, "/")
	})
	if err != nil {
		t.Fatal(err)
	}
	want := int64(rate * d.Seconds())
	if res.Calls != want || served.Load() != want {
		t.Fatalf("calls %d, served %d, want %d", res.Calls, served.Load(), want)
	}
	if res.Errors != 0 {
		t.Fatalf("%d errors: %s", res.Errors, res.FirstErr)
	}
	// The calls were spread over the duration, not sent in a burst.
	if res.Elapsed < d*9/10 || res.Elapsed > d*3 {
		t.Fatalf("%d calls took %s, want about %s", res.Calls, res.Elapsed, d)
	}
	if got := res.Lat.Count(); got != want {
		t.Fatalf("histogram holds %d latencies, want %d", got, want)
	}
}

// TestOpenLoopMeasuresFromIntendedStart: a server that takes 10 ms per
// request, one at a time, falls behind an offered 200/s, and the
// latencies show the queue (measured from each request's intended start),
// not just the 10 ms of service (what a closed loop would report).
func TestOpenLoopMeasuresFromIntendedStart(t *testing.T) {
	var mu sync.Mutex
	op := func(ctx context.Context, _ int64) error {
		mu.Lock()
		defer mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		return nil
	}
	res, err := OpenLoop{Rate: 200, Duration: 500 * time.Millisecond}.Run(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	// 100 calls at 200/s take at least 1 s to serve: the last one waits
	// about 0.5 s beyond its intended start.
	if res.Calls != 100 {
		t.Fatalf("calls %d, want 100", res.Calls)
	}
	if m := res.Lat.Max(); m < 400*time.Millisecond {
		t.Fatalf("max latency %s: the queueing behind the slow server was not measured", m)
	}
	if p50 := res.Lat.Quantile(50); p50 < 100*time.Millisecond {
		t.Fatalf("p50 %s: the latency was not measured from the intended start", p50)
	}
	// A closed loop on the same server sees only the service time.
	closed, err := ClosedLoop{Workers: 1, Duration: 200 * time.Millisecond}.Run(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	if m := closed.Lat.Quantile(50); m > 50*time.Millisecond {
		t.Fatalf("closed loop p50 %s, want about 10 ms", m)
	}
}

func TestLatenciesRecordIntoHistogram(t *testing.T) {
	l := NewLatencies()
	for i := 1; i <= 1000; i++ {
		l.Record(time.Duration(i) * time.Millisecond)
	}
	near := func(got, want time.Duration) bool { return got >= want*99/100 && got <= want*101/100 }
	if got := l.Quantile(50); !near(got, 500*time.Millisecond) {
		t.Fatalf("p50 %s", got)
	}
	if got := l.Quantile(99); !near(got, 990*time.Millisecond) {
		t.Fatalf("p99 %s", got)
	}
	if got := l.Max(); !near(got, time.Second) {
		t.Fatalf("max %s", got)
	}
}

func TestClosedLoopCount(t *testing.T) {
	var n atomic.Int64
	res, err := ClosedLoop{Workers: 8, Duration: 5 * time.Second, Count: 500}.Run(context.Background(), func(context.Context, int64) error {
		n.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 500 || n.Load() != 500 {
		t.Fatalf("calls %d (ops %d), want 500", res.Calls, n.Load())
	}
}
