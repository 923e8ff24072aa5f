package searchtest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/search"
	"github.com/agoracommerce/agora/search/searchhttp"
)

// TestKeptAnswersFollowChanges: search answers are kept whole by their
// query, and every change that can alter one — a product re-priced, a SKU
// selling out or coming back, new synonyms — is in the next answer, while
// a stock report that changes nothing shown keeps them.
func TestKeptAnswersFollowChanges(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "test", "1", "test")
	searchhttp.Register(api, svc)
	srv := httptest.NewServer(httpx.Base(slog.New(slog.NewTextHandler(io.Discard, nil)), mux))
	t.Cleanup(srv.Close)
	feed := events{t, svc}
	load(feed)
	kettle := catalog.Product{ID: "prod_k", Handle: "kettle", Title: "Steel kettle", Status: catalog.Published, Version: 1, CreatedAt: time.Now().UTC(),
		Variants: []catalog.Variant{{ID: "var_k", SKU: "KET-1", Prices: []money.Money{{Amount: 3000, Currency: "USD"}}}}}
	feed.PutProduct(kettle)

	get := func(path string) (search.Result, string) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r search.Result
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
		}
		if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r, res.Header.Get("ETag")
	}
	level := func(available int64, at time.Time) {
		t.Helper()
		e, err := event.New(inventory.Module, inventory.EventLevelChanged, "KET-1",
			inventory.LevelChanged{SKU: "KET-1", TrackInventory: true, Totals: inventory.Totals{Available: available, OnHand: available}}, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Handle(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	const q = "/store/search?q=kettle&currency=USD"
	r, tag := get(q)
	if len(r.Data) != 1 || r.Data[0].Price.Amount != 3000 || !r.Data[0].Available {
		t.Fatalf("first answer: %+v", r.Data)
	}
	if _, again := get(q); again != tag {
		t.Errorf("the answer changed without a change: %s then %s", tag, again)
	}

	// A stock report that leaves the SKU sellable changes nothing shown.
	t0 := time.Now()
	v0 := svc.SearchVersion()
	level(9, t0)
	if v := svc.SearchVersion(); v != v0 {
		t.Errorf("a level change that changes nothing shown moved the version: %v → %v", v0, v)
	}
	// Sold out, then back.
	level(0, t0.Add(time.Second))
	if r, _ := get(q); len(r.Data) != 1 || r.Data[0].Available {
		t.Errorf("after selling out: %+v", r.Data)
	}
	level(4, t0.Add(2*time.Second))
	if r, _ := get(q); len(r.Data) != 1 || !r.Data[0].Available {
		t.Errorf("after the restock: %+v", r.Data)
	}
	// Re-priced.
	kettle.Version = 2
	kettle.Variants[0].Prices[0].Amount = 2500
	feed.PutProduct(kettle)
	if r, newTag := get(q); len(r.Data) != 1 || r.Data[0].Price.Amount != 2500 || newTag == tag {
		t.Errorf("after re-pricing: %+v, ETag %s (before %s)", r.Data, newTag, tag)
	}
	// New synonyms.
	if r, _ := get("/store/search?q=boiler"); r.Total != 0 {
		t.Fatalf("boiler before the synonym: %d hits", r.Total)
	}
	if _, err := svc.PutSettings(ctx, search.PutSettingsCommand{Locale: "en", Synonyms: []search.SynonymSet{{Terms: []string{"kettle", "boiler"}}}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := get("/store/search?q=boiler"); r.Total != 1 {
		t.Errorf("boiler after the synonym: %d hits, want the kettle", r.Total)
	}
}
