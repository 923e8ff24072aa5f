package httpx

import (
	"context"
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
