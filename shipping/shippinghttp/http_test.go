package shippinghttp_test

import (
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippinghttp"
	"github.com/agoracommerce/agora/shipping/shippingtest"
)

func server(tb testing.TB, svc shipping.Service) (*httptest.Server, huma.API) {
	tb.Helper()
	return httpxtest.Serve(tb, func(api huma.API) { shippinghttp.Register(api, svc) })
}

func client(srv *httptest.Server) shipping.Service {
	return shippinghttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
}

// TestClientContract runs the contract suite through the client and the
// handlers: errors come back with the kinds, codes and fields they have
// in-process.
func TestClientContract(t *testing.T) {
	shippingtest.TestService(t, func(t *testing.T) shipping.Service {
		srv, _ := server(t, shippingtest.MustService(t))
		return client(srv)
	})
}

// TestRequests sends real requests, good and bad, and checks every answer
// (status, problem code, body) against the OpenAPI document.
func TestRequests(t *testing.T) {
	svc := shippingtest.MustService(t)
	srv, api := server(t, svc)
	doc, router := httpxtest.Document(t, api, srv)
	for _, op := range []string{"/admin/shipping/zones", "/admin/shipping/zones/{id}", "/admin/shipping/options", "/admin/shipping/options/{id}", "/store/shipping-options"} {
		item := doc.Paths.Find(op)
		if item == nil {
			t.Fatalf("%s is not in the document", op)
		}
		for m, o := range item.Operations() {
			if o.Summary == "" || o.Description == "" || len(o.Tags) != 1 || (o.Security == nil) != (op == "/store/shipping-options") {
				t.Errorf("%s %s lacks a summary, description, tag or the right security", m, op)
			}
		}
	}
	z := shippingtest.MustCreateZone(t, svc, "EU", "DE", "FR")
	o := shippingtest.MustCreateOption(t, svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Standard", Currency: "EUR", Rate: shipping.Rate{Kind: shipping.FreeOver, Amount: 495, Threshold: 5000}})

	tests := []httpxtest.Case{
		httpxtest.C("POST", "/admin/shipping/zones", `{"name":"North America","countries":["US","CA"]}`, 201, ""),
		httpxtest.C("POST", "/admin/shipping/zones", `{"name":"x","countries":["XX"]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/zones", `{"name":"","countries":["DE"]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/zones", `{"name":"x","countries":"DE"}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/zones", `{"name":"x","planet":"Mars"}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/zones", `[`, 400, ""),
		httpxtest.C("GET", "/admin/shipping/zones?country=DE", "", 200, ""),
		httpxtest.C("GET", "/admin/shipping/zones?country=Germany", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/shipping/zones?limit=0", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/shipping/zones/"+z.ID, "", 200, ""),
		httpxtest.C("GET", "/admin/shipping/zones/shz_01J0000000000000000000000Z", "", 404, "not_found"),
		httpxtest.C("PATCH", "/admin/shipping/zones/"+z.ID, `{"version":1,"countries":["DE","FR","AT"]}`, 200, ""),
		httpxtest.C("PATCH", "/admin/shipping/zones/"+z.ID, `{"version":1,"name":"again"}`, 409, "version_conflict"),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"`+z.ID+`","name":"Parcel","currency":"EUR","rate":{"kind":"weight","brackets":[{"up_to_grams":2000,"amount":690},{"up_to_grams":31500,"amount":1290}]}}`, 201, ""),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"`+z.ID+`","name":"Express","currency":"EUR","rate":{"kind":"flat","amount":1500},"enabled":false}`, 201, ""),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"shz_01J0000000000000000000000Z","name":"x","currency":"EUR","rate":{"kind":"flat","amount":1}}`, 404, "not_found"),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"`+z.ID+`","name":"x","currency":"EUR","rate":{"kind":"percent"}}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"`+z.ID+`","name":"x","currency":"EUR","rate":{"kind":"flat","amount":-5}}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"`+z.ID+`","name":"x","currency":"EUR","rate":{"kind":"weight","brackets":[{"up_to_grams":500,"amount":1},{"up_to_grams":100,"amount":2}]}}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/shipping/options", `{"zone_id":"`+z.ID+`","name":"x","currency":"euro","rate":{"kind":"flat","amount":1}}`, 400, "validation_failed"),
		httpxtest.C("GET", "/admin/shipping/options?zone_id="+z.ID, "", 200, ""),
		httpxtest.C("GET", "/admin/shipping/options/"+o.ID, "", 200, ""),
		httpxtest.C("GET", "/admin/shipping/options/sho_nope", "", 404, "not_found"),
		httpxtest.C("PATCH", "/admin/shipping/options/"+o.ID, `{"enabled":false}`, 200, ""),
		httpxtest.C("PATCH", "/admin/shipping/options/"+o.ID, `{"enabled":true,"rate":{"kind":"flat","amount":495}}`, 200, ""),
		httpxtest.C("GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=1000&weight_grams=2500", "", 200, ""),
		httpxtest.C("GET", "/store/shipping-options?country=JP&currency=EUR", "", 200, ""),
		httpxtest.C("GET", "/store/shipping-options?country=XX&currency=EUR", "", 400, "validation_failed"),
		httpxtest.C("GET", "/store/shipping-options?country=DE&currency=EUR&weight_grams=-1", "", 400, "validation_failed"),
		httpxtest.C("GET", "/store/shipping-options?country=DE&currency=EUR&weight_grams=heavy", "", 400, "validation_failed"),
		httpxtest.C("GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=100&subtotal_currency=USD", "", 400, "validation_failed"),
		httpxtest.C("GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=-100", "", 400, "validation_failed"),
		httpxtest.C("GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=99999999999999999999", "", 400, "validation_failed"),
		httpxtest.C("GET", "/store/shipping-options", "", 400, "validation_failed"),
		httpxtest.C("DELETE", "/admin/shipping/options/"+o.ID, "", 204, ""),
		httpxtest.C("DELETE", "/admin/shipping/zones/"+z.ID, "", 204, ""),
		httpxtest.C("DELETE", "/admin/shipping/zones/"+z.ID, "", 404, "not_found"),
	}
	httpxtest.Run(t, srv, router, tests)
}
