package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/catalog/catalogmod"
	"github.com/agoracommerce/agora/pricing/pricingmod"
	"github.com/agoracommerce/agora/search/searchmod"
)

// waitSearchAs polls GET /store/search?<query> with the given headers
// until ok holds, for at most within.
func waitSearchAs(t *testing.T, srv *httptest.Server, query string, within time.Duration, ok func(searchAnswer) bool, header ...string) (searchAnswer, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		a := call(t, srv, http.MethodGet, "/store/search?"+query, "", header...)
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

func priced(pid string, amount int64) func(searchAnswer) bool {
	return func(r searchAnswer) bool {
		return len(r.Data) == 1 && r.Data[0].ID == pid && r.Data[0].Price != nil && r.Data[0].Price.Amount == amount
	}
}

// TestSearchFollowsPriceLists: a price list created through the admin API
// re-prices a product in search (shown, filtered and sorted by its list
// price) within a second; deactivating it brings the catalog price back; a
// list whose window opens later applies once it opens; a channel's list
// applies to the shoppers of its publishable key only; lists survive a
// restart and a rebuild.
func TestSearchFollowsPriceLists(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cfg := mk(t)
			reg, err := NewRegistry(accessmod.Module(), catalogmod.Module(), pricingmod.Module(), searchmod.Module())
			if err != nil {
				t.Fatal(err)
			}
			start := func() *App {
				a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
				if err != nil {
					t.Fatal(err)
				}
				if err := a.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				return a
			}
			a := start()
			srv := httptest.NewServer(a.Handler())
			auth := []string{"Authorization", "Bearer " + testKey}
			created := call(t, srv, http.MethodPost, "/admin/products", `{"title":"Copper kettle","status":"published","options":[{"name":"Size","values":["1 l","2 l"]}],"variants":[`+
				`{"sku":"KETTLE-1","options":{"Size":"1 l"},"prices":[{"amount":4900,"currency":"USD"}]},`+
				`{"sku":"KETTLE-2","options":{"Size":"2 l"},"prices":[{"amount":5900,"currency":"USD"}]}]}`, auth...)
			if created.status != http.StatusCreated {
				t.Fatalf("create: %d %s", created.status, created.body)
			}
			p := created.json(t)
			pid := p["id"].(string)
			vars := p["variants"].([]any)
			v1 := vars[0].(map[string]any)["id"].(string)
			v2 := vars[1].(map[string]any)["id"].(string)
			other := call(t, srv, http.MethodPost, "/admin/products", `{"title":"Copper pan","status":"published","variants":[{"sku":"PAN-1","prices":[{"amount":3900,"currency":"USD"}]}]}`, auth...)
			if other.status != http.StatusCreated {
				t.Fatalf("create: %d %s", other.status, other.body)
			}
			const q = "q=kettle&currency=USD"
			if r, _ := waitSearch(t, srv, q, 2*time.Second, priced(pid, 4900)); !priced(pid, 4900)(r) {
				t.Fatalf("catalog price: %+v", r)
			}

			list := call(t, srv, http.MethodPost, "/admin/price-lists", fmt.Sprintf(`{"name":"Winter sale","currency":"USD","prices":[{"variant_id":%q,"amount":2900}]}`, v1), auth...)
			if list.status != http.StatusCreated {
				t.Fatalf("price list: %d %s", list.status, list.body)
			}
			lid := list.json(t)["id"].(string)
			r, took := waitSearch(t, srv, q, time.Second, priced(pid, 2900))
			if !priced(pid, 2900)(r) {
				t.Fatalf("price list not in search after 1 s: %+v", r)
			}
			t.Logf("price list → search in %s", took)
			// Filtered, sorted and faceted by the list price.
			if r, _ := waitSearch(t, srv, "q=copper&currency=USD&price_max=3000", 0, priced(pid, 2900)); !priced(pid, 2900)(r) {
				t.Errorf("price filter: %+v", r)
			}
			// Both products are in the index once the read model has the
			// second one's events too (a wait, not a fixed delay).
			r, _ = waitSearch(t, srv, "q=copper&currency=USD&sort=price_asc&facets=price", time.Second, func(r searchAnswer) bool { return len(r.Data) == 2 })
			if len(r.Data) != 2 || r.Data[0].ID != pid || r.Facets["price"][0]["to"] != float64(5000) {
				t.Errorf("price sort and facet: %+v", r)
			}

			// Raising the other variant's price changes nothing (the lowest
			// stays 2900); deactivating the list brings back 4900.
			if a := call(t, srv, http.MethodPut, "/admin/price-lists/"+lid+"/prices", fmt.Sprintf(`{"prices":[{"variant_id":%q,"amount":6900}]}`, v2), auth...); a.status/100 != 2 {
				t.Fatalf("set prices: %d %s", a.status, a.body)
			}
			if a := call(t, srv, http.MethodPatch, "/admin/price-lists/"+lid, `{"active":false}`, auth...); a.status != http.StatusOK {
				t.Fatalf("deactivate: %d %s", a.status, a.body)
			}
			if r, _ := waitSearch(t, srv, q, time.Second, priced(pid, 4900)); !priced(pid, 4900)(r) {
				t.Fatalf("deactivated list still in search after 1 s: %+v", r)
			}

			// A list that starts in 1.5 s: the catalog price until then,
			// its price within a second after.
			opens := time.Now().Add(1500 * time.Millisecond).UTC()
			later := call(t, srv, http.MethodPost, "/admin/price-lists", fmt.Sprintf(`{"name":"Flash","currency":"USD","starts_at":%q,"prices":[{"variant_id":%q,"amount":1900}]}`,
				opens.Format(time.RFC3339Nano), v2), auth...)
			if later.status != http.StatusCreated {
				t.Fatalf("flash list: %d %s", later.status, later.body)
			}
			time.Sleep(300 * time.Millisecond)
			if time.Now().Before(opens) {
				if r, _ := waitSearch(t, srv, q, 0, priced(pid, 4900)); !priced(pid, 4900)(r) {
					t.Errorf("list applied before its window: %+v", r)
				}
			}
			time.Sleep(time.Until(opens))
			r, took = waitSearch(t, srv, q, time.Second, priced(pid, 1900))
			if !priced(pid, 1900)(r) {
				t.Fatalf("list not applied 1 s after its window opened: %+v", r)
			}
			t.Logf("window opened → search in %s", took)

			// A channel's list: the shoppers of its publishable key see it.
			pk := call(t, srv, http.MethodPost, "/admin/publishable-keys", `{"channel":"wholesale","name":"B2B"}`, auth...)
			if pk.status != http.StatusCreated {
				t.Fatalf("publishable key: %d %s", pk.status, pk.body)
			}
			wholesale := []string{"X-Publishable-Key", pk.json(t)["key"].(string)}
			if a := call(t, srv, http.MethodPost, "/admin/price-lists", fmt.Sprintf(`{"name":"Trade","currency":"USD","channel":"wholesale","prices":[{"variant_id":%q,"amount":1500}]}`, v1), auth...); a.status != http.StatusCreated {
				t.Fatalf("channel list: %d %s", a.status, a.body)
			}
			if r, _ := waitSearchAs(t, srv, q, time.Second, priced(pid, 1500), wholesale...); !priced(pid, 1500)(r) {
				t.Fatalf("channel list not seen with its key: %+v", r)
			}
			if r, _ := waitSearch(t, srv, q, 0, priced(pid, 1900)); !priced(pid, 1900)(r) {
				t.Errorf("channel list seen without its key: %+v", r)
			}

			srv.Close()
			a.Stop(context.Background())
			if cfg.PostgresURL != "" {
				return // the rest checks the embedded data directory
			}
			a = start()
			srv = httptest.NewServer(a.Handler())
			defer func() { srv.Close(); a.Stop(context.Background()) }()
			if r, _ := waitSearchAs(t, srv, q, 2*time.Second, priced(pid, 1500), wholesale...); !priced(pid, 1500)(r) {
				t.Errorf("channel price lost on restart: %+v", r)
			}
			if err := a.Reindex(context.Background(), io.Discard); err != nil {
				t.Fatal(err)
			}
			if r, _ := waitSearch(t, srv, q, 0, priced(pid, 1900)); !priced(pid, 1900)(r) {
				t.Errorf("price lists lost in a rebuild: %+v", r)
			}
			if r, _ := waitSearchAs(t, srv, q, 0, priced(pid, 1500), wholesale...); !priced(pid, 1500)(r) {
				t.Errorf("channel price lost in a rebuild: %+v", r)
			}
		})
	}
}

// TestSearchFollowsTheSalesChannel: search and autocomplete answer only
// the products visible in the channel of the request's publishable key
// (the default channel without one); an unknown key is 401.
func TestSearchFollowsTheSalesChannel(t *testing.T) {
	a, srv := startSearchApp(t, backends(t)["embedded"](t))
	defer func() { srv.Close(); a.Stop(context.Background()) }()
	auth := []string{"Authorization", "Bearer " + testKey}
	mk := func(title, channels string) string {
		t.Helper()
		c := call(t, srv, http.MethodPost, "/admin/products", `{"title":"`+title+`","status":"published","channels":`+channels+`,"variants":[{"sku":"`+title+`","prices":[{"amount":1000,"currency":"USD"}]}]}`, auth...)
		if c.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", title, c.status, c.body)
		}
		return c.json(t)["id"].(string)
	}
	trade := mk("Lantern-trade", `["wholesale"]`)
	every := mk("Lantern-every", `[]`)
	shop := mk("Lantern-shop", `["default"]`)
	pk := call(t, srv, http.MethodPost, "/admin/publishable-keys", `{"channel":"wholesale","name":"B2B"}`, auth...)
	if pk.status != http.StatusCreated {
		t.Fatalf("publishable key: %d %s", pk.status, pk.body)
	}
	wholesale := []string{"X-Publishable-Key", pk.json(t)["key"].(string)}
	ids := func(r searchAnswer) map[string]bool {
		out := map[string]bool{}
		for _, d := range r.Data {
			out[d.ID] = true
		}
		return out
	}
	two := func(r searchAnswer) bool { return r.Total == 2 }
	r, _ := waitSearch(t, srv, "q=lantern", 2*time.Second, two)
	if got := ids(r); len(got) != 2 || !got[every] || !got[shop] {
		t.Errorf("default channel sees %v, want %s and %s", got, every, shop)
	}
	r, _ = waitSearchAs(t, srv, "q=lantern", 2*time.Second, two, wholesale...)
	if got := ids(r); len(got) != 2 || !got[every] || !got[trade] {
		t.Errorf("wholesale sees %v, want %s and %s", got, every, trade)
	}
	sug := call(t, srv, http.MethodGet, "/store/search/suggest?q=lant", "", wholesale...)
	var s struct {
		Products []struct {
			ProductID string `json:"product_id"`
		} `json:"products"`
	}
	if err := json.Unmarshal(sug.body, &s); err != nil || sug.status != http.StatusOK {
		t.Fatalf("suggest: %d %s", sug.status, sug.body)
	}
	for _, p := range s.Products {
		if p.ProductID == shop {
			t.Errorf("wholesale autocomplete offers the default channel's product: %s", sug.body)
		}
	}
	if len(s.Products) != 2 {
		t.Errorf("wholesale autocomplete: %s", sug.body)
	}
	bad := call(t, srv, http.MethodGet, "/store/search?q=lantern", "", "X-Publishable-Key", "pk_unknown")
	if bad.status != http.StatusUnauthorized || bad.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown key: %d %s %s", bad.status, bad.header.Get("Content-Type"), bad.body)
	}
}

// TestSearchFacetsIgnoreTheirOwnFilter: through the app, a shopper who
// filters color=red still sees how many blue products there are.
func TestSearchFacetsIgnoreTheirOwnFilter(t *testing.T) {
	a, srv := startSearchApp(t, backends(t)["embedded"](t))
	defer func() { srv.Close(); a.Stop(context.Background()) }()
	auth := []string{"Authorization", "Bearer " + testKey}
	prices := []int{1000, 3000, 1500, 1800}
	for i, c := range []string{"red", "red", "blue", "green"} {
		body := fmt.Sprintf(`{"title":"Wool scarf %d","status":"published","attributes":{"color":%q},"variants":[{"sku":"SCARF-%d","prices":[{"amount":%d,"currency":"USD"}]}]}`, i, c, i, prices[i])
		if r := call(t, srv, http.MethodPost, "/admin/products", body, auth...); r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
	}
	r, _ := waitSearch(t, srv, "q=scarf&currency=USD&attributes.color=red&price_max=2000&facets=attributes.color,price", 2*time.Second, func(r searchAnswer) bool {
		return r.Total == 1 && len(r.Facets["attributes.color"]) == 3
	})
	got := map[string]float64{}
	for _, v := range r.Facets["attributes.color"] {
		got[v["value"].(string)] = v["count"].(float64)
	}
	if r.Total != 1 || got["red"] != 1 || got["blue"] != 1 || got["green"] != 1 {
		t.Errorf("color=red, price ≤ 2000: total %d, color counts %v (want 1, red 1, blue 1, green 1)", r.Total, got)
	}
	inPrice := 0.0
	for _, v := range r.Facets["price"] {
		inPrice += v["count"].(float64)
	}
	if inPrice != 2 {
		t.Errorf("price facet counts %v, want the 2 red ones whatever their price", r.Facets["price"])
	}
}
