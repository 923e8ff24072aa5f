package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogmod"
	"github.com/agoracommerce/agora/search/searchmod"
)

func searchRegistry(t *testing.T) *Registry {
	t.Helper()
	r, err := NewRegistry(accessmod.Module(), catalogmod.Module(), searchmod.Module())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func startSearchApp(t *testing.T, cfg Config) (*App, *httptest.Server) {
	t.Helper()
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), searchRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, httptest.NewServer(a.Handler())
}

type searchAnswer struct {
	Data []struct {
		ID        string `json:"id"`
		Available bool   `json:"available"`
		Price     *struct {
			Amount int64 `json:"amount"`
		} `json:"price"`
	} `json:"data"`
	Total  int                         `json:"total"`
	Facets map[string][]map[string]any `json:"facets"`
}

// waitSearch polls GET /store/search?<query> until ok holds, for at most
// within; it returns the last answer and how long it took.
func waitSearch(t *testing.T, srv *httptest.Server, query string, within time.Duration, ok func(searchAnswer) bool) (searchAnswer, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		a := call(t, srv, http.MethodGet, "/store/search?"+query, "")
		if a.status != http.StatusOK {
			t.Fatalf("search %s: %d %s", query, a.status, a.body)
		}
		var r searchAnswer
		if err := json.Unmarshal(a.body, &r); err != nil {
			t.Fatal(err)
		}
		if ok(r) || time.Since(start) > within {
			return r, time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSearchFollowsTheCatalog(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cfg := mk(t)
			a, srv := startSearchApp(t, cfg)
			auth := []string{"Authorization", "Bearer " + testKey}
			cat := call(t, srv, http.MethodPost, "/admin/categories", `{"name":"Furniture"}`, auth...).json(t)
			body := strings.Replace(walnut, `"category_ids":[]`, `"category_ids":["`+cat["id"].(string)+`"]`, 1)
			created := call(t, srv, http.MethodPost, "/admin/products", body, auth...)
			if created.status != http.StatusCreated {
				t.Fatalf("create: %d %s", created.status, created.body)
			}
			pid := created.json(t)["id"].(string)

			has := func(r searchAnswer) bool { return len(r.Data) == 1 && r.Data[0].ID == pid }
			r, took := waitSearch(t, srv, "q=walnat+tabl&currency=USD&facets=category,price,attributes.material", time.Second, has)
			if !has(r) {
				t.Fatalf("created product not found within a second: %+v", r)
			}
			t.Logf("created → searchable in %s", took)
			if r.Data[0].Price == nil || r.Data[0].Price.Amount != 129900 || !r.Data[0].Available {
				t.Errorf("price/available: %+v", r.Data[0])
			}
			if len(r.Facets["category"]) != 1 || len(r.Facets["attributes.material"]) != 1 || len(r.Facets["price"]) != 1 {
				t.Errorf("facets: %v", r.Facets)
			}
			// The API.md forms of the filters.
			q := "q=walnut&currency=USD&category=" + url.QueryEscape(cat["handle"].(string)) + "&price_min=100000&price_max=200000&available=true&attributes.material=walnut&attributes.seats=6"
			if r, _ := waitSearch(t, srv, q, 0, has); !has(r) {
				t.Errorf("filters of API.md: %+v", r)
			}
			if r, _ := waitSearch(t, srv, "q=walnut&attributes.material=oak", 0, has); len(r.Data) != 0 {
				t.Errorf("attribute filter not applied: %+v", r)
			}

			// Re-priced: reflected within a second.
			upd := call(t, srv, http.MethodPatch, "/admin/products/"+pid, `{"variants":[{"sku":"WDT-180","title":"180 cm","options":{"Size":"180 cm"},"prices":[{"amount":99900,"currency":"USD"}]}]}`, auth...)
			if upd.status != http.StatusOK {
				t.Fatalf("update: %d %s", upd.status, upd.body)
			}
			repriced := func(r searchAnswer) bool { return has(r) && r.Data[0].Price != nil && r.Data[0].Price.Amount == 99900 }
			if r, _ := waitSearch(t, srv, "q=walnut&currency=USD", time.Second, repriced); !repriced(r) {
				t.Errorf("re-price not reflected within a second: %+v", r)
			}
			// No price in EUR any more: not available in EUR.
			if r, _ := waitSearch(t, srv, "q=walnut&currency=EUR&available=true", 0, has); len(r.Data) != 0 {
				t.Errorf("available in a currency without a price: %+v", r)
			}

			// Bad input: 400 problems, never a 500.
			for _, bad := range []string{
				"limit=0", "limit=1000", "limit=-1", "sort=cheapest", "currency=usd", "cursor=nope", "facets=color",
				"q=" + strings.Repeat("x", 300), "price_min=5", "price_min=9&price_max=1&currency=USD", "available=maybe",
				"sort=price_asc", "attributes.=x", "facets=" + strings.Repeat("price,", 20),
			} {
				a := call(t, srv, http.MethodGet, "/store/search?"+bad, "")
				if a.status != http.StatusBadRequest || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%.60s: %d %s", bad, a.status, a.body)
				}
			}
			for _, odd := range []string{"q=%22%22%22", "q=*", "q=-", "q=OR", "q=" + url.QueryEscape(strings.Repeat("ü🙂", 90)), "facets=attributes.nope", "attributes.nope=1", "q=walnut&sort=newest"} {
				if a := call(t, srv, http.MethodGet, "/store/search?"+odd, ""); a.status != http.StatusOK {
					t.Errorf("%.60s: %d %s", odd, a.status, a.body)
				}
			}
			sug := call(t, srv, http.MethodGet, "/store/search/suggest?q=w", "")
			if sug.status != http.StatusOK || !bytes.Contains(sug.body, []byte("walnut")) {
				t.Errorf("suggest: %d %s", sug.status, sug.body)
			}
			spec := call(t, srv, http.MethodGet, "/openapi.json", "")
			if !bytes.Contains(spec.body, []byte(`"/store/search"`)) || !bytes.Contains(spec.body, []byte(`"/admin/search/rules"`)) {
				t.Error("search operations missing from the OpenAPI document")
			}
			if a := call(t, srv, http.MethodPut, "/admin/search/settings/en", `{"synonyms":[{"terms":["desk","table"]}],"stop_words":["the"]}`); a.status != http.StatusUnauthorized {
				t.Errorf("admin settings without a key: %d", a.status)
			}
			if a := call(t, srv, http.MethodPut, "/admin/search/settings/en", `{"synonyms":[{"terms":["bureau","table"]}],"stop_words":["the"]}`, auth...); a.status != http.StatusOK {
				t.Errorf("put settings: %d %s", a.status, a.body)
			}
			if r, _ := waitSearch(t, srv, "q=the+bureau", 0, has); !has(r) {
				t.Errorf("synonym and stop word: %+v", r)
			}

			// Deleted: gone within a second.
			if d := call(t, srv, http.MethodDelete, "/admin/products/"+pid, "", auth...); d.status != http.StatusNoContent {
				t.Fatalf("delete: %d", d.status)
			}
			if r, _ := waitSearch(t, srv, "q=walnut", time.Second, func(r searchAnswer) bool { return r.Total == 0 }); r.Total != 0 {
				t.Errorf("deleted product still found: %+v", r)
			}
			if !running(a.Env(), catalog.Module) {
				t.Error("catalog not provided")
			}

			// A second product, then a restart: the index comes back from
			// the data directory, and a rebuild keeps it.
			created = call(t, srv, http.MethodPost, "/admin/products", `{"title":"Oak bookcase","status":"published","variants":[{"prices":[{"amount":5000,"currency":"USD"}]}]}`, auth...)
			oak := created.json(t)["id"].(string)
			hasOak := func(r searchAnswer) bool { return len(r.Data) == 1 && r.Data[0].ID == oak }
			if r, _ := waitSearch(t, srv, "q=bookcase", time.Second, hasOak); !hasOak(r) {
				t.Fatalf("oak bookcase not found: %+v", r)
			}
			srv.Close()
			a.Stop(context.Background())
			if cfg.PostgresURL != "" {
				return // the rest checks the embedded data directory
			}
			a, srv = startSearchApp(t, cfg)
			defer func() { srv.Close(); a.Stop(context.Background()) }()
			if r, _ := waitSearch(t, srv, "q=bookcase", 0, hasOak); !hasOak(r) {
				t.Errorf("index not restored on restart: %+v", r)
			}
			var progress bytes.Buffer
			if err := a.Reindex(context.Background(), &progress); err != nil {
				t.Fatal(err)
			}
			if r, _ := waitSearch(t, srv, "q=bookcase", 0, hasOak); !hasOak(r) {
				t.Errorf("after reindex: %+v", r)
			}
			if r, _ := waitSearch(t, srv, "q=walnut", 0, has); len(r.Data) != 0 {
				t.Errorf("deleted product back after reindex: %+v", r)
			}
			if !strings.Contains(progress.String(), "indexed") {
				t.Errorf("progress: %q", progress.String())
			}
			m := call(t, srv, http.MethodGet, "/metrics", "")
			if !bytes.Contains(m.body, []byte("agora_search_lag_seconds")) || !bytes.Contains(m.body, []byte("agora_search_pending_events")) {
				t.Error("search lag metrics missing")
			}
		})
	}
}
