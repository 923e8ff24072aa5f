package orderhttp_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/orderhttp"
	"github.com/agoracommerce/agora/order/ordertest"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
)

func local(t *testing.T) ordertest.Subject {
	st := ordertest.MustStore(t) // inventory and payment share its database
	return ordertest.NewSubject(st, inventorytest.MustServiceOn(t, st.DB), paymenttest.MustServiceOn(t, st.DB))
}

// subject is a subject on SQLite whose Order is the HTTP client of its
// service, served behind the platform middleware. The suites provoke
// outages (503), which the server logs; they are not checked here.
func subject(t *testing.T) ordertest.Subject {
	s := local(t)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	orderhttp.Register(api, s.Service)
	srv := httptest.NewServer(httpx.Base(slog.New(slog.DiscardHandler), mux))
	t.Cleanup(srv.Close)
	s.Order = orderhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
	return s
}

// serve is subject behind httpxtest.Serve: any error the server logs (a
// 500) fails the test.
func serve(t *testing.T) (ordertest.Subject, *httptest.Server, huma.API) {
	s := local(t)
	srv, api := httpxtest.Serve(t, func(api huma.API) { orderhttp.Register(api, s.Service) })
	s.Order = orderhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
	return s, srv, api
}

// TestClient runs the contract suites through the HTTP client and handler:
// the same kinds, codes and fields must come back over the wire.
func TestClient(t *testing.T) {
	ordertest.TestService(t, subject)
}

func TestClientRecovery(t *testing.T) {
	ordertest.TestRecovery(t, subject)
}

func TestClientCancelRecovery(t *testing.T) {
	ordertest.TestCancelRecovery(t, subject)
}

func TestClientFulfillConcurrency(t *testing.T) {
	ordertest.TestFulfillConcurrency(t, subject)
}

// TestRequests sends real requests, good and bad, and checks every answer
// (status, problem code, body) against the OpenAPI document.
func TestRequests(t *testing.T) {
	s, srv, api := serve(t)
	doc, router := httpxtest.Document(t, api, srv)
	for _, op := range []string{"/admin/orders", "/admin/orders/{id}", "/admin/orders/{id}/capture", "/admin/orders/{id}/cancel",
		"/admin/orders/{id}/refunds", "/admin/orders/{id}/fulfillments", "/admin/orders/checkouts/recover"} {
		item := doc.Paths.Find(op)
		if item == nil {
			t.Fatalf("%s is not in the document", op)
		}
		for m, o := range item.Operations() {
			if o.Summary == "" || o.Description == "" || len(o.Tags) != 1 || o.Security == nil {
				t.Errorf("%s %s lacks a summary, description, tag or security", m, op)
			}
		}
	}
	k := ordertest.MustStock(t, s, 50)
	placed := ordertest.MustCheckout(t, s, ordertest.Checkout(s.Carts.Add(ordertest.Line{SKU: k, Quantity: 3, Unit: 1000}, ordertest.Line{SKU: ordertest.MustStock(t, s, 5), Quantity: 1, Unit: 250}), "", "tok_visa"))
	o := placed.Order
	l1 := o.Items[0].ID
	other := ordertest.MustCheckout(t, s, ordertest.Checkout(s.Carts.Add(ordertest.Line{SKU: k, Quantity: 1, Unit: 1000}), "", "tok_visa")).Order
	noBody := ordertest.MustPaidOrder(t, s, ordertest.Line{SKU: k, Quantity: 2, Unit: 100})
	noItems := ordertest.MustPaidOrder(t, s, ordertest.Line{SKU: k, Quantity: 2, Unit: 100})
	base := "/admin/orders/" + o.ID
	ful := base + "/fulfillments"
	item := func(id, qty string) string { return `{"items":[{"item_id":"` + id + `","quantity":` + qty + `}]}` }
	tests := []httpxtest.Case{
		httpxtest.C("GET", "/admin/orders", "", 200, ""),
		httpxtest.C("GET", "/admin/orders?status=fulfilled&limit=5", "", 200, ""),
		httpxtest.C("GET", "/admin/orders?status=partially_fulfilled", "", 200, ""),
		httpxtest.C("GET", "/admin/orders?status=lost", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/orders?limit=1000", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/orders?limit=0", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/orders?cursor=zzz", "", 400, "validation_failed"),
		httpxtest.C("GET", base, "", 200, ""),
		httpxtest.C("GET", "/admin/orders/ord_01J0000000000000000000000Z", "", 404, "not_found"),
		httpxtest.C("GET", "/admin/orders/nonsense", "", 404, "not_found"),
		httpxtest.C("GET", "/store/orders/"+o.ID+"?access_token="+placed.AccessToken, "", 200, ""),
		httpxtest.C("GET", "/store/orders/"+o.ID+"?access_token=oat_wrong", "", 404, "not_found"),
		// Fulfillments need a captured payment.
		httpxtest.C("POST", ful, `{}`, 409, order.CodeState),
		httpxtest.C("POST", base+"/capture", "", 200, ""),
		httpxtest.C("POST", ful, `{"items":[{"item_id":"`+l1+`","quantity":1}],"tracking_number":"1Z999AA1","carrier":"UPS"}`, 201, ""),
		httpxtest.C("POST", ful, item(l1, "3"), 409, order.CodeFulfillmentExceeds),
		httpxtest.C("POST", ful, item("cli_nope", "1"), 400, "validation_failed"),
		httpxtest.C("POST", ful, item(l1, "0"), 400, "validation_failed"),
		httpxtest.C("POST", ful, item(l1, "-1"), 400, "validation_failed"),
		httpxtest.C("POST", ful, item(l1, "1.5"), 400, "validation_failed"),
		httpxtest.C("POST", ful, item(l1, "99999999999999999999"), 400, ""),
		httpxtest.C("POST", ful, item(l1, `"1"`), 400, "validation_failed"),
		httpxtest.C("POST", ful, `{"items":[{"item_id":"`+l1+`","quantity":1},{"item_id":"`+l1+`","quantity":1}]}`, 400, "validation_failed"),
		httpxtest.C("POST", ful, `{"items":[{"quantity":1}]}`, 400, "validation_failed"),
		httpxtest.C("POST", ful, `{"itemz":[]}`, 400, "validation_failed"),
		httpxtest.C("POST", ful, `{"tracking_number":"`+strings.Repeat("x", 201)+`"}`, 400, "validation_failed"),
		httpxtest.C("POST", ful, `{"items":"all"}`, 400, "validation_failed"),
		httpxtest.C("POST", ful, `not json`, 400, ""),
		httpxtest.C("POST", "/admin/orders/ord_01J0000000000000000000000Z/fulfillments", `{}`, 404, "not_found"),
		httpxtest.C("POST", "/admin/orders/nonsense/fulfillments", `{}`, 404, "not_found"),
		httpxtest.C("POST", "/admin/orders/"+noBody.ID+"/fulfillments", "", 201, ""),
		httpxtest.C("POST", "/admin/orders/"+noItems.ID+"/fulfillments", `{"items":[]}`, 201, ""),
		httpxtest.C("POST", ful, `{}`, 201, ""), // everything that remains
		httpxtest.C("POST", ful, `{}`, 409, order.CodeState),
		httpxtest.C("GET", "/admin/orders?status=fulfilled", "", 200, ""),
		httpxtest.C("POST", base+"/cancel", "", 409, order.CodeState),
		httpxtest.C("POST", base+"/refunds", `{"amount":0}`, 400, "validation_failed").With("Idempotency-Key", "r0"),
		httpxtest.C("POST", base+"/refunds", `{"amount":999999}`, 409, order.CodeRefundExceeds).With("Idempotency-Key", "r1"),
		// Money moves only with a key: a network retry never refunds twice.
		httpxtest.C("POST", base+"/refunds", `{"amount":100}`, 400, "validation_failed"),
		httpxtest.C("POST", base+"/refunds", `{"amount":100}`, 200, "").With("Idempotency-Key", "r2"),
		httpxtest.C("POST", base+"/refunds", `{"amount":100}`, 200, "").With("Idempotency-Key", "r2"),
		httpxtest.C("POST", base+"/refunds", `{"amount":101}`, 409, order.CodeKeyConflict).With("Idempotency-Key", "r2"),
		// Cancel an authorized order: done, then unchanged.
		httpxtest.C("POST", "/admin/orders/"+other.ID+"/cancel", "", 200, ""),
		httpxtest.C("POST", "/admin/orders/"+other.ID+"/cancel", "", 200, ""),
		httpxtest.C("POST", "/admin/orders/"+other.ID+"/fulfillments", `{}`, 409, order.CodeState),
		httpxtest.C("POST", "/admin/orders/"+other.ID+"/capture", "", 409, order.CodeState),
		httpxtest.C("POST", "/admin/orders/checkouts/recover?older_than_seconds=0", "", 200, ""),
		httpxtest.C("POST", "/admin/orders/checkouts/recover?older_than_seconds=-1", "", 400, "validation_failed"),
	}
	httpxtest.Run(t, srv, router, tests)
	got, err := s.Order.Get(t.Context(), o.ID)
	if err != nil || got.Status != order.Fulfilled || len(got.Fulfillments) != 2 || got.Fulfillments[0].TrackingNumber != "1Z999AA1" {
		t.Fatalf("after the requests: %+v %v", got, err)
	}
	for _, id := range []string{noBody.ID, noItems.ID} {
		if got, err := s.Order.Get(t.Context(), id); err != nil || got.Status != order.Fulfilled || got.Items[0].Fulfilled != 2 {
			t.Fatalf("fulfilled with no items: %+v %v", got, err)
		}
	}
}

// TestListStatusEnum: a wrong status is refused with the statuses there
// are, and no empty one among them.
func TestListStatusEnum(t *testing.T) {
	_, srv, _ := serve(t)
	res, err := srv.Client().Get(srv.URL + "/admin/orders?status=lost")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != 400 || len(p.Errors) != 1 {
		t.Fatalf("%d %+v %v", res.StatusCode, p, err)
	}
	if msg := p.Errors[0].Message; !strings.Contains(msg, "refunded") || strings.Contains(msg, ", \"") || strings.Contains(msg, `""`) {
		t.Fatalf("message %q", msg)
	}
}
