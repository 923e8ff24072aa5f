// Package obs is Agora's observability kit: one JSON access-log line per
// request, Prometheus metrics per route (rate, errors, latency), and the
// /healthz and /readyz probes.
package obs

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/agoracommerce/agora/platform/httpx"
)

// Metrics holds the registry and the HTTP metrics of one process.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// NewMetrics returns a registry with the Go and process collectors and the
// per-route HTTP metrics registered.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agora_http_requests_total", Help: "HTTP requests by route, method and status class.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "agora_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "agora_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// routeKey holds, in a request's context, where Route writes the pattern
// the mux matched.
type routeKey struct{}

// Route wraps a ServeMux so that Middleware, further out, learns the
// pattern the mux matched: the middlewares in between pass the mux copies
// of the request (WithContext), on which the mux sets Pattern. The
// catch-all "/" is not a route.
func Route(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		nameSpan(r)
		if slot, ok := r.Context().Value(routeKey{}).(*string); ok && r.Pattern != "/" {
			*slot = r.Pattern
		}
	})
}

// Middleware records the metrics of each request under its route pattern
// (never the raw path, so ids do not explode the label set) and writes one
// access-log line. The pattern is the one the mux matched, reported by
// Route around the mux; a request no route matched is "unmatched".
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		m.inflight.Inc()
		defer m.inflight.Dec()
		route := ""
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if route == "" {
			route = r.Pattern // next is the mux itself
		}
		if route == "" || route == "/" {
			route = "unmatched"
		}
		d := time.Since(start)
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status/100)+"xx").Inc()
		m.latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
		lvl := slog.LevelInfo
		if rec.status >= 500 {
			lvl = slog.LevelError
		}
		httpx.Logger(r.Context()).LogAttrs(r.Context(), lvl, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("remote", r.RemoteAddr))
	})
}

// Check is one readiness check: nil when the dependency is ready.
type Check func(ctx context.Context) error

// Health serves /healthz (alive) and /readyz (every check passes).
type Health struct {
	mu     sync.Mutex
	checks map[string]Check
}

// NewHealth returns a Health with no checks.
func NewHealth() *Health { return &Health{checks: map[string]Check{}} }

// Add registers a named readiness check.
func (h *Health) Add(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = c
}

// Ready runs every check and returns the failures by name.
func (h *Health) Ready(ctx context.Context) map[string]string {
	h.mu.Lock()
	checks := make(map[string]Check, len(h.checks))
	for k, v := range h.checks {
		checks[k] = v
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	failed := map[string]string{}
	for name, c := range checks {
		if err := c(ctx); err != nil {
			failed[name] = err.Error()
		}
	}
	return failed
}
