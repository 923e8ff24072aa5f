package taxhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxhttp"
	"github.com/agoracommerce/agora/tax/taxsql"
	"github.com/agoracommerce/agora/tax/taxsvc"
	"github.com/agoracommerce/agora/tax/taxtest"
)

// errorLog keeps the records of level Error: the server logs every 500
// there, and no test input may cause one.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *errorLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Message)
	h.mu.Unlock()
	return nil
}
func (h *errorLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorLog) WithGroup(string) slog.Handler      { return h }

func server(tb testing.TB, svc tax.Service) (*httptest.Server, huma.API) {
	tb.Helper()
	logs := &errorLog{}
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	taxhttp.Register(api, svc)
	srv := httptest.NewServer(httpx.Base(slog.New(logs), mux))
	tb.Cleanup(func() {
		srv.Close()
		logs.mu.Lock()
		defer logs.mu.Unlock()
		for _, m := range logs.msgs {
			tb.Errorf("the server logged an error: %s", m)
		}
	})
	return srv, api
}

func client(srv *httptest.Server) tax.Service {
	return taxhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
}

// TestClientContract runs the contract suite through the client and the
// handlers: errors come back with the kinds, codes and fields they have
// in-process.
func TestClientContract(t *testing.T) {
	t.Run("fake", func(t *testing.T) {
		taxtest.TestService(t, func(t *testing.T) tax.Service {
			srv, _ := server(t, taxtest.NewFake())
			return client(srv)
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		taxtest.TestService(t, func(t *testing.T) tax.Service {
			st := taxsql.New(catalogtest.MustOpenSQLite(t), nil)
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			srv, _ := server(t, taxsvc.New(st, taxsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now))
			return client(srv)
		})
	})
}

// TestRequests sends real requests, good and bad, and checks every answer
// (status, problem code, body) against the OpenAPI document.
func TestRequests(t *testing.T) {
	svc := taxtest.NewFake()
	srv, api := server(t, svc)
	spec, err := json.Marshal(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
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
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	taxtest.MustCreateClass(t, svc, "reduced")
	r := taxtest.MustCreateRegion(t, svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19"}, {TaxClass: "reduced", Rate: "7"}}})

	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/admin/tax/regions", `{"country":"US","subdivision":"NY","rates":[{"tax_class":"standard","rate":"8.875"}]}`, 201, ""},
		{"POST", "/admin/tax/regions", `{"country":"DE"}`, 409, "region_exists"},
		{"POST", "/admin/tax/regions", `{"country":"XX"}`, 400, "validation_failed"},
		{"POST", "/admin/tax/regions", `{"country":"FR","rates":[{"tax_class":"standard","rate":"20.00001"}]}`, 400, "validation_failed"},
		{"POST", "/admin/tax/regions", `{"country":"FR","rates":[{"tax_class":"standard","rate":20}]}`, 400, "validation_failed"},
		{"POST", "/admin/tax/regions", `{"country":"FR","rates":[{"tax_class":"nope","rate":"20"}]}`, 400, "validation_failed"},
		{"POST", "/admin/tax/regions", `{"country":"FR","vat":true}`, 400, "validation_failed"},
		{"POST", "/admin/tax/regions", `not json`, 400, ""},
		{"GET", "/admin/tax/regions?country=DE&limit=5", "", 200, ""},
		{"GET", "/admin/tax/regions?limit=1000", "", 400, "validation_failed"},
		{"GET", "/admin/tax/regions?cursor=zzz", "", 400, "validation_failed"},
		{"GET", "/admin/tax/regions/" + r.ID, "", 200, ""},
		{"GET", "/admin/tax/regions/txr_01J0000000000000000000000Z", "", 404, "not_found"},
		{"GET", "/admin/tax/regions/nonsense", "", 404, "not_found"},
		{"PATCH", "/admin/tax/regions/" + r.ID, `{"version":1,"name":"Germany"}`, 200, ""},
		{"PATCH", "/admin/tax/regions/" + r.ID, `{"version":1,"name":"Again"}`, 409, "version_conflict"},
		{"PATCH", "/admin/tax/regions/" + r.ID, `{"rates":[{"tax_class":"standard","rate":"abc"}]}`, 400, "validation_failed"},
		{"GET", "/admin/tax/classes", "", 200, ""},
		{"POST", "/admin/tax/classes", `{"code":"zero","name":"Zero rate"}`, 201, ""},
		{"POST", "/admin/tax/classes", `{"code":"zero"}`, 409, "class_exists"},
		{"POST", "/admin/tax/classes", `{"code":"Bad Code"}`, 400, "validation_failed"},
		{"DELETE", "/admin/tax/classes/reduced", "", 409, "class_in_use"},
		{"DELETE", "/admin/tax/classes/standard", "", 409, "class_builtin"},
		{"DELETE", "/admin/tax/classes/none", "", 404, "not_found"},
		{"DELETE", "/admin/tax/classes/zero", "", 204, ""},
		{"POST", "/admin/tax/calculate", `{"country":"DE","postal_code":"10115","currency":"EUR","lines":[{"ref":"a","amount":{"amount":1190,"currency":"EUR"},"tax_inclusive":true},{"ref":"b","tax_class":"reduced","amount":{"amount":1000,"currency":"EUR"}}],"shipping":{"amount":{"amount":495,"currency":"EUR"}}}`, 200, ""},
		{"POST", "/admin/tax/calculate", `{"country":"JP","currency":"JPY"}`, 200, ""},
		{"POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":1,"currency":"USD"}}]}`, 400, "validation_failed"},
		{"POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":-1,"currency":"EUR"}}]}`, 400, "validation_failed"},
		{"POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":1.5,"currency":"EUR"}}]}`, 400, "validation_failed"},
		{"POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[{"amount":{"amount":99999999999999999999,"currency":"EUR"}}]}`, 400, ""},
		{"POST", "/admin/tax/calculate", `{"country":"Germany","currency":"EUR"}`, 400, "validation_failed"},
		{"DELETE", "/admin/tax/regions/" + r.ID, "", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no route in the document: %v", err)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, data)
			}
			if res.StatusCode >= 400 {
				var p httpx.Problem
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(data, &p) != nil || p.Code == "" || (tt.code != "" && p.Code != tt.code) {
					t.Errorf("answer %s %s, want problem+json with code %q", ct, data, tt.code)
				}
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(data)),
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("the answer does not match the document: %v\n%s", err, data)
			}
		})
	}
}
