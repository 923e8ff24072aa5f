package customerhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customerhttp"
	"github.com/agoracommerce/agora/customer/customertest"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
)

// serve serves the module's operations behind the store middleware, as the
// app does.
func serve(t *testing.T) (*httptest.Server, huma.API, *customertest.Mailbox) {
	svc, mail, _ := customertest.MustService(t)
	h, api := httpxtest.Handler(t, func(api huma.API) { customerhttp.Register(api, svc) })
	authn := func(ctx context.Context, token string) (auth.Shopper, error) {
		id, err := svc.Authenticate(ctx, token)
		return auth.Shopper{CustomerID: id.CustomerID, SessionID: id.SessionID}, err
	}
	srv := httptest.NewServer(auth.StoreMiddleware(customer.SessionPrefix, authn, h))
	t.Cleanup(srv.Close)
	return srv, api, mail
}

// TestClientContract runs the contract suite through the client and the
// handlers: errors come back with the kinds and codes they have in process.
func TestClientContract(t *testing.T) {
	customertest.TestService(t, func(t *testing.T) customertest.Harness {
		srv, _, mail := serve(t)
		return customertest.Harness{Service: customerhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()}), Mail: mail}
	})
}

// TestRequests sends real requests, good and bad, and checks every answer
// against the OpenAPI document.
func TestRequests(t *testing.T) {
	srv, api, _ := serve(t)
	_, router := httpxtest.Document(t, api, srv)
	const pw = `"password":"correct horse battery"`
	httpxtest.Run(t, srv, router, []httpxtest.Case{
		httpxtest.C(http.MethodPost, "/store/customers", `{"email":"ada@example.com",`+pw+`}`, 201, ""),
		httpxtest.C(http.MethodPost, "/store/customers", `{"email":"ADA@example.com",`+pw+`}`, 409, customer.CodeEmailTaken),
		httpxtest.C(http.MethodPost, "/store/customers", `{"email":"b@example.com","password":"short"}`, 400, "validation_failed"),
		httpxtest.C(http.MethodPost, "/store/customers", `{"email":"b@example.com",`+pw+`,"groups":["vip"]}`, 400, ""),
		httpxtest.C(http.MethodPost, "/store/customers", `{"email":`, 400, ""),
		httpxtest.C(http.MethodPost, "/store/sessions", `{"email":"ada@example.com",`+pw+`}`, 201, ""),
		httpxtest.C(http.MethodPost, "/store/sessions", `{"email":"ada@example.com","password":"nope nope nope"}`, 401, customer.CodeInvalidCredentials),
		httpxtest.C(http.MethodGet, "/store/customers/me", "", 401, "unauthorized"),
		httpxtest.C(http.MethodDelete, "/store/sessions/current", "", 401, "unauthorized"),
		httpxtest.C(http.MethodPost, "/store/password-resets", `{"email":"nobody@example.com"}`, 202, ""),
		httpxtest.C(http.MethodPost, "/store/password-resets/confirm", `{"token":"cus_reset_x","new_password":"a long new one"}`, 400, customer.CodeInvalidResetToken),
		httpxtest.C(http.MethodGet, "/admin/customers?limit=101", "", 400, ""),
		httpxtest.C(http.MethodGet, "/admin/customers?limit=0", "", 400, "validation_failed"),
		httpxtest.C(http.MethodGet, "/admin/customers/cus_01JAAAAAAAAAAAAAAAAAAAAAAA", "", 404, "not_found"),
		httpxtest.C(http.MethodPost, "/admin/customer-groups", `{"code":"vip","name":"VIP"}`, 201, ""),
		httpxtest.C(http.MethodPost, "/admin/customer-groups", `{"code":"vip"}`, 409, customer.CodeGroupExists),
		httpxtest.C(http.MethodDelete, "/admin/customer-groups/none", "", 404, "not_found"),
		httpxtest.C(http.MethodPost, "/admin/customers/cus_01JAAAAAAAAAAAAAAAAAAAAAAA/erase", "", 404, "not_found"),
	})
}
