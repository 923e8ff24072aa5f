package clientip_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/agoracommerce/agora/platform/clientip"
)

func TestOf(t *testing.T) {
	trusted, err := clientip.ParsePrefixes([]string{"10.0.0.0/8, 127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"peer without proxies", "198.51.100.7:5000", []string{"1.2.3.4"}, nil, "198.51.100.7"},
		{"untrusted peer's header is ignored", "198.51.100.7:5000", []string{"1.2.3.4"}, trusted, "198.51.100.7"},
		{"trusted proxy", "10.1.2.3:5000", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
		{"spoofed left entries are skipped", "10.1.2.3:5000", []string{"6.6.6.6, 203.0.113.9"}, trusted, "203.0.113.9"},
		{"chain of trusted proxies", "127.0.0.1:5000", []string{"203.0.113.9, 10.9.9.9", "10.0.0.2"}, trusted, "203.0.113.9"},
		{"only proxies", "10.1.2.3:5000", []string{"10.0.0.5"}, trusted, "10.0.0.5"},
		{"garbage stops the walk", "10.1.2.3:5000", []string{"203.0.113.9, not-an-ip"}, trusted, "10.1.2.3"},
		{"no header", "10.1.2.3:5000", nil, trusted, "10.1.2.3"},
		{"ipv6 peer", "[::1]:5000", []string{"[2001:db8::1]:443"}, trusted, "2001:db8::1"},
		{"v4-mapped peer", "[::ffff:198.51.100.7]:5000", nil, nil, "198.51.100.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := (clientip.Resolver{Trusted: tc.trusted}).Of(r); got.String() != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	if _, err := clientip.ParsePrefixes([]string{"10.0.0.0/8", "nonsense"}); err == nil {
		t.Error("nonsense accepted")
	}
	p, err := clientip.ParsePrefixes([]string{"10.1.2.3/8"})
	if err != nil || p[0].String() != "10.0.0.0/8" {
		t.Errorf("%v, %v", p, err)
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":     "198.51.100.7",
		"2001:db8:1:2::9":  "2001:db8:1:2::/64",
		"::ffff:192.0.2.1": "192.0.2.1",
	} {
		if got := clientip.Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s, want %s", in, got, want)
		}
	}
	if clientip.Key(netip.Addr{}) != "unknown" {
		t.Error("zero address")
	}
}

func TestMiddleware(t *testing.T) {
	var got netip.Addr
	h := clientip.Resolver{}.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = clientip.From(r.Context())
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.4:1234"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got.String() != "192.0.2.4" {
		t.Errorf("From = %s", got)
	}
}
