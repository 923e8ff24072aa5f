package orderhttp_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/order/orderhttp"
	"github.com/agoracommerce/agora/order/ordersql"
	"github.com/agoracommerce/agora/order/ordertest"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func subject(t *testing.T) ordertest.Subject {
	st := ordersql.New(sqldbtest.MustOpenSQLite(t), nil)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	pay, _ := paymenttest.NewFake()
	s := ordertest.NewSubject(st, inventorytest.NewFake(), pay)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	orderhttp.Register(api, s.Service)
	srv := httptest.NewServer(httpx.Base(slog.New(slog.DiscardHandler), mux))
	t.Cleanup(srv.Close)
	s.Order = orderhttp.NewClient(&httpx.Client{BaseURL: srv.URL})
	return s
}

// TestClient runs the contract suites through the HTTP client and handler:
// the same kinds, codes and fields must come back over the wire.
func TestClient(t *testing.T) {
	ordertest.TestService(t, subject)
}

func TestClientRecovery(t *testing.T) {
	ordertest.TestRecovery(t, subject)
}
