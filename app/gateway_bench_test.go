package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agoracommerce/agora/bench"
)

// BenchmarkGatewayCeiling measures the gateway's handler (edge, routing,
// proxying) in front of the bench's ceiling, in process.
func BenchmarkGatewayCeiling(b *testing.B) {
	up := httptest.NewServer(bench.CeilingHandler())
	defer up.Close()
	cfg := DefaultGatewayConfig()
	cfg.Upstreams = map[string][]string{"ceiling": {up.URL}}
	g, err := NewGateway(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer g.Stop(context.Background())
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(srv.URL + "/")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = res.Body.Read(make([]byte, 512))
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}

// BenchmarkCeilingDirect is the same load on the ceiling itself, the
// denominator of BenchmarkGatewayCeiling.
func BenchmarkCeilingDirect(b *testing.B) {
	up := httptest.NewServer(bench.CeilingHandler())
	defer up.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(up.URL + "/")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = res.Body.Read(make([]byte, 512))
			res.Body.Close()
		}
	})
}
