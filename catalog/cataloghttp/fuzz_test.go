package cataloghttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/id"
)

// bodySeeds are request bodies the fuzzers start from: valid, nearly valid
// and broken ones.
var bodySeeds = []string{
	catalogtest.APIExampleJSON(),
	`{"title":"Stool"}`,
	`{"title":"Stool","status":"published","channels":["web"],"translations":{"de":{"title":"Hocker"}}}`,
	`{"title":"Shirt","options":[{"name":"Size","values":["S","M"]}],"variants":[{"sku":"S","options":{"Size":"S"}},{"sku":"M","options":{"Size":"M"},"prices":[{"amount":100,"currency":"EUR"}]}]}`,
	`{"title":"x","media":[{"url":"https://cdn.example.com/a.jpg","alt":"A"}],"attributes":{"a":"b"}}`,
	`{"title":"x","variants":[{"prices":[{"amount":-1,"currency":"usd"}]}]}`,
	`{"title":"x","category_ids":["cat_01J00000000000000000000000"]}`,
	`{"title":"","handle":"--"}`,
	`{"title":"x","colour":"red"}`,
	`{"title":5}`,
	`{"title":"x","version":-1}`,
	`{"title":"\u0000\ud800"}`,
	`{"title":`,
	`[]`,
	`null`,
	``,
	`{"title":"x","variants":[{"weight_grams":1e300}]}`,
	`{"title":"x","translations":{"":{}}}`,
}

// fuzzHandler is the catalog on SQLite behind the middleware, and a
// product to aim updates at.
func fuzzHandler(f *testing.F) (http.Handler, catalog.Product) {
	svc := catalogtest.MustService(f)
	h, _ := handler(f, svc)
	p := catalogtest.MustCreateProduct(f, svc, catalog.CreateProductCommand{
		Title: "Target", Status: catalog.Published,
		Options:  []catalog.Option{{Name: "Size", Values: []string{"S", "M"}}},
		Variants: []catalog.VariantInput{{SKU: "T-S", Options: map[string]string{"Size": "S"}}},
	})
	catalogtest.MustCreateCategory(f, svc, catalog.CreateCategoryCommand{Name: "Tables", Handle: "tables"})
	return h, p
}

// checkAnswer fails t when an answer to arbitrary input is a server error,
// or not the JSON it claims to be.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, input string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("input %q: status %d: %s", input, rec.Code, rec.Body)
	}
	if rec.Code == http.StatusNotModified || rec.Code == http.StatusNoContent {
		return
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("input %q: status %d with a body that is not JSON: %s", input, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var p httpx.Problem
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("input %q: status %d with Content-Type %q", input, rec.Code, ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code == "" || p.Status != rec.Code {
			t.Fatalf("input %q: problem %s (%v)", input, rec.Body, err)
		}
	}
}

func serve(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// FuzzCreateProduct posts arbitrary bytes as the body of POST
// /admin/products: the answer is never a server error, and a product that
// is created is one that can be read back.
func FuzzCreateProduct(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add(s)
	}
	h, _ := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body string) {
		rec := serve(h, "POST", "/admin/products", body)
		checkAnswer(t, rec, body)
		if rec.Code == http.StatusCreated {
			var p catalog.Product
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || !id.Valid("prod", p.ID) || len(p.Variants) == 0 {
				t.Fatalf("input %q: created %s (%v)", body, rec.Body, err)
			}
			if got := serve(h, "GET", "/admin/products/"+url.PathEscape(p.Handle), ""); got.Code != http.StatusOK {
				t.Fatalf("input %q: the new product's handle %q reads as %d: %s", body, p.Handle, got.Code, got.Body)
			}
		}
	})
}

// FuzzUpdateProduct sends arbitrary bytes as the body of PATCH
// /admin/products/{id}.
func FuzzUpdateProduct(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add(s)
	}
	f.Add(`{"options":[{"name":"Size","values":["S"]}]}`)
	f.Add(`{"variants":[]}`)
	f.Add(`{"variants":[{"id":"var_01J00000000000000000000000","options":{"Size":"S"}}]}`)
	f.Add(`{"handle":"tables","channels":[],"category_ids":null}`)
	h, p := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body string) {
		rec := serve(h, "PATCH", "/admin/products/"+p.ID, body)
		checkAnswer(t, rec, body)
	})
}

// FuzzImportProducts sends arbitrary bytes as the body of POST
// /admin/products/import.
func FuzzImportProducts(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add(`{"products":[` + s + `]}`)
	}
	f.Add(`{"products":[{"title":"A"},{"title":"A"},{"title":"a"}]}`)
	f.Add(`{"products":[{"title":"A","handle":"a"},{"title":"B","handle":"a"}]}`)
	h, _ := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body string) {
		checkAnswer(t, serve(h, "POST", "/admin/products/import", body), body)
	})
}

// FuzzStoreQuery sends arbitrary paths and query strings to the store
// reads.
func FuzzStoreQuery(f *testing.F) {
	f.Add("products", "currency=EUR&limit=24&category=tables")
	f.Add("products/target", "currency=USD&locale=de-CH")
	f.Add("products", "cursor=%ff%fe&limit=-1")
	f.Add("products", "locale=x-%00")
	f.Add("categories", "locale=zh-Hant-TW")
	f.Add("products/prod_01J00000000000000000000000", "currency=usd")
	f.Add(".", "0")
	h, _ := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, path, query string) {
		target := "/store/" + path
		u, err := url.ParseRequestURI(target + "?" + query)
		if err != nil || strings.ContainsAny(path, "?#") {
			return // not a request a client can send
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL, req.RequestURI = u, u.RequestURI()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if (rec.Code == http.StatusNotFound && rec.Header().Get("Content-Type") != "application/problem+json") ||
			(rec.Code >= 300 && rec.Code < 400 && rec.Code != http.StatusNotModified) {
			return // no route, or a path to clean: the mux's own answers
		}
		checkAnswer(t, rec, u.String())
	})
}
