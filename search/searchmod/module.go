// Package searchmod is the search module's definition: what it needs and how it
// starts in an Agora process (platform/module).
package searchmod

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/search"
	"github.com/agoracommerce/agora/search/searchhttp"
	"github.com/agoracommerce/agora/search/searchsvc"
)

// Module wires the search read model: its index lives in
// <data>/search, fed by a durable consumer of the catalog's events, of
// inventory's level changes (stock) and of pricing's price-list events
// that is this instance's own (every instance holds a full replica).
// Inventory and pricing are not dependencies: without them, every product
// stays in stock at its catalog price.
func Module() module.Module {
	return module.Module{
		Name:        search.Module,
		Client:      func(c *httpx.Client) any { return searchhttp.NewClient(c) },
		Permissions: searchhttp.Permissions,
		Deps:        []string{catalog.Module},
		// The index's snapshot (about 0.6 s at 100,000 products) is read
		// while the modules before search start.
		Prepare: func(cfg module.Settings) (any, error) {
			return searchsvc.ReadSnapshotFile(filepath.Join(cfg.DataDir, "search"))
		},
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			cat, err := module.Dep[catalog.Service](env, catalog.Module)
			if err != nil {
				return nil, err
			}
			dir := filepath.Join(env.Settings.DataDir, "search")
			cfg := searchsvc.DefaultConfig()
			cfg.Dir = dir
			cfg.Snapshot = func() (searchsvc.Snapshot, error) {
				v, err := env.Prepared(search.Module)
				snap, _ := v.(searchsvc.Snapshot)
				return snap, err
			}
			log := env.Log.With("module", search.Module)
			svc, err := searchsvc.New(cfg, cat, log, env.Now)
			if err != nil {
				return nil, err
			}
			instance, err := instanceID(dir)
			if err != nil {
				return nil, err
			}
			sub := svc.Subscription()
			sub.Durable = "search-" + instance
			stop, err := env.Bus.Subscribe(ctx, sub)
			if err != nil {
				_ = svc.Close()
				return nil, err
			}
			// A rebuild reads the price lists from pricing when it runs here.
			svc.ReadPricingFrom(func() searchsvc.Pricing {
				if p, ok, _ := module.Optional[pricing.Service](env, pricing.Module); ok {
					return p
				}
				return nil
			})
			searchhttp.Register(env.API, svc)
			env.Provide(search.Module, search.Service(svc))

			pending := func() float64 {
				c, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				n, err := env.Bus.ConsumerLag(c, sub.Durable)
				if err != nil {
					return -1
				}
				return float64(n)
			}
			env.Metrics.Registry.MustRegister(
				prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agora_search_pending_events", Help: "Catalog, inventory and pricing events the search index has not applied yet (-1: unknown)."}, pending),
				prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agora_search_lag_seconds", Help: "Age of the newest applied event while events wait; 0 when the index is up to date."}, func() float64 {
					if pending() <= 0 {
						return 0
					}
					t := svc.LastEventTime()
					if t.IsZero() {
						return 0
					}
					return env.Now().Sub(t).Seconds()
				}),
				prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agora_search_documents", Help: "Searchable products in the index."}, func() float64 {
					return float64(svc.Index().Len())
				}),
			)
			return &module.Running{
				Run: svc.Run,
				Stop: func(ctx context.Context) error {
					stop()
					return svc.Close()
				},
			}, nil
		},
	}
}

// instanceID is this data directory's own name for its search consumer.
func instanceID(dir string) (string, error) {
	path := filepath.Join(dir, "instance")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	id := hex.EncodeToString(r[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o640); err != nil {
		return "", fmt.Errorf("search: %w", err)
	}
	return id, nil
}
