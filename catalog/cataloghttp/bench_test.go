package cataloghttp_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/cataloghttp"
	"github.com/agoracommerce/agora/catalog/catalogseed"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/httpx"
)

// BenchmarkStorePage serves the product page and a listing page through
// the real handler (in process, no network) from SQLite with 1,000
// products, with and without the read cache.
func BenchmarkStorePage(b *testing.B) {
	for _, cached := range []bool{false, true} {
		st := catalogsql.New(catalogtest.MustOpenSQLite(b), nil)
		if err := st.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		var store catalogsvc.Store = st
		if cached {
			store = catalogsvc.NewCachedStore(st, catalogsvc.DefaultCacheConfig())
		}
		svc := catalogsvc.New(store, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
		if _, err := catalogseed.Generate(context.Background(), svc, catalogseed.Options{Products: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		page, err := svc.StoreProducts(context.Background(), catalog.StoreListQuery{Currency: "EUR", Limit: 1})
		if err != nil || len(page.Data) == 0 {
			b.Fatal(err)
		}
		handle := page.Data[0].Handle
		mux := http.NewServeMux()
		api := httpx.NewAPI(mux, "bench", "0", "")
		cataloghttp.Register(api, svc)
		var h http.Handler = mux
		_ = huma.API(api)
		for _, path := range []string{"/store/products/" + handle + "?currency=EUR", "/store/products?currency=EUR&limit=24"} {
			b.Run(fmt.Sprintf("cached=%v/%s", cached, map[bool]string{true: "product", false: "listing"}[path[len("/store/products"):][0] == '/']), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
					if rec.Code != http.StatusOK {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
