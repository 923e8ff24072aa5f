package event

import (
	"bytes"
	"context"

	"go.opentelemetry.io/otel/propagation"
)

// TraceParent returns the W3C traceparent of the span in ctx, or "" when
// ctx carries none.
func TraceParent(ctx context.Context) string {
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c["traceparent"]
}

// WithTraceParent returns ctx continuing the trace of traceparent (a
// remote parent), or ctx itself when traceparent is empty or malformed.
func WithTraceParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}

var (
	traceKey = []byte(`,"traceparent":"`)
	dataKey  = []byte(`,"data":`)
)

// TraceParentOf returns the traceparent of an envelope written by
// AppendJSON without decoding it: AppendJSON writes it before the data, and
// no string before the data holds an unescaped quote.
func TraceParentOf(envelope []byte) string {
	head := envelope
	if i := bytes.Index(envelope, dataKey); i >= 0 {
		head = envelope[:i]
	}
	i := bytes.Index(head, traceKey)
	if i < 0 {
		return ""
	}
	rest := head[i+len(traceKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
