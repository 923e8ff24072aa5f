package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
)

func TestWriteProblemRetryAfter(t *testing.T) {
	e := errs.E(errs.RateLimited, "rate_limited", "slow down")
	e.RetryAfter = 1500 * time.Millisecond
	rec := httptest.NewRecorder()
	WriteProblem(rec, httptest.NewRequest(http.MethodGet, "/", nil), e)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	WriteProblem(rec, httptest.NewRequest(http.MethodGet, "/", nil), errs.E(errs.RateLimited, "", "x"))
	if rec.Header().Get("Retry-After") != "" {
		t.Fatal("Retry-After without a wait")
	}
}

// TestProblemOfCancellation: the cancellation of the request's own context
// (the client left) is 499 client_closed_request; another cancellation or
// a deadline is a 503.
func TestProblemOfCancellation(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		err    error
		status int
		code   string
	}{
		{"the client left", gone, context.Canceled, StatusClientClosedRequest, "client_closed_request"},
		{"a store saw the client leave", gone, errs.Wrap(context.Canceled, errs.Unavailable, "", "store"), StatusClientClosedRequest, "client_closed_request"},
		{"canceled inside, client still there", context.Background(), context.Canceled, http.StatusServiceUnavailable, "unavailable"},
		{"a deadline", context.Background(), context.DeadlineExceeded, http.StatusServiceUnavailable, "unavailable"},
		{"a failure after the client left", gone, errors.New("boom"), http.StatusInternalServerError, "internal"},
	} {
		p := ProblemOf(tc.ctx, tc.err)
		if p.Status != tc.status || p.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, p.Status, p.Code, tc.status, tc.code)
		}
	}
}

// TestNoRoute: a path served for other methods is 405 method_not_allowed
// with Allow; a path served for none is 404 not_found; both are problems.
func TestNoRoute(t *testing.T) {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {}
	mux.HandleFunc("GET /things/{id}", ok)
	mux.HandleFunc("PATCH /things/{id}", ok)
	mux.HandleFunc("POST /things", ok)
	mux.HandleFunc("/", NoRoute(mux))
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"DELETE", "/things/t1", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD, PATCH"},
		{"PUT", "/things", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"GET", "/things", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"GET", "/nothing", http.StatusNotFound, "not_found", ""},
		{"DELETE", "/nothing/t1", http.StatusNotFound, "not_found", ""},
		{"GET", "/things/t1", http.StatusOK, "", ""},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		var p Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != tc.status || p.Code != tc.code || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %q Allow %q, want %d %q Allow %q", tc.method, tc.path, rec.Code, p.Code, rec.Header().Get("Allow"), tc.status, tc.code, tc.allow)
		}
		if tc.code != "" && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, rec.Header().Get("Content-Type"))
		}
	}
}
