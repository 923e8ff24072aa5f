package cataloghttp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func stockEvent(t *testing.T, sku string, available int64, at time.Time) event.Event {
	t.Helper()
	data := map[string]any{"sku": sku, "track_inventory": true, "allow_backorder": false, "totals": map[string]any{"available": available, "on_hand": available}}
	e, err := event.New("inventory", catalogsvc.InventoryLevelChanged, sku, data, at)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestStoreResponseCacheFollowsChanges: product pages and listings are
// answered from the cache of whole responses, and every change that can
// alter one — a product edited here or by another process, a SKU selling
// out or coming back — is in the next response, while a stock change that
// does not alter whether anything can be bought keeps them cached.
func TestStoreResponseCacheFollowsChanges(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			ctx := context.Background()
			db := d.Open(t)
			instance := func() (*catalogsvc.Service, *catalogsvc.CachedStore) { return catalogtest.CachedInstance(t, db) }
			svc, cache := instance()
			other, _ := instance() // another process on the same database
			h, _ := handler(t, svc)

			page, list := "/store/products/kettle?currency=USD", "/store/products?currency=USD&limit=24"
			if a := do(t, h, "GET", page, nil, nil); a.status != http.StatusNotFound {
				t.Fatalf("before the product exists: %d, want 404", a.status)
			}
			p, err := svc.CreateProduct(ctx, catalog.CreateProductCommand{Title: "Kettle", Handle: "kettle", Status: catalog.Published,
				Variants: []catalog.VariantInput{{SKU: "KET-1", Prices: []money.Money{{Amount: 1000, Currency: "USD"}}}}})
			if err != nil {
				t.Fatal(err)
			}
			type view struct {
				tag, title string
				available  bool
			}
			read := func(path string) view {
				t.Helper()
				a := do(t, h, "GET", path, nil, nil)
				if a.status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, a.status, a.body)
				}
				var sp catalog.StoreProduct
				if path == list {
					var pg catalog.Page[catalog.StoreProduct]
					if err := json.Unmarshal(a.body, &pg); err != nil || len(pg.Data) != 1 {
						t.Fatalf("GET %s: %v %s", path, err, a.body)
					}
					sp = pg.Data[0]
				} else if err := json.Unmarshal(a.body, &sp); err != nil {
					t.Fatal(err)
				}
				return view{a.header.Get("ETag"), sp.Title, sp.Variants[0].Available}
			}
			both := func(want view, why string) {
				t.Helper()
				for _, path := range []string{page, list} {
					got := read(path)
					if got.title != want.title || got.available != want.available {
						t.Errorf("%s: GET %s says %q available %v, want %q available %v", why, path, got.title, got.available, want.title, want.available)
					}
				}
			}
			both(view{title: "Kettle", available: true}, "a 404 was kept: the new product")
			tagPage, tagList := read(page).tag, read(list).tag

			// A level change that leaves the SKU sellable keeps the responses.
			v0, _ := svc.StoreVersion()
			_ = cache.HandleEvent(ctx, stockEvent(t, "KET-1", 7, time.Now()))
			if v, _ := svc.StoreVersion(); v != v0 {
				t.Error("a level change that changes nothing shown moved the store version")
			}
			if read(page).tag != tagPage || read(list).tag != tagList {
				t.Error("responses changed without a change")
			}

			// Sold out, then back: both reach the cached responses.
			t0 := time.Now().UTC()
			_ = cache.HandleEvent(ctx, stockEvent(t, "KET-1", 0, t0))
			both(view{title: "Kettle", available: false}, "after selling out")
			if read(page).tag == tagPage || read(list).tag == tagList {
				t.Error("the ETag did not change with availability")
			}
			if a := do(t, h, "GET", page, nil, map[string]string{"If-None-Match": tagPage}); a.status != http.StatusOK {
				t.Errorf("If-None-Match of the answer before the sale: %d, want 200", a.status)
			}
			_ = cache.HandleEvent(ctx, stockEvent(t, "KET-1", 3, t0.Add(time.Second)))
			both(view{title: "Kettle", available: true}, "after the restock")

			// Edited here.
			title := "Steel Kettle"
			if _, err := svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, Title: &title}); err != nil {
				t.Fatal(err)
			}
			both(view{title: title, available: true}, "after an edit")

			// Edited by another process: its event reaches this one.
			title = "Copper Kettle"
			q, err := other.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, Title: &title})
			if err != nil {
				t.Fatal(err)
			}
			e, err := event.New("catalog", "product.updated", q.ID, q, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			_ = cache.HandleEvent(ctx, e)
			both(view{title: title, available: true}, "after another process's edit")
		})
	}
}
