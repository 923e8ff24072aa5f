package app

import (
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/obs/obstest"
)

// TestTraceFollowsEvents: with an OTLP endpoint, an admin write is a server
// span named by its route, and the consumers of the event it emits continue
// its trace, through the outbox and the bus.
func TestTraceFollowsEvents(t *testing.T) {
	col := obstest.NewCollector(t)
	cfg := backends(t)["embedded"](t)
	cfg.OTLPEndpoint = col.URL
	_, srv := startApp(t, cfg)
	const traceID = "0af7651916cd43dd8448eb211c80319c"
	a := call(t, srv, "POST", "/admin/products", `{"title":"Traced lamp","status":"published"}`,
		"Authorization", "Bearer "+testKey, "traceparent", "00-"+traceID+"-b7ad6b7169203331-01")
	if a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	// Spans are exported in batches (every 5 s by default).
	spans := col.Wait(t, 20*time.Second, func(spans []obstest.Span) bool {
		var server, consumer bool
		for _, s := range spans {
			server = server || (s.TraceID == traceID && s.Name == "POST /admin/products" && s.Kind == "server")
			consumer = consumer || (s.TraceID == traceID && s.Name == "consume product.created" && s.Kind == "consumer")
		}
		return server && consumer
	})
	for _, s := range spans {
		if s.TraceID == traceID && s.Kind == "consumer" && (s.ParentID == "" || s.Attributes["messaging.system"] != "nats") {
			t.Errorf("consumer span %+v: want a parent in the request's trace and messaging.system nats", s)
		}
	}
}
