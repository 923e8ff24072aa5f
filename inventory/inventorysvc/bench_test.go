package inventorysvc_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// benchDBs are the databases of the benchmarks: SQLite with
// synchronous=full (the durable default of `agora serve`), and PostgreSQL
// with the pool size of `agora serve` (32) when configured.
func benchDBs(b *testing.B) map[string]func(b *testing.B) *sqldb.DB {
	dbs := map[string]func(b *testing.B) *sqldb.DB{
		"sqlite": func(b *testing.B) *sqldb.DB {
			cfg := sqldb.DefaultConfig()
			cfg.Synchronous = "full"
			return inventorytest.MustOpenSQLiteConfig(b, cfg)
		},
	}
	if os.Getenv(inventorytest.PostgresEnv) != "" {
		dbs["postgres"] = func(b *testing.B) *sqldb.DB {
			_, url := inventorytest.MustOpenPostgresURL(b)
			return inventorytest.MustOpenPostgresAt(b, url, 32)
		}
	}
	return dbs
}

// sale runs buyers goroutines that each reserve one unit of one of skus
// (buyer i buys skus[i%len(skus)]) until it is sold out, and returns the
// units reserved.
func sale(b *testing.B, svc inventory.Service, skus []string, buyers int, limit int64) int64 {
	var sold atomic.Int64
	var wg sync.WaitGroup
	ctx := context.Background()
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sku := skus[i%len(skus)]
			for sold.Load() <= limit {
				_, err := svc.Reserve(ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}}, TTLSeconds: 3600})
				if errs.HasCode(err, "out_of_stock") {
					return
				}
				if err != nil {
					b.Errorf("reserve: %v", err)
					return
				}
				sold.Add(1)
			}
		}()
	}
	wg.Wait()
	return sold.Load()
}

// BenchmarkFlashSale is scenario B6 at the service level: 256 concurrent
// buyers of one SKU with 10,000 units, with and without coalescing; and
// the same buyers spread over 64 SKUs. Every iteration is a whole sale
// of fresh SKUs; it fails unless exactly the stock is sold and the ledger
// reconciles. Run with -benchtime=1x (or 3x).
func BenchmarkFlashSale(b *testing.B) {
	const buyers = 256
	for name, open := range benchDBs(b) {
		for _, shape := range []struct {
			name        string
			skus, units int
		}{{"one-sku", 1, 10_000}, {"64-skus", 64, 200}} {
			for _, mode := range []struct {
				name     string
				coalesce bool
				writers  int
			}{{"coalesce", true, -1}, {"coalesce-per-sku", true, 0}, {"no-coalesce", false, 0}} {
				b.Run(fmt.Sprintf("%s/%s/%s", name, shape.name, mode.name), func(b *testing.B) {
					cfg := inventorysvc.DefaultConfig()
					cfg.Coalesce = mode.coalesce
					cfg.Writers = mode.writers
					svc := newSQLService(b, open(b), cfg, time.Now)
					var total time.Duration
					var sold int64
					for i := range b.N {
						b.StopTimer()
						skus := make([]string, shape.skus)
						for j := range skus {
							skus[j] = fmt.Sprintf("FLASH-%d-%d", i, j)
							inventorytest.MustSetLevel(b, svc, skus[j], "", int64(shape.units))
						}
						b.StartTimer()
						start := time.Now()
						got := sale(b, svc, skus, buyers, int64(shape.skus*shape.units))
						total += time.Since(start)
						sold += got
						if want := int64(shape.skus * shape.units); got != want {
							b.Fatalf("sold %d units, want exactly %d", got, want)
						}
						for _, sku := range skus {
							if st := inventorytest.MustStock(b, svc, sku).Totals; st.Reserved != int64(shape.units) || st.Available != 0 {
								b.Fatalf("%s: totals %+v", sku, st)
							}
						}
					}
					b.StopTimer()
					inventorytest.MustReconcile(b, svc)
					b.ReportMetric(float64(sold)/total.Seconds(), "reservations/s")
					b.ReportMetric(0, "oversold")
				})
			}
		}
	}
}
