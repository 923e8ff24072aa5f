package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/catalog/catalogmod"
	"github.com/agoracommerce/agora/inventory/inventorymod"
	"github.com/agoracommerce/agora/search/searchmod"
)

// TestSearchFollowsInventory: a SKU set to 0 on hand makes its product
// unavailable in search within a second or two, restocking brings it back,
// and the state survives a restart and a rebuild.
func TestSearchFollowsInventory(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cfg := mk(t)
			reg, err := NewRegistry(accessmod.Module(), catalogmod.Module(), inventorymod.Module(), searchmod.Module())
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
			created := call(t, srv, http.MethodPost, "/admin/products", `{"title":"Copper kettle","status":"published","variants":[{"sku":"KETTLE-1","prices":[{"amount":4900,"currency":"USD"}]}]}`, auth...)
			if created.status != http.StatusCreated {
				t.Fatalf("create: %d %s", created.status, created.body)
			}
			pid := created.json(t)["id"].(string)
			hit := func(r searchAnswer) bool { return len(r.Data) == 1 && r.Data[0].ID == pid }
			availableHit := func(r searchAnswer) bool { return hit(r) && r.Data[0].Available }
			if r, _ := waitSearch(t, srv, "q=kettle&available=true", 2*time.Second, availableHit); !availableHit(r) {
				t.Fatalf("new product not available (no stock reported yet): %+v", r)
			}

			setStock := func(onHand int) {
				t.Helper()
				if a := call(t, srv, http.MethodPut, "/admin/inventory/KETTLE-1", `{"on_hand":`+strconv.Itoa(onHand)+`}`, auth...); a.status/100 != 2 {
					t.Fatalf("set level: %d %s", a.status, a.body)
				}
			}
			setStock(0)
			gone := func(r searchAnswer) bool { return r.Total == 0 }
			r, took := waitSearch(t, srv, "q=kettle&available=true", 2*time.Second, gone)
			if !gone(r) {
				t.Fatalf("sold-out product still available=true after 2 s: %+v", r)
			}
			t.Logf("sold out → unavailable in search in %s", took)
			unavailableHit := func(r searchAnswer) bool { return hit(r) && !r.Data[0].Available }
			if r, _ := waitSearch(t, srv, "q=kettle&facets=available", 0, unavailableHit); !unavailableHit(r) || r.Facets["available"][0]["value"] != "false" {
				t.Errorf("hit of a sold-out product: %+v", r)
			}

			setStock(5)
			r, took = waitSearch(t, srv, "q=kettle&available=true", 2*time.Second, availableHit)
			if !availableHit(r) {
				t.Fatalf("restocked product not available after 2 s: %+v", r)
			}
			t.Logf("restocked → available in search in %s", took)

			// Sold out again, then a restart and a rebuild keep it so.
			setStock(0)
			if r, _ := waitSearch(t, srv, "q=kettle&available=true", 2*time.Second, gone); !gone(r) {
				t.Fatalf("sold out again: %+v", r)
			}
			srv.Close()
			a.Stop(context.Background())
			if cfg.PostgresURL != "" {
				return // the rest checks the embedded data directory
			}
			a = start()
			srv = httptest.NewServer(a.Handler())
			defer func() { srv.Close(); a.Stop(context.Background()) }()
			if r, _ := waitSearch(t, srv, "q=kettle", 2*time.Second, unavailableHit); !unavailableHit(r) {
				t.Errorf("stock lost on restart: %+v", r)
			}
			if err := a.Reindex(context.Background(), io.Discard); err != nil {
				t.Fatal(err)
			}
			if r, _ := waitSearch(t, srv, "q=kettle", 0, unavailableHit); !unavailableHit(r) {
				t.Errorf("stock lost in a rebuild: %+v", r)
			}
			setStock(3)
			if r, _ := waitSearch(t, srv, "q=kettle&available=true", 2*time.Second, availableHit); !availableHit(r) {
				t.Errorf("restock after a rebuild: %+v", r)
			}
		})
	}
}
