package app

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRequestBoundsThroughApp: bodies over AGORA_MAX_BODY are 413
// payload_too_large on every route, declared or streamed; list pages stop
// at 100; search bounds its words, facets and filters; oversized query
// strings are 400 query_too_large — never a 500.
func TestRequestBoundsThroughApp(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	cfg.MaxBody = 4 << 10
	_, srv := startApp(t, cfg)
	admin := []string{"Authorization", "Bearer " + testKey}

	big := `{"title":"` + strings.Repeat("x", 5<<10) + `"}`
	for _, tc := range []struct{ method, path string }{
		{"POST", "/store/carts"},
		{"POST", "/admin/products"},
		{"PUT", "/admin/inventory/SKU-1"},
		{"POST", "/store/nothing-here"},
	} {
		a := call(t, srv, tc.method, tc.path, big, admin...)
		if a.status != 413 || a.json(t)["code"] != "payload_too_large" {
			t.Errorf("%s %s with 5 KiB: %d %s", tc.method, tc.path, a.status, a.body)
		}
		// The same body streamed without a length.
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, io.MultiReader(strings.NewReader(big)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.ContentLength = -1
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 && resp.StatusCode != 404 {
			t.Errorf("%s %s streamed: %d", tc.method, tc.path, resp.StatusCode)
		}
	}
	// Under the configured limit, a body larger than huma's own default
	// would be fine too: the operations follow AGORA_MAX_BODY.
	if a := call(t, srv, "POST", "/admin/products", `{"title":"Small `+strings.Repeat("y", 2<<10)+`"}`, admin...); a.status == 413 || a.status >= 500 {
		t.Errorf("3 KiB product: %d %s", a.status, a.body)
	}

	for _, path := range []string{
		"/store/products?limit=101", "/store/search?limit=101", "/admin/products?limit=101",
		"/admin/orders?limit=101", "/admin/categories?limit=101", "/store/products?limit=-1",
	} {
		if a := call(t, srv, "GET", path, "", admin...); a.status != 400 || a.json(t)["code"] != "validation_failed" {
			t.Errorf("%s: %d %s", path, a.status, a.body)
		}
	}
	if a := call(t, srv, "GET", "/store/products?limit=100", ""); a.status != 200 {
		t.Errorf("limit=100: %d", a.status)
	}

	attrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "&attributes.color=c%d", i)
		}
		return b.String()
	}
	for _, path := range []string{
		"/store/search?q=" + strings.Repeat("a", 201),
		"/store/search?facets=" + strings.Repeat("category,", 11) + "price",
		"/store/search?q=x" + attrs(21),
		"/store/search/suggest?q=" + strings.Repeat("a", 201),
	} {
		if a := call(t, srv, "GET", path, ""); a.status != 400 {
			t.Errorf("%.60s…: %d %s", path, a.status, a.body)
		}
	}
	if a := call(t, srv, "GET", "/store/search?q=table&facets=category,price"+attrs(20), ""); a.status != 200 {
		t.Errorf("a search at its bounds: %d %s", a.status, a.body)
	}
	for _, path := range []string{
		"/store/products?x=" + strings.Repeat("a", 9<<10),
		"/store/products?" + strings.Repeat("a=1&", 101),
	} {
		if a := call(t, srv, "GET", path, ""); a.status != 400 || a.json(t)["code"] != "query_too_large" {
			t.Errorf("%.40s…: %d %s", path, a.status, a.body)
		}
	}
}

// TestTruncatedBody: a body shorter than its Content-Length (the client
// stopped sending) is a client error, never a 500.
func TestTruncatedBody(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /store/carts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"currency\"")
	_ = conn.(*net.TCPConn).CloseWrite()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return // the server hung up without an answer: nothing to check
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		b, _ := io.ReadAll(resp.Body)
		t.Errorf("truncated body: %d %s", resp.StatusCode, b)
	}
}
