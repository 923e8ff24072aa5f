package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// PoolConfig tunes how a pool watches and uses its upstream instances.
type PoolConfig struct {
	// HealthInterval is how often each instance's /readyz is checked, and
	// DNS names resolved again.
	HealthInterval time.Duration
	// HealthTimeout bounds one check.
	HealthTimeout time.Duration
	// BreakerFailures is how many failures in a row (connection errors,
	// 502, 503, 504) open an instance's breaker; BreakerOpen is how long
	// it stays open before one request tries the instance again.
	BreakerFailures uint32
	BreakerOpen     time.Duration
}

// DefaultPoolConfig returns the defaults.
func DefaultPoolConfig() PoolConfig {
	return PoolConfig{HealthInterval: 2 * time.Second, HealthTimeout: time.Second, BreakerFailures: 5, BreakerOpen: 5 * time.Second}
}

// Instance is one upstream process of a pool.
type Instance struct {
	URL      *url.URL
	healthy  atomic.Bool
	inflight atomic.Int64
	breaker  *gobreaker.TwoStepCircuitBreaker[struct{}]
}

// Healthy reports whether the instance's last readiness check passed.
func (in *Instance) Healthy() bool { return in.healthy.Load() }

// usable reports whether requests may go to the instance now.
func (in *Instance) usable() bool {
	return in.healthy.Load() && in.breaker.State() != gobreaker.StateOpen
}

// Pool is the instances of one upstream service (a module, or several
// modules served together), found from static addresses or DNS names that
// resolve to several addresses, health-checked, and balanced by fewest
// requests in flight.
type Pool struct {
	Name    string
	targets []*url.URL
	cfg     PoolConfig
	client  *http.Client
	resolve func(ctx context.Context, host string) ([]string, error)

	mu        sync.RWMutex
	instances []*Instance
	next      atomic.Uint64
}

// NewPool returns the pool named name over targets ("http://10.0.0.5:8080",
// or "http://inventory:8080" whose name may resolve to several addresses).
func NewPool(name string, targets []string, cfg PoolConfig) (*Pool, error) {
	def := DefaultPoolConfig()
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = def.HealthInterval
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = def.HealthTimeout
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = def.BreakerFailures
	}
	if cfg.BreakerOpen <= 0 {
		cfg.BreakerOpen = def.BreakerOpen
	}
	p := &Pool{Name: name, cfg: cfg, client: &http.Client{Timeout: cfg.HealthTimeout}, resolve: net.DefaultResolver.LookupHost}
	if len(targets) == 0 {
		return nil, fmt.Errorf("gateway: upstream %s has no address", name)
	}
	for _, t := range targets {
		u, err := url.Parse(strings.TrimSpace(t))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("gateway: upstream %s: %q is not an http:// or https:// address", name, t)
		}
		p.targets = append(p.targets, u)
	}
	return p, nil
}

// Instances returns the pool's current instances.
func (p *Pool) Instances() []*Instance {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.instances)
}

// Refresh resolves the targets again, keeping the instances (and their
// state) whose address did not change, then checks every instance's
// readiness.
func (p *Pool) Refresh(ctx context.Context) {
	var urls []*url.URL
	for _, t := range p.targets {
		host, port := t.Hostname(), t.Port()
		if net.ParseIP(host) != nil {
			urls = append(urls, t)
			continue
		}
		addrs, err := p.resolve(ctx, host)
		if err != nil || len(addrs) == 0 {
			continue // keep what the name resolved to last time below
		}
		slices.Sort(addrs)
		for _, a := range addrs {
			u := *t
			u.Host = net.JoinHostPort(a, port)
			if port == "" {
				u.Host = a
				if strings.Contains(a, ":") {
					u.Host = "[" + a + "]"
				}
			}
			urls = append(urls, &u)
		}
	}
	p.mu.Lock()
	old := map[string]*Instance{}
	for _, in := range p.instances {
		old[in.URL.String()] = in
	}
	var next []*Instance
	for _, u := range urls {
		if in, ok := old[u.String()]; ok {
			next = append(next, in)
			continue
		}
		next = append(next, p.newInstance(u))
	}
	if len(urls) == 0 {
		next = p.instances // DNS failed: keep the last known instances
	}
	p.instances = next
	p.mu.Unlock()

	var wg sync.WaitGroup
	for _, in := range next {
		wg.Go(func() { in.healthy.Store(p.check(ctx, in)) })
	}
	wg.Wait()
}

func (p *Pool) newInstance(u *url.URL) *Instance {
	in := &Instance{URL: u}
	in.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        p.Name + " " + u.Host,
		Timeout:     p.cfg.BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= p.cfg.BreakerFailures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	return in
}

// check reports whether the instance answers /readyz with 200.
func (p *Pool) check(ctx context.Context, in *Instance) bool {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.HealthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.URL.JoinPath("/readyz").String(), nil)
	if err != nil {
		return false
	}
	res, err := p.client.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// Watch refreshes the pool every HealthInterval until ctx ends.
func (p *Pool) Watch(ctx context.Context) {
	t := time.NewTicker(p.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.Refresh(ctx)
		}
	}
}

// pick returns the usable instance with the fewest requests in flight,
// skipping those in tried; ties go round-robin. It returns nil when none
// is usable.
func (p *Pool) pick(tried []*Instance) *Instance {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n := len(p.instances)
	if n == 0 {
		return nil
	}
	start := int(p.next.Add(1) % uint64(n))
	var best *Instance
	for i := range n {
		in := p.instances[(start+i)%n]
		if !in.usable() || slices.Contains(tried, in) {
			continue
		}
		if best == nil || in.inflight.Load() < best.inflight.Load() {
			best = in
		}
	}
	return best
}

// Ready reports whether the pool has a usable instance.
func (p *Pool) Ready() bool { return p.pick(nil) != nil }
