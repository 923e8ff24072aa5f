package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httputil"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Proxy routes each public request, by the operation it names, to the pool
// of upstream instances that serves it. It learns the operations from the
// OpenAPI document every pool serves, and serves their union as its own.
type Proxy struct {
	pools     []*Pool
	log       *slog.Logger
	transport http.RoundTripper
	maxBody   int64
	requests  *prometheus.CounterVec
	retries   *prometheus.CounterVec

	mux  *http.ServeMux
	spec []byte
}

// NewProxy returns a proxy over pools; Load must run before it serves.
// maxBody bounds a request body kept for a retry.
func NewProxy(pools []*Pool, maxBody int64, reg prometheus.Registerer, log *slog.Logger) *Proxy {
	p := &Proxy{
		pools: pools, log: log, maxBody: maxBody,
		transport: &http.Transport{
			Proxy: nil, MaxIdleConns: 512, MaxIdleConnsPerHost: 128, IdleConnTimeout: 90 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second, ForceAttemptHTTP2: false,
		},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agora_gateway_upstream_requests_total",
			Help: "Requests the gateway sent upstream, by pool, instance and answer class (error: no answer).",
		}, []string{"pool", "instance", "class"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agora_gateway_retries_total",
			Help: "Idempotent requests sent again to another instance after a connection failure.",
		}, []string{"pool"}),
	}
	if reg != nil {
		reg.MustRegister(p.requests, p.retries, upCollector{p})
	}
	return p
}

// upCollector reports agora_gateway_upstream_up{pool,instance}.
type upCollector struct{ p *Proxy }

var upDesc = prometheus.NewDesc("agora_gateway_upstream_up",
	"1 while an upstream instance is ready and its breaker closed.", []string{"pool", "instance"}, nil)

func (c upCollector) Describe(ch chan<- *prometheus.Desc) { ch <- upDesc }

func (c upCollector) Collect(ch chan<- prometheus.Metric) {
	for _, pool := range c.p.pools {
		for _, in := range pool.Instances() {
			v := 0.0
			if in.usable() {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, v, pool.Name, in.URL.Host)
		}
	}
}

// Load fetches the OpenAPI document of every pool, routes each of its
// operations to that pool (the first pool to declare an operation serves
// it) and merges the documents into the proxy's own.
func (p *Proxy) Load(ctx context.Context) error {
	merged := map[string]any{}
	paths := map[string]any{}
	schemas := map[string]any{}
	mux := http.NewServeMux()
	routed := map[string]bool{}
	for _, pool := range p.pools {
		doc, err := p.fetchSpec(ctx, pool)
		if err != nil {
			return err
		}
		if len(merged) == 0 {
			for k, v := range doc {
				merged[k] = v
			}
		}
		ps, _ := doc["paths"].(map[string]any)
		names := make([]string, 0, len(ps))
		for path := range ps {
			names = append(names, path)
		}
		sort.Strings(names)
		for _, path := range names {
			ops, _ := ps[path].(map[string]any)
			kept, _ := paths[path].(map[string]any)
			if kept == nil {
				kept = map[string]any{}
			}
			for method, op := range ops {
				m := strings.ToUpper(method)
				if !slices.Contains([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}, m) {
					continue
				}
				pattern := m + " " + path
				if routed[pattern] {
					continue
				}
				routed[pattern] = true
				kept[method] = op
				mux.Handle(pattern, p.forward(pool))
			}
			paths[path] = kept
		}
		if comps, ok := doc["components"].(map[string]any); ok {
			if s, ok := comps["schemas"].(map[string]any); ok {
				for name, schema := range s {
					if _, dup := schemas[name]; !dup {
						schemas[name] = schema
					}
				}
			}
		}
	}
	merged["paths"] = paths
	comps, _ := merged["components"].(map[string]any)
	if comps == nil {
		comps = map[string]any{}
	}
	comps = maps.Clone(comps)
	comps["schemas"] = schemas
	merged["components"] = comps
	spec, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	mux.HandleFunc("/", httpx.NoRoute(mux))
	p.mux, p.spec = mux, spec
	return nil
}

func (p *Proxy) fetchSpec(ctx context.Context, pool *Pool) (map[string]any, error) {
	in := pool.pick(nil)
	if in == nil {
		return nil, fmt.Errorf("gateway: upstream %s has no ready instance to read its OpenAPI document from", pool.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.URL.JoinPath("/openapi.json").String(), nil)
	if err != nil {
		return nil, err
	}
	res, err := p.transport.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("gateway: upstream %s: %w", pool.Name, err)
	}
	defer res.Body.Close()
	var doc map[string]any
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("gateway: upstream %s answered %d for /openapi.json", pool.Name, res.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("gateway: upstream %s: OpenAPI document: %w", pool.Name, err)
	}
	return doc, nil
}

// Handler routes requests to the pools; valid after Load.
func (p *Proxy) Handler() http.Handler { return p.mux }

// Spec is the merged OpenAPI document; valid after Load.
func (p *Proxy) Spec() []byte { return p.spec }

// Ready reports the pools with no ready instance.
func (p *Proxy) Ready() []string {
	var down []string
	for _, pool := range p.pools {
		if !pool.Ready() {
			down = append(down, pool.Name)
		}
	}
	return down
}

// idempotent reports whether r may be sent again after a failure: a read,
// or a write that carries an idempotency key (the upstream answers a
// repeat with the first answer).
func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return r.Header.Get("Idempotency-Key") != ""
}

var errNoInstance = errors.New("no ready instance")

// bufferPool reuses ReverseProxy's copy buffers (it makes a 32 KiB one per
// request otherwise).
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte  { return *b.p.Get().(*[]byte) }
func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }

var copyBuffers = &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}

func (p *Proxy) forward(pool *Pool) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
		},
		Transport:     &retrying{pool: pool, base: p.transport, p: p},
		BufferPool:    copyBuffers,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			switch {
			case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
				httpx.WriteProblem(w, r, r.Context().Err())
			case errors.Is(err, errNoInstance):
				w.Header().Set("Retry-After", "2")
				httpx.WriteProblem(w, r, errs.E(errs.Unavailable, "upstream_unavailable", "the %s service has no ready instance; try again shortly", pool.Name))
			default:
				p.log.Warn("upstream request failed", "pool", pool.Name, "err", err)
				w.Header().Set("Retry-After", "1")
				httpx.WriteProblem(w, r, errs.E(errs.Unavailable, "upstream_failed", "the %s service did not answer; try again shortly", pool.Name))
			}
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if idempotent(r) && r.Body != nil && r.Body != http.NoBody && r.GetBody == nil {
			// Keep the body so that a retry can send it again.
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.maxBody))
			if err != nil {
				httpx.WriteProblem(w, r, errs.E(errs.TooLarge, "body_too_large", "the request body is larger than %d bytes", p.maxBody))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		rp.ServeHTTP(w, r)
	})
}

// retrying sends a request to an instance of its pool, and an idempotent
// one again to another instance when the first could not be reached.
type retrying struct {
	pool *Pool
	base http.RoundTripper
	p    *Proxy
}

// errUpstream marks an answer that counts as a failure of the instance.
var errUpstream = errors.New("upstream failure")

func (t *retrying) RoundTrip(r *http.Request) (*http.Response, error) {
	var tried []*Instance
	for attempt := 0; ; attempt++ {
		in := t.pool.pick(tried)
		if in == nil {
			if attempt > 0 {
				return nil, fmt.Errorf("%w after %d attempts", errNoInstance, attempt)
			}
			return nil, errNoInstance
		}
		tried = append(tried, in)
		done, err := in.breaker.Allow()
		if err != nil {
			continue // opened since pick
		}
		out := r
		if attempt > 0 {
			out = r.Clone(r.Context())
			if r.GetBody != nil {
				body, err := r.GetBody()
				if err != nil {
					done(nil)
					return nil, err
				}
				out.Body = body
			}
		}
		out.URL.Scheme, out.URL.Host = in.URL.Scheme, in.URL.Host
		in.inflight.Add(1)
		res, err := t.base.RoundTrip(out)
		in.inflight.Add(-1)
		if err != nil {
			done(err)
			t.p.requests.WithLabelValues(t.pool.Name, in.URL.Host, "error").Inc()
			if r.Context().Err() != nil || !idempotent(r) || attempt >= 2 {
				return nil, err
			}
			t.p.retries.WithLabelValues(t.pool.Name).Inc()
			continue
		}
		t.p.requests.WithLabelValues(t.pool.Name, in.URL.Host, strconv.Itoa(res.StatusCode/100)+"xx").Inc()
		if res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusGatewayTimeout {
			done(errUpstream)
		} else {
			done(nil)
		}
		return res, nil
	}
}

// Pattern returns the route pattern that serves r ("/" when none does).
func (p *Proxy) Pattern(r *http.Request) string {
	_, pattern := p.mux.Handler(r)
	return pattern
}
