// Package httpxtest serves a module's operations in tests and checks real
// answers against the OpenAPI document: every status, problem code and body.
package httpxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/agoracommerce/agora/platform/httpx"
)

// ErrorLog is a slog handler that keeps the records of level Error: the
// server logs every 500 there, and no test input may cause one.
type ErrorLog struct {
	mu   sync.Mutex
	msgs []string
}

// Enabled implements slog.Handler.
func (h *ErrorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

// Handle implements slog.Handler.
func (h *ErrorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.msgs = append(h.msgs, b.String())
	h.mu.Unlock()
	return nil
}

// WithAttrs implements slog.Handler.
func (h *ErrorLog) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup implements slog.Handler.
func (h *ErrorLog) WithGroup(string) slog.Handler { return h }

// Messages returns the error records kept so far.
func (h *ErrorLog) Messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

// Handler returns the operations register adds behind httpx.Base (the
// middleware every request passes), and the API for its document; tb
// fails at its end if the handler logged an error.
func Handler(tb testing.TB, register func(huma.API)) (http.Handler, huma.API) {
	tb.Helper()
	logs := &ErrorLog{}
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	register(api)
	tb.Cleanup(func() {
		for _, m := range logs.Messages() {
			tb.Errorf("the server logged an error: %s", m)
		}
	})
	return httpx.Base(slog.New(logs), mux), api
}

// Serve serves Handler on a local port until tb ends.
func Serve(tb testing.TB, register func(huma.API)) (*httptest.Server, huma.API) {
	tb.Helper()
	h, api := Handler(tb, register)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv, api
}

// Document loads and validates api's OpenAPI document, and returns it
// with a router for requests to srv.
func Document(tb testing.TB, api huma.API, srv *httptest.Server) (*openapi3.T, routers.Router) {
	tb.Helper()
	spec, err := json.Marshal(api.OpenAPI())
	if err != nil {
		tb.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		tb.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		tb.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return doc, router
}

// Case is one request and the answer it must get: a status and, for a
// problem, its code ("" accepts any code).
type Case struct {
	Method, Path, Body string
	Status             int
	Code               string
	// Header holds request headers to send.
	Header http.Header
}

// With returns c with the request header key set to value.
func (c Case) With(key, value string) Case {
	c.Header = c.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(key, value)
	return c
}

// Run sends each case in order to srv and checks its status, that every
// error is problem+json with the expected code, and that the answer
// matches the document (undocumented statuses fail).
func Run(t *testing.T, srv *httptest.Server, router routers.Router, cases []Case) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Method+" "+tt.Path+" "+tt.Body, func(t *testing.T) {
			var body io.Reader
			if tt.Body != "" {
				body = strings.NewReader(tt.Body)
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.Method, srv.URL+tt.Path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.Body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.Header {
				req.Header[k] = v
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no route in the document: %v", err)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.Status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.Status, data)
			}
			if res.StatusCode >= 400 {
				var p httpx.Problem
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(data, &p) != nil || p.Code == "" || (tt.Code != "" && p.Code != tt.Code) {
					t.Errorf("answer %s %s, want problem+json with code %q", ct, data, tt.Code)
				}
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(data)),
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("the answer does not match the document: %v\n%s", err, data)
			}
		})
	}
}

// C builds a Case: a request and the status and problem code it must get.
func C(method, path, body string, status int, code string) Case {
	return Case{Method: method, Path: path, Body: body, Status: status, Code: code}
}
