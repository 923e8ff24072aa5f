package httpx_test

import (
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/httpx"
)

func TestResponseCache(t *testing.T) {
	rc := httpx.NewResponseCache[[2]uint64](1<<20, time.Minute)
	r := httpx.CachedResponse{ETag: `"1"`, SurrogateKey: "p1", Body: []byte(`{}`)}
	if _, ok := rc.Get("k", [2]uint64{1, 1}); ok {
		t.Fatal("an empty cache answered")
	}
	rc.Set("k", [2]uint64{1, 1}, r)
	if got, ok := rc.Get("k", [2]uint64{1, 1}); !ok || got.ETag != r.ETag || string(got.Body) != "{}" {
		t.Fatalf("at its version: %+v, %v", got, ok)
	}
	if _, ok := rc.Get("k", [2]uint64{1, 2}); ok {
		t.Fatal("a response made at an older version was served")
	}
	rc.Set("k", [2]uint64{1, 2}, httpx.CachedResponse{ETag: `"2"`})
	if got, ok := rc.Get("k", [2]uint64{1, 2}); !ok || got.ETag != `"2"` {
		t.Fatalf("after a newer response: %+v, %v", got, ok)
	}
	if _, ok := rc.Get("other", [2]uint64{1, 2}); ok {
		t.Fatal("another key answered")
	}
}
