package httpx

import (
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
