package shippinghttp_test

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
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippinghttp"
	"github.com/agoracommerce/agora/shipping/shippingsql"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
	"github.com/agoracommerce/agora/shipping/shippingtest"
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

func server(tb testing.TB, svc shipping.Service) (*httptest.Server, huma.API) {
	tb.Helper()
	logs := &errorLog{}
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	shippinghttp.Register(api, svc)
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

func client(srv *httptest.Server) shipping.Service {
	return shippinghttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
}

// TestClientContract runs the contract suite through the client and the
// handlers: errors come back with the kinds, codes and fields they have
// in-process.
func TestClientContract(t *testing.T) {
	t.Run("fake", func(t *testing.T) {
		shippingtest.TestService(t, func(t *testing.T) shipping.Service {
			srv, _ := server(t, shippingtest.NewFake())
			return client(srv)
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		shippingtest.TestService(t, func(t *testing.T) shipping.Service {
			st := shippingsql.New(catalogtest.MustOpenSQLite(t), nil)
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			srv, _ := server(t, shippingsvc.New(st, shippingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now))
			return client(srv)
		})
	})
}

// TestRequests sends real requests, good and bad, and checks every answer
// (status, problem code, body) against the OpenAPI document.
func TestRequests(t *testing.T) {
	svc := shippingtest.NewFake()
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
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	z := shippingtest.MustCreateZone(t, svc, "EU", "DE", "FR")
	o := shippingtest.MustCreateOption(t, svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Standard", Currency: "EUR", Rate: shipping.Rate{Kind: shipping.FreeOver, Amount: 495, Threshold: 5000}})

	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/admin/shipping/zones", `{"name":"North America","countries":["US","CA"]}`, 201, ""},
		{"POST", "/admin/shipping/zones", `{"name":"x","countries":["XX"]}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/zones", `{"name":"","countries":["DE"]}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/zones", `{"name":"x","countries":"DE"}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/zones", `{"name":"x","planet":"Mars"}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/zones", `[`, 400, ""},
		{"GET", "/admin/shipping/zones?country=DE", "", 200, ""},
		{"GET", "/admin/shipping/zones?country=Germany", "", 400, "validation_failed"},
		{"GET", "/admin/shipping/zones?limit=0", "", 400, "validation_failed"},
		{"GET", "/admin/shipping/zones/" + z.ID, "", 200, ""},
		{"GET", "/admin/shipping/zones/shz_01J0000000000000000000000Z", "", 404, "not_found"},
		{"PATCH", "/admin/shipping/zones/" + z.ID, `{"version":1,"countries":["DE","FR","AT"]}`, 200, ""},
		{"PATCH", "/admin/shipping/zones/" + z.ID, `{"version":1,"name":"again"}`, 409, "version_conflict"},
		{"POST", "/admin/shipping/options", `{"zone_id":"` + z.ID + `","name":"Parcel","currency":"EUR","rate":{"kind":"weight","brackets":[{"up_to_grams":2000,"amount":690},{"up_to_grams":31500,"amount":1290}]}}`, 201, ""},
		{"POST", "/admin/shipping/options", `{"zone_id":"` + z.ID + `","name":"Express","currency":"EUR","rate":{"kind":"flat","amount":1500},"enabled":false}`, 201, ""},
		{"POST", "/admin/shipping/options", `{"zone_id":"shz_01J0000000000000000000000Z","name":"x","currency":"EUR","rate":{"kind":"flat","amount":1}}`, 404, "not_found"},
		{"POST", "/admin/shipping/options", `{"zone_id":"` + z.ID + `","name":"x","currency":"EUR","rate":{"kind":"percent"}}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/options", `{"zone_id":"` + z.ID + `","name":"x","currency":"EUR","rate":{"kind":"flat","amount":-5}}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/options", `{"zone_id":"` + z.ID + `","name":"x","currency":"EUR","rate":{"kind":"weight","brackets":[{"up_to_grams":500,"amount":1},{"up_to_grams":100,"amount":2}]}}`, 400, "validation_failed"},
		{"POST", "/admin/shipping/options", `{"zone_id":"` + z.ID + `","name":"x","currency":"euro","rate":{"kind":"flat","amount":1}}`, 400, "validation_failed"},
		{"GET", "/admin/shipping/options?zone_id=" + z.ID, "", 200, ""},
		{"GET", "/admin/shipping/options/" + o.ID, "", 200, ""},
		{"GET", "/admin/shipping/options/sho_nope", "", 404, "not_found"},
		{"PATCH", "/admin/shipping/options/" + o.ID, `{"enabled":false}`, 200, ""},
		{"PATCH", "/admin/shipping/options/" + o.ID, `{"enabled":true,"rate":{"kind":"flat","amount":495}}`, 200, ""},
		{"GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=1000&weight_grams=2500", "", 200, ""},
		{"GET", "/store/shipping-options?country=JP&currency=EUR", "", 200, ""},
		{"GET", "/store/shipping-options?country=XX&currency=EUR", "", 400, "validation_failed"},
		{"GET", "/store/shipping-options?country=DE&currency=EUR&weight_grams=-1", "", 400, "validation_failed"},
		{"GET", "/store/shipping-options?country=DE&currency=EUR&weight_grams=heavy", "", 400, "validation_failed"},
		{"GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=100&subtotal_currency=USD", "", 400, "validation_failed"},
		{"GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=-100", "", 400, "validation_failed"},
		{"GET", "/store/shipping-options?country=DE&currency=EUR&subtotal=99999999999999999999", "", 400, "validation_failed"},
		{"GET", "/store/shipping-options", "", 400, "validation_failed"},
		{"DELETE", "/admin/shipping/options/" + o.ID, "", 204, ""},
		{"DELETE", "/admin/shipping/zones/" + z.ID, "", 204, ""},
		{"DELETE", "/admin/shipping/zones/" + z.ID, "", 404, "not_found"},
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

	// The store endpoint prices as Quote does.
	z2 := shippingtest.MustCreateZone(t, svc, "Germany", "DE")
	shippingtest.MustCreateOption(t, svc, shipping.CreateOptionCommand{ZoneID: z2.ID, Name: "Free over 50", Currency: "EUR", Rate: shipping.Rate{Kind: shipping.FreeOver, Amount: 495, Threshold: 5000}})
	res, err := srv.Client().Get(srv.URL + "/store/shipping-options?country=DE&currency=EUR&subtotal=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		Data []shipping.Quote `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || len(got.Data) != 1 || got.Data[0].Price.Amount != 0 || got.Data[0].Price.Currency != "EUR" {
		t.Errorf("store quote at the threshold: %+v (%v)", got, err)
	}
}
