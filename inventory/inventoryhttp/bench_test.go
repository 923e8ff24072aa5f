package inventoryhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/inventory/inventoryhttp"
	"github.com/agoracommerce/agora/inventory/inventorysql"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// attempts sends POSTs of body to url from workers goroutines until stop
// answers true for an answer's status, and returns the requests per second
// and the number of 201 answers.
func attempts(b *testing.B, c *http.Client, url string, body []byte, workers int, done func(status int) bool) (float64, int64) {
	var n, created atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				resp, err := c.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
				if resp.StatusCode == http.StatusCreated {
					created.Add(1)
				}
				if done(resp.StatusCode) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), created.Load()
}

// BenchmarkFlashSaleHTTP is B6 over HTTP in one process: 256 buyers post
// reservations of one unit of a SKU with 10,000 units until it is sold
// out, through the middleware every request passes, on SQLite
// (synchronous=full); next to the ceiling, a bare net/http handler
// answering a fixed ~300-byte JSON document, loaded the same way in the
// same run. Run with -benchtime=1x.
func BenchmarkFlashSaleHTTP(b *testing.B) {
	const buyers, units = 256, 10_000
	tr := &http.Transport{MaxIdleConnsPerHost: buyers, MaxConnsPerHost: buyers}
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	doc := bytes.Repeat([]byte("x"), 280)
	ceiling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"%s"}`, doc)
	}))
	defer ceiling.Close()
	var sent atomic.Int64
	ceilRate, _ := attempts(b, c, ceiling.URL, []byte(`{}`), buyers, func(int) bool { return sent.Add(1) > units })

	cfg := sqldb.DefaultConfig()
	cfg.Synchronous = "full"
	st := inventorysql.New(inventorytest.MustOpenSQLiteConfig(b, cfg), nil)
	if err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	scfg := inventorysvc.DefaultConfig()
	scfg.Writers = st.Writers()
	svc := inventorysvc.New(st, scfg, slog.New(slog.DiscardHandler), time.Now)
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "bench", "")
	inventoryhttp.Register(api, svc)
	srv := httptest.NewServer(httpx.Base(slog.New(slog.DiscardHandler), mux))
	defer srv.Close()
	b.ResetTimer()
	var total float64
	for i := range b.N {
		sku := fmt.Sprintf("FLASH-HTTP-%d", i)
		inventorytest.MustSetLevel(b, svc, sku, "", units)
		sent.Store(0)
		body := []byte(fmt.Sprintf(`{"lines":[{"sku":%q,"quantity":1}]}`, sku))
		rate, created := attempts(b, c, srv.URL+"/admin/inventory/reservations", body, buyers, func(status int) bool {
			if status != http.StatusCreated && status != http.StatusConflict {
				b.Errorf("status %d", status)
				return true
			}
			return status == http.StatusConflict || sent.Add(1) > 2*units
		})
		if created != units {
			b.Fatalf("sold %d units, want exactly %d", created, units)
		}
		total += rate
	}
	b.StopTimer()
	inventorytest.MustReconcile(b, svc)
	rate := total / float64(b.N)
	b.ReportMetric(rate, "attempts/s")
	b.ReportMetric(ceilRate, "ceiling/s")
	b.ReportMetric(rate/ceilRate, "ratio")
}
