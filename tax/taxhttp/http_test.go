package taxhttp_test

import (
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxhttp"
	"github.com/agoracommerce/agora/tax/taxtest"
)

func server(tb testing.TB, svc tax.Service) (*httptest.Server, huma.API) {
	tb.Helper()
	return httpxtest.Serve(tb, func(api huma.API) { taxhttp.Register(api, svc) })
}

func client(srv *httptest.Server) tax.Service {
	return taxhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
}

// TestClientContract runs the contract suite through the client and the
// handlers: errors come back with the kinds, codes and fields they have
// in-process.
func TestClientContract(t *testing.T) {
	taxtest.TestService(t, func(t *testing.T) tax.Service {
		srv, _ := server(t, taxtest.MustService(t))
		return client(srv)
	})
}

// TestRequests sends real requests, good and bad, and checks every answer
// (status, problem code, body) against the OpenAPI document.
func TestRequests(t *testing.T) {
	svc := taxtest.MustService(t)
	srv, api := server(t, svc)
	doc, router := httpxtest.Document(t, api, srv)
	for _, op := range []string{"/admin/tax/regions", "/admin/tax/regions/{id}", "/admin/tax/classes", "/admin/tax/classes/{code}", "/admin/tax/calculate"} {
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
	taxtest.MustCreateClass(t, svc, "reduced")
	r := taxtest.MustCreateRegion(t, svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19"}, {TaxClass: "reduced", Rate: "7"}}})

	tests := []httpxtest.Case{
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"US","subdivision":"NY","rates":[{"tax_class":"standard","rate":"8.875"}]}`, 201, ""),
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"DE"}`, 409, "region_exists"),
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"XX"}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"FR","rates":[{"tax_class":"standard","rate":"20.00001"}]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"FR","rates":[{"tax_class":"standard","rate":20}]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"FR","rates":[{"tax_class":"nope","rate":"20"}]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/regions", `{"country":"FR","vat":true}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/regions", `not json`, 400, ""),
		httpxtest.C("GET", "/admin/tax/regions?country=DE&limit=5", "", 200, ""),
		httpxtest.C("GET", "/admin/tax/regions?limit=1000", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/tax/regions?cursor=zzz", "", 400, "validation_failed"),
		httpxtest.C("GET", "/admin/tax/regions/"+r.ID, "", 200, ""),
		httpxtest.C("GET", "/admin/tax/regions/txr_01J0000000000000000000000Z", "", 404, "not_found"),
		httpxtest.C("GET", "/admin/tax/regions/nonsense", "", 404, "not_found"),
		httpxtest.C("PATCH", "/admin/tax/regions/"+r.ID, `{"version":1,"name":"Germany"}`, 200, ""),
		httpxtest.C("PATCH", "/admin/tax/regions/"+r.ID, `{"version":1,"name":"Again"}`, 409, "version_conflict"),
		httpxtest.C("PATCH", "/admin/tax/regions/"+r.ID, `{"rates":[{"tax_class":"standard","rate":"abc"}]}`, 400, "validation_failed"),
		httpxtest.C("GET", "/admin/tax/classes", "", 200, ""),
		httpxtest.C("POST", "/admin/tax/classes", `{"code":"zero","name":"Zero rate"}`, 201, ""),
		httpxtest.C("POST", "/admin/tax/classes", `{"code":"zero"}`, 409, "class_exists"),
		httpxtest.C("POST", "/admin/tax/classes", `{"code":"Bad Code"}`, 400, "validation_failed"),
		httpxtest.C("DELETE", "/admin/tax/classes/reduced", "", 409, "class_in_use"),
		httpxtest.C("DELETE", "/admin/tax/classes/standard", "", 409, "class_builtin"),
		httpxtest.C("DELETE", "/admin/tax/classes/none", "", 404, "not_found"),
		httpxtest.C("DELETE", "/admin/tax/classes/zero", "", 204, ""),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"DE","postal_code":"10115","currency":"EUR","lines":[{"ref":"a","amount":{"amount":1190,"currency":"EUR"},"tax_inclusive":true},{"ref":"b","tax_class":"reduced","amount":{"amount":1000,"currency":"EUR"}}],"shipping":{"amount":{"amount":495,"currency":"EUR"}}}`, 200, ""),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"JP","currency":"JPY"}`, 200, ""),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":1,"currency":"USD"}}]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":-1,"currency":"EUR"}}]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":1.5,"currency":"EUR"}}]}`, 400, "validation_failed"),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":99999999999999999999,"currency":"EUR"}}]}`, 400, ""),
		httpxtest.C("POST", "/admin/tax/calculate", `{"country":"Germany","currency":"EUR"}`, 400, "validation_failed"),
		httpxtest.C("DELETE", "/admin/tax/regions/"+r.ID, "", 204, ""),
	}
	httpxtest.Run(t, srv, router, tests)
}
