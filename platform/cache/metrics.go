package cache

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts what the shared caches do. A nil *Metrics counts nothing.
type Metrics struct {
	hits, misses, errors, bypasses *prometheus.CounterVec
	up                             *prometheus.GaugeVec
}

// NewMetrics registers on reg, each labelled by cache:
// agora_cache_hits_total and agora_cache_misses_total (lookups answered,
// or not, by the shared cache), agora_cache_errors_total (calls that
// failed), agora_cache_bypasses_total (calls not answered by Redis, failed
// or skipped while the breaker is open) and agora_cache_up.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"cache"})
	}
	m := &Metrics{
		hits:     counter("agora_cache_hits_total", "Lookups answered by the shared cache (Redis)."),
		misses:   counter("agora_cache_misses_total", "Lookups the shared cache (Redis) could not answer."),
		errors:   counter("agora_cache_errors_total", "Calls to the shared cache (Redis) that failed or timed out."),
		bypasses: counter("agora_cache_bypasses_total", "Calls to the shared cache (Redis) skipped or failed, so the database answered."),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "agora_cache_up", Help: "1 while the shared cache (Redis) answers, 0 while it is bypassed.",
		}, []string{"cache"}),
	}
	reg.MustRegister(m.hits, m.misses, m.errors, m.bypasses, m.up)
	return m
}

func (m *Metrics) record(name string, hit bool) {
	if m == nil {
		return
	}
	if hit {
		m.hits.WithLabelValues(name).Inc()
	} else {
		m.misses.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) error(name string) {
	if m != nil {
		m.errors.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) bypass(name string) {
	if m != nil {
		m.bypasses.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) setUp(name string, up bool) {
	if m != nil {
		v := 0.0
		if up {
			v = 1
		}
		m.up.WithLabelValues(name).Set(v)
	}
}
