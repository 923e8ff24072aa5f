package paymenthttp_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymenthttp"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/httpx"
)

// TestClient runs the contract suite through the HTTP client and handler.
func TestClient(t *testing.T) {
	paymenttest.TestService(t, func(t *testing.T) payment.Service {
		svc := paymenttest.MustService(t)
		mux := http.NewServeMux()
		api := httpx.NewAPI(mux, "Agora", "test", "")
		paymenthttp.Register(api, svc)
		srv := httptest.NewServer(httpx.Base(slog.New(slog.DiscardHandler), mux))
		t.Cleanup(srv.Close)
		return paymenthttp.NewClient(&httpx.Client{BaseURL: srv.URL})
	})
}
