package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/agoracommerce/agora/platform/errs"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// Logger returns the request-scoped logger of ctx (with the request id), or
// slog.Default when ctx has none.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// WithLogger returns ctx carrying log as its request-scoped logger.
func WithLogger(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey, log)
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Base wraps next with what every request needs first: a request id (taken
// from X-Request-Id when well-formed, else made), a request-scoped logger
// (with the trace id when the request is traced),
// security headers, and recovery from panics into a 500 problem that shows
// no internals.
func Base(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := r.Header.Get(RequestIDHeader)
		if !validRequestID.MatchString(rid) {
			rid = newRequestID()
		}
		h := w.Header()
		h.Set(RequestIDHeader, rid)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		ctx := context.WithValue(r.Context(), requestIDKey, rid)
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			ctx = WithLogger(ctx, log.With("request_id", rid, "trace_id", sc.TraceID().String()))
		} else {
			ctx = WithLogger(ctx, log.With("request_id", rid))
		}
		r = r.WithContext(ctx)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				WriteProblem(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// NotFound answers any request no route matched with a 404 problem.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteProblem(w, r, errs.E(errs.NotFound, "not_found", "no such endpoint: %s %s", r.Method, r.URL.Path))
}

// methods are the methods NoRoute looks for, in the order Allow lists them.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// NoRoute answers the requests no route of mux serves; it is registered as
// mux's catch-all "/" pattern. A catch-all matches every method, so mux
// never answers 405 by itself: NoRoute answers 405 method_not_allowed with
// an Allow header when mux serves the path for other methods, and 404
// not_found otherwise, both as problems.
func NoRoute(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range methods {
			probe := *r
			probe.Method = m
			_, pattern := mux.Handler(&probe)
			if m == http.MethodHead {
				m = http.MethodGet // a GET pattern serves HEAD too
			}
			if strings.HasPrefix(pattern, m+" ") {
				allow = append(allow, probe.Method)
			}
		}
		if len(allow) == 0 {
			NotFound(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		const code = "method_not_allowed"
		writeJSON(w, http.StatusMethodNotAllowed, "application/problem+json", &Problem{
			Type: ProblemBase + code, Title: http.StatusText(http.StatusMethodNotAllowed), Status: http.StatusMethodNotAllowed,
			Detail: fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")),
			Code:   code, RequestID: RequestID(r.Context()),
		})
	}
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
