package ratelimit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/cache/cachetest"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

var generous = ratelimit.Limit{Events: 1_000_000, Period: time.Second, Burst: 1_000_000}

// BenchmarkMemory: one decision, many goroutines over 10,000 client keys.
func BenchmarkMemory(b *testing.B) {
	m := ratelimit.NewMemory(generous, ratelimit.MemoryConfig{}, nil)
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprint("addr:198.51.", i/256, ".", i%256)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1)) * 7919
		for pb.Next() {
			i++
			_, _ = m.AllowN(context.Background(), keys[i%len(keys)], 1)
		}
	})
}

// BenchmarkRedis: one decision through Redis (one round trip per request).
func BenchmarkRedis(b *testing.B) {
	url := cachetest.RedisURL(b)
	rdb, _ := ratelimit.NewRedisClient(url)
	defer rdb.Close()
	r := ratelimit.NewRedis(rdb, "bench", generous)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1)) * 7919
		for pb.Next() {
			i++
			if _, err := r.AllowN(context.Background(), fmt.Sprint("k", i%10_000), 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHTTP: the middleware around a handler that does nothing, for a
// limited address and for an exempt one (loopback).
func BenchmarkHTTP(b *testing.B) {
	for _, remote := range []string{"198.51.100.7:1234", "127.0.0.1:1234"} {
		b.Run(remote, func(b *testing.B) {
			h := httpx.Base(slog.New(slog.NewTextHandler(io.Discard, nil)), clientip.Resolver{}.Middleware(
				ratelimit.NewHTTP(ratelimit.DefaultHTTPConfig(), ratelimit.NewMemory(generous, ratelimit.MemoryConfig{}, nil), nil, nil).Middleware(
					http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))))
			r := httptest.NewRequest("GET", "/store/products", nil)
			r.RemoteAddr = remote
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}
