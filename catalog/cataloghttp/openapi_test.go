package cataloghttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogtest"
)

// TestOpenAPIResponses sends real requests and validates every answer —
// status, headers and body — against the OpenAPI document the API serves,
// so that the document and the server never disagree.
func TestOpenAPIResponses(t *testing.T) {
	svc := catalogtest.MustService(t)
	srv, api := server(t, svc)

	spec, err := json.Marshal(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("the document is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	p := catalogtest.MustCreateProduct(t, svc, catalogtest.APIExample(t, ""))
	cat := catalogtest.MustCreateCategory(t, svc, catalog.CreateCategoryCommand{Name: "Tables"})
	col := catalogtest.MustCreateCollection(t, svc, catalog.CreateCollectionCommand{Title: "New"})

	tests := []struct {
		method, path, body string
		header             map[string]string
		status             int
	}{
		{"POST", "/admin/products", `{"title":"Oak chair","status":"published","media":[{"url":"https://cdn.example.com/a.jpg"}],"variants":[{"sku":"OC-1","prices":[{"amount":4900,"currency":"EUR"}]}]}`, nil, 201},
		{"POST", "/admin/products", catalogtest.APIExampleJSON(), nil, 409},
		{"POST", "/admin/products", `{"title":""}`, nil, 400},
		{"POST", "/admin/products", `{"title":"x","colour":"red"}`, nil, 400},
		{"POST", "/admin/products/import", `{"products":[{"title":"A"},{"title":"B"}]}`, nil, 201},
		{"GET", "/admin/products?limit=2", "", nil, 200},
		{"GET", "/admin/products?limit=1000", "", nil, 400},
		{"GET", "/admin/products/" + p.ID, "", nil, 200},
		{"GET", "/admin/products/prod_01J000000000000000000000ZZ", "", nil, 404},
		{"PATCH", "/admin/products/" + p.ID, `{"description":"Oiled","version":1}`, nil, 200},
		{"PATCH", "/admin/products/" + p.ID, `{"description":"x","version":1}`, nil, 409},
		{"GET", "/admin/categories", "", nil, 200},
		{"GET", "/admin/categories/" + cat.Handle, "", nil, 200},
		{"POST", "/admin/categories", `{"name":"Chairs","parent_id":"` + cat.ID + `"}`, nil, 201},
		{"GET", "/admin/collections", "", nil, 200},
		{"GET", "/admin/collections/" + col.ID, "", nil, 200},
		{"GET", "/store/products?currency=EUR&limit=24", "", nil, 200},
		{"GET", "/store/products/" + p.Handle + "?currency=USD&locale=de", "", nil, 200},
		{"GET", "/store/products/" + p.Handle + "?currency=JPY", "", nil, 200},
		{"GET", "/store/products/no-such-product", "", nil, 404},
		{"GET", "/store/products?currency=usd", "", nil, 400},
		{"GET", "/store/categories", "", nil, 200},
		{"DELETE", "/admin/collections/" + col.ID, "", nil, 204},
		{"DELETE", "/admin/products/" + p.ID, "", nil, 204},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
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
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no route in the document: %v", err)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, data)
			}
			validate(t, req, route, params, res, data)
		})
	}

	// A 304 is documented too.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/store/categories", nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ = http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/store/categories", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d, want 304", res.StatusCode)
	}
	validate(t, req, route, params, res, nil)
}

func validate(t *testing.T, req *http.Request, route *routers.Route, params map[string]string, res *http.Response, data []byte) {
	t.Helper()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
		},
		Status:  res.StatusCode,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(data)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("the answer %d does not match the document: %v\n%s", res.StatusCode, err, data)
	}
}
