package svcauth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// InternalPrefix starts the paths of the internal API: a service serves
// its routes under it to other services, behind Middleware instead of the
// public edge.
const InternalPrefix = "/internal"

// BreakerOpen is how long calls to a service that keeps failing are
// refused at once before one is tried again.
const BreakerOpen = 5 * time.Second

// Client returns the client through which service from calls service to
// at baseURL (its internal API): every request signed for to, carrying the
// trace context; a read that cannot connect is sent once more; after five
// failures in a row (no connection, 502, 503, 504) calls are refused at
// once for BreakerOpen as Unavailable dependency_unavailable with
// RetryAfter, instead of each waiting on a dead service.
func (k *Keys) Client(from, to, baseURL string) *httpx.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 64
	signed := &Transport{Keys: k, From: from, To: to, Base: base}
	br := &breaker{to: to, next: signed, cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name: to, Timeout: BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
	})}
	return &httpx.Client{
		BaseURL: strings.TrimRight(baseURL, "/") + InternalPrefix,
		HTTP:    &http.Client{Transport: otelhttp.NewTransport(br)},
	}
}

type breaker struct {
	to   string
	next http.RoundTripper
	cb   *gobreaker.TwoStepCircuitBreaker[struct{}]
}

var errFailed = errors.New("upstream failure")

func (b *breaker) RoundTrip(r *http.Request) (*http.Response, error) {
	done, err := b.cb.Allow()
	if err != nil {
		e := errs.E(errs.Unavailable, "dependency_unavailable", "the %s service is unavailable; try again shortly", b.to)
		e.RetryAfter = BreakerOpen
		return nil, e
	}
	res, err := b.next.RoundTrip(r)
	if err != nil && r.Context().Err() == nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		res, err = b.next.RoundTrip(r) // a read is safe to send again
	}
	switch {
	case err != nil && r.Context().Err() != nil:
		done(nil) // the caller gave up; that says nothing of the service
	case err != nil:
		done(err)
	case res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusGatewayTimeout:
		done(errFailed)
	default:
		done(nil)
	}
	return res, err
}
