package cataloghttp_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogseed"
	"github.com/agoracommerce/agora/catalog/catalogtest"
)

// TestEncodedAnswersMatch: product pages and listings answered from the
// products' stored encodings are byte for byte what encoding the
// service's answer gives, before and after a product changes, in every
// currency and locale asked.
func TestEncodedAnswersMatch(t *testing.T) {
	ctx := context.Background()
	svc := catalogtest.MustService(t)
	if _, err := catalogseed.Generate(ctx, svc, catalogseed.Options{Products: 30, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	h, api := handler(t, svc)
	get := func(path string) []byte {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %q %s", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		return rec.Body.Bytes()
	}
	want := func(v any) []byte {
		t.Helper()
		var buf bytes.Buffer
		if err := api.Marshal(&buf, "application/json", v); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	check := func() {
		t.Helper()
		for _, cur := range []string{"EUR", "USD"} {
			for _, loc := range []string{"", "de"} {
				page, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Currency: cur, Locale: loc, Limit: 7})
				if err != nil {
					t.Fatal(err)
				}
				path := "/store/products?limit=7&currency=" + cur + "&locale=" + loc
				for range 2 { // the second answer comes from the stored encodings
					if got := get(path); !bytes.Equal(got, want(page)) {
						t.Fatalf("GET %s:\n%s\nwant\n%s", path, got, want(page))
					}
				}
				for _, p := range page.Data {
					sp, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: p.Handle, Currency: cur, Locale: loc})
					if err != nil {
						t.Fatal(err)
					}
					path := "/store/products/" + p.Handle + "?currency=" + cur + "&locale=" + loc
					if got := get(path); !bytes.Equal(got, want(sp)) {
						t.Fatalf("GET %s:\n%s\nwant\n%s", path, got, want(sp))
					}
				}
			}
		}
	}
	check()
	page, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Currency: "EUR", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	title := "Renamed lamp"
	if _, err := svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: page.Data[0].ID, Title: &title}); err != nil {
		t.Fatal(err)
	}
	check()
	if got := get("/store/products/" + page.Data[0].Handle + "?currency=EUR"); !bytes.Contains(got, []byte(title)) {
		t.Fatalf("the renamed product's page: %s", got)
	}
}
