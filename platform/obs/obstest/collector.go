// Package obstest is the test kit of observability: an OpenTelemetry
// collector that keeps the spans it receives over OTLP/HTTP.
package obstest

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span is a span as the collector received it.
type Span struct {
	Service         string
	TraceID, SpanID string
	ParentID        string // "" for a root span
	Name            string
	Kind            string // "server", "client", "consumer", …
	Attributes      map[string]string
}

// Collector receives spans on POST /v1/traces (OTLP/HTTP, protobuf).
type Collector struct {
	// URL is the endpoint to give an exporter.
	URL string

	mu    sync.Mutex
	spans []Span
}

// NewCollector starts a collector for tb, stopped when tb ends.
func NewCollector(tb testing.TB) *Collector {
	c := &Collector{}
	srv := httptest.NewServer(http.HandlerFunc(c.serve))
	tb.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

var kinds = map[int32]string{1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := Span{Service: service, TraceID: hex.EncodeToString(s.TraceId), SpanID: hex.EncodeToString(s.SpanId),
					Name: s.Name, Kind: kinds[int32(s.Kind)], Attributes: map[string]string{}}
				if len(s.ParentSpanId) > 0 {
					sp.ParentID = hex.EncodeToString(s.ParentSpanId)
				}
				for _, kv := range s.Attributes {
					sp.Attributes[kv.Key] = kv.GetValue().GetStringValue()
				}
				c.spans = append(c.spans, sp)
			}
		}
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// Spans returns the spans received so far.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Wait returns the spans once ok holds for them, or fails tb after timeout.
func (c *Collector) Wait(tb testing.TB, timeout time.Duration, ok func([]Span) bool) []Span {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		spans := c.Spans()
		if ok(spans) {
			return spans
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the collector did not receive the expected spans in %s; it has %d:\n%v", timeout, len(spans), spans)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
