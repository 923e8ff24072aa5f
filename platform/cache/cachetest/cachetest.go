// Package cachetest is the test kit of the shared cache: a Redis to test
// against, or a clean skip when there is none.
package cachetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisURL returns a Redis to test against: AGORA_TEST_REDIS_URL, or a
// redis-server started for tb (and stopped after it) when the binary is
// installed. It skips tb when there is neither. Tests that share the
// Redis of AGORA_TEST_REDIS_URL must use keys of their own (a prefix).
func RedisURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("AGORA_TEST_REDIS_URL"); u != "" {
		return u
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("no AGORA_TEST_REDIS_URL and no redis-server installed")
	}
	port := FreePort(tb)
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		tb.Skip("redis-server does not start:", err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "redis://" + addr + "/0"
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatal("redis-server did not come up")
	return ""
}

// DownURL returns the URL of a Redis that is down: a port nobody listens on.
func DownURL(tb testing.TB) string {
	return fmt.Sprintf("redis://127.0.0.1:%d/0", FreePort(tb))
}

// FreePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// DeleteAfter deletes the keys that start with prefix from rdb when tb
// ends, so that tests leave a shared Redis as they found it.
func DeleteAfter(tb testing.TB, rdb *redis.Client, prefix string) {
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
}
