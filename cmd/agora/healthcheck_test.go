package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	}))
	defer srv.Close()
	h := HealthcheckCmd{URL: srv.URL + "/readyz", Timeout: time.Second}
	if err := h.Run(); err != nil {
		t.Fatalf("ready: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := h.Run(); err == nil {
		t.Fatal("503 passed the check")
	}
	srv.Close()
	if err := h.Run(); err == nil {
		t.Fatal("a closed server passed the check")
	}
}
