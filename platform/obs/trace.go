package obs

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TraceConfig configures tracing with OpenTelemetry.
type TraceConfig struct {
	// Endpoint is the OTLP/HTTP endpoint spans are exported to, such as
	// "http://127.0.0.1:4318"; tracing is off when it is empty.
	Endpoint string
	// Service and Version name this process in its spans (service.name,
	// service.version).
	Service, Version string
	// SampleRatio is the share of new traces recorded (1 when 0); a trace
	// started by a caller follows the caller's decision.
	SampleRatio float64
}

// StartTracing installs the process's tracer provider, exporting over
// OTLP/HTTP, and the W3C trace context propagator (traceparent). With no
// endpoint it does nothing: tracing is off, and so is propagation. The
// returned shutdown exports the spans still buffered.
func StartTracing(ctx context.Context, cfg TraceConfig) (shutdown func(context.Context) error, err error) {
	if cfg.Endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	opts := []otlptracehttp.Option{}
	if strings.Contains(cfg.Endpoint, "://") {
		opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimRight(cfg.Endpoint, "/")+"/v1/traces"))
	} else {
		opts = append(opts, otlptracehttp.WithEndpoint(cfg.Endpoint), otlptracehttp.WithInsecure())
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, errors.New("tracing: " + err.Error())
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", cfg.Service), attribute.String("service.version", cfg.Version)))
	if err != nil {
		res = resource.Default()
	}
	ratio := cfg.SampleRatio
	if ratio <= 0 || ratio > 1 {
		ratio = 1
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

// Trace wraps next so that every request is a server span, continuing the
// caller's trace when it sends traceparent. The span is named by the route
// the mux matched (Route sets it) and carries http.route. Without tracing
// (see StartTracing) it returns next as it is, at no cost.
func Trace(cfg TraceConfig, next http.Handler) http.Handler {
	if cfg.Endpoint == "" {
		return next
	}
	return otelhttp.NewHandler(next, "http.request")
}

// nameSpan names the request's span by its route pattern, once the mux
// matched one.
func nameSpan(r *http.Request) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() || r.Pattern == "" || r.Pattern == "/" {
		return
	}
	_, route, found := strings.Cut(r.Pattern, " ")
	if !found {
		route = r.Pattern // a pattern without a method
	}
	span.SetName(r.Method + " " + route)
	span.SetAttributes(attribute.String("http.route", route))
}
