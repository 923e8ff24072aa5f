package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogseed"
)

// BenchmarkStoreFlows serves the shopper's flows through the whole
// handler of a started App (every middleware, embedded SQLite and NATS, no
// network): the product page, adding to a cart, and a whole guest order.
// It is the in-process companion of `agora bench` for profiling
// (-cpuprofile, -memprofile).
func BenchmarkStoreFlows(b *testing.B) {
	cfg := DefaultConfig()
	cfg.DataDir = b.TempDir()
	cfg.AdminKey = testKey
	cfg.Addr = "127.0.0.1:0"
	a, _ := startApp(b, cfg)
	ctx := context.Background()
	if _, err := catalogseed.Generate(ctx, mustDep[catalog.Service](b, a.Env(), catalog.Module), catalogseed.Options{Products: 1000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	do := func(method, path, body string, header ...string) *httptest.ResponseRecorder {
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		} else {
			r = httptest.NewRequest(method, path, nil)
		}
		r.RemoteAddr = "127.0.0.1:40000"
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := do("GET", "/store/products?currency=EUR&limit=64", "")
	var page struct {
		Data []struct {
			Handle      string   `json:"handle"`
			CategoryIDs []string `json:"category_ids"`
			Variants    []struct {
				ID  string `json:"id"`
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Data) == 0 {
		b.Fatalf("listing: %d %s", rec.Code, rec.Body)
	}
	var variants []string
	for _, p := range page.Data {
		v := p.Variants[0]
		if r := do("PUT", "/admin/inventory/"+v.SKU, `{"on_hand":100000000}`, "Authorization", "Bearer "+testKey); r.Code != 200 {
			b.Fatalf("stock: %d %s", r.Code, r.Body)
		}
		variants = append(variants, v.ID)
	}
	newCart := func() string {
		r := do("POST", "/store/carts", `{"currency":"EUR"}`)
		if r.Code != 201 {
			b.Fatalf("cart: %d %s", r.Code, r.Body)
		}
		var c struct{ ID string }
		_ = json.Unmarshal(r.Body.Bytes(), &c)
		return c.ID
	}
	add := func(cart, variant string) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			r := do("POST", "/store/carts/"+cart+"/items", `{"variant_id":"`+variant+`","quantity":1}`)
			if r.Code == 200 {
				return
			}
			if r.Code != 404 || time.Now().After(deadline) {
				b.Fatalf("add: %d %s", r.Code, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	warm := newCart()
	for _, v := range variants { // the read models follow the catalog
		add(warm, v)
	}

	b.Run("product-page", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if r := do("GET", "/store/products/"+page.Data[i%len(page.Data)].Handle+"?currency=EUR", ""); r.Code != 200 {
				b.Fatalf("%d %s", r.Code, r.Body)
			}
			i++
		}
	})
	b.Run("category-listing", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			p := page.Data[i%len(page.Data)]
			if len(p.CategoryIDs) == 0 {
				continue
			}
			if r := do("GET", "/store/products?category="+p.CategoryIDs[0]+"&limit=24&currency=EUR", ""); r.Code != 200 {
				b.Fatalf("%d %s", r.Code, r.Body)
			}
			i++
		}
	})
	b.Run("add-to-cart", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		carts := make([]string, 64)
		for i := range carts {
			carts[i] = newCart()
		}
		i := 0
		for b.Loop() {
			add(carts[i%len(carts)], variants[(i/len(carts))%len(variants)])
			i++
		}
	})
	// 32 shoppers at once, as a storefront's traffic is: concurrent
	// writes share their commits (group commit), so this is the CPU cost
	// per request rather than the disk's latency.
	b.Run("add-to-cart-parallel", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		var next atomic.Int64
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			c := newCart()
			for i := 0; pb.Next(); i++ {
				if i%4 == 3 {
					c = newCart() // carts stay small
				}
				add(c, variants[int(next.Add(1))%len(variants)])
			}
		})
	})
	writes := func() (txs, commits uint64) {
		a.mu.Lock()
		defer a.mu.Unlock()
		for name, db := range a.dbs {
			t, c := db.WriteStats()
			txs, commits = txs+t, commits+c
			if testing.Verbose() {
				b.Logf("%s: %d write transactions, %d commits", name, t, c)
			}
		}
		return txs, commits
	}
	b.Run("guest-order-parallel", func(b *testing.B) {
		b.ReportAllocs()
		tx0, c0 := writes()
		defer func() {
			tx1, c1 := writes()
			b.ReportMetric(float64(tx1-tx0)/float64(b.N), "write-tx/order")
			b.ReportMetric(float64(c1-c0)/float64(b.N), "commits/order")
		}()
		var next atomic.Int64
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				c := newCart()
				add(c, variants[int(i)%len(variants)])
				body := `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},"payment":{"provider":"test","token":"tok_visa"}}`
				if r := do("POST", "/store/carts/"+c+"/checkout", body, "Idempotency-Key", fmt.Sprint("bench-p-", i)); r.Code != 201 {
					b.Errorf("checkout: %d %s", r.Code, r.Body)
					return
				}
			}
		})
	})
	b.Run("guest-order", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := newCart()
			add(c, variants[i%len(variants)])
			body := `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},"payment":{"provider":"test","token":"tok_visa"}}`
			if r := do("POST", "/store/carts/"+c+"/checkout", body, "Idempotency-Key", fmt.Sprint("bench-", i)); r.Code != 201 {
				b.Fatalf("checkout: %d %s", r.Code, r.Body)
			}
			i++
		}
	})
}

// reportCPU starts measuring the CPU time of the whole process (user and
// system, every goroutine: background commits and relays too); the
// function it returns reports it per operation as cpu-ns/op.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
