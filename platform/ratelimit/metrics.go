package ratelimit

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts what the limiters do. A nil *Metrics counts nothing.
type Metrics struct {
	limited   *prometheus.CounterVec
	fallbacks *prometheus.CounterVec
	up        *prometheus.GaugeVec
}

// NewMetrics registers the limiter metrics on reg:
// agora_rate_limited_total{limiter} (requests refused),
// agora_ratelimit_fallback_total{limiter} (decisions taken in process
// because the shared store failed) and agora_ratelimit_store_up{limiter}.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agora_rate_limited_total", Help: "Requests refused by a rate limit, by limiter.",
		}, []string{"limiter"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agora_ratelimit_fallback_total", Help: "Rate-limit decisions taken in process because the shared store (Redis) failed.",
		}, []string{"limiter"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "agora_ratelimit_store_up", Help: "1 while the shared rate-limit store answers, 0 while the in-process fallback is used.",
		}, []string{"limiter"}),
	}
	reg.MustRegister(m.limited, m.fallbacks, m.up)
	return m
}

// Limited counts one refusal by limiter.
func (m *Metrics) Limited(limiter string) {
	if m != nil {
		m.limited.WithLabelValues(limiter).Inc()
	}
}

func (m *Metrics) fallback(limiter string) {
	if m != nil {
		m.fallbacks.WithLabelValues(limiter).Inc()
	}
}

func (m *Metrics) storeUp(limiter string, up bool) {
	if m != nil {
		v := 0.0
		if up {
			v = 1
		}
		m.up.WithLabelValues(limiter).Set(v)
	}
}
