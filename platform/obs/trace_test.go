package obs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/obs"
	"github.com/agoracommerce/agora/platform/obs/obstest"
)

// TestTraceContinuesTheCaller: a request that sends traceparent is a server
// span of the caller's trace, named by its route, exported over OTLP/HTTP.
func TestTraceContinuesTheCaller(t *testing.T) {
	col := obstest.NewCollector(t)
	cfg := obs.TraceConfig{Endpoint: col.URL, Service: "agora-test", Version: "v0"}
	stop, err := obs.StartTracing(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(obs.Trace(cfg, obs.Route(mux)))
	defer srv.Close()

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequest("GET", srv.URL+"/items/42", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := col.Wait(t, 5*time.Second, func(s []obstest.Span) bool { return len(s) > 0 })
	s := spans[0]
	if s.TraceID != traceID || s.ParentID != parentID || s.Kind != "server" {
		t.Errorf("span %+v: want trace %s, parent %s, kind server", s, traceID, parentID)
	}
	if s.Name != "GET /items/{id}" || s.Attributes["http.route"] != "/items/{id}" || s.Service != "agora-test" {
		t.Errorf("span %+v: want the route's name and http.route, service agora-test", s)
	}
}

// TestTraceOff: without an endpoint the handler is not wrapped at all.
func TestTraceOff(t *testing.T) {
	h := http.NewServeMux()
	if got := obs.Trace(obs.TraceConfig{}, h); got != http.Handler(h) {
		t.Fatalf("Trace without an endpoint wrapped the handler: %T", got)
	}
}
