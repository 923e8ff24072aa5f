package obs

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestClientGone: a client that disconnects while its request runs is not a
// server error, whether an operation or a middleware answers the request's
// canceled context: the answer is 499 client_closed_request, logged below
// ERROR and counted as a 4xx.
func TestClientGone(t *testing.T) {
	started := make(chan struct{}, 1)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "test", "1", "")
	huma.Register(api, huma.Operation{OperationID: "slow", Method: http.MethodGet, Path: "/slow"},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			started <- struct{}{}
			<-ctx.Done()
			// What a store answers for a query canceled with its context.
			return nil, errs.Wrap(ctx.Err(), errs.Unavailable, "", "catalog store")
		})
	mux.HandleFunc("GET /plain", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
		httpx.WriteProblem(w, r, errs.Wrap(r.Context().Err(), errs.Unavailable, "", "idempotency store"))
	})
	var logs lockedBuffer
	m := NewMetrics()
	h := httpx.Base(slog.New(slog.NewTextHandler(&logs, nil)), m.Middleware(mux))
	served := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		served <- struct{}{}
	}))
	t.Cleanup(srv.Close)

	for _, path := range []string{"/slow", "/plain"} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		go func() {
			<-started
			cancel()
		}()
		if resp, err := srv.Client().Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("%s: answered %d, want the client to give up", path, resp.StatusCode)
		}
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the server did not notice the client left", path)
		}
	}

	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a client that left is logged as an error:\n%s", out)
	}
	if n := strings.Count(out, "status=499"); n != 2 {
		t.Errorf("%d access-log lines with status=499, want 2:\n%s", n, out)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "agora_http_requests_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "code" {
					counts[l.GetValue()] += mt.GetCounter().GetValue()
				}
			}
		}
	}
	if counts["5xx"] != 0 || counts["4xx"] != 2 {
		t.Errorf("requests by status class %v, want 2 4xx and no 5xx", counts)
	}
}

// TestRoutePattern: a request is counted and logged under the pattern the
// mux matched, even when middlewares between Middleware and the mux pass
// the mux a copy of the request; a path no route matches is "unmatched".
func TestRoutePattern(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /store/products/{handle}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/", http.NotFound)
	copying := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), struct{}{}, 1)))
		})
	}
	var logs lockedBuffer
	m := NewMetrics()
	h := httpx.Base(slog.New(slog.NewTextHandler(&logs, nil)), m.Middleware(copying(Route(mux))))
	for _, path := range []string{"/store/products/oak-chair", "/store/products/walnut-table", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "agora_http_requests_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "route" {
					routes[l.GetValue()] += mt.GetCounter().GetValue()
				}
			}
		}
	}
	if routes["GET /store/products/{handle}"] != 2 || routes["unmatched"] != 1 || len(routes) != 2 {
		t.Errorf("requests by route %v, want 2 of GET /store/products/{handle} and 1 unmatched", routes)
	}
	if n := strings.Count(logs.String(), `route="GET /store/products/{handle}"`); n != 2 {
		t.Errorf("%d access-log lines with the route, want 2:\n%s", n, logs.String())
	}
}
