// Package clientip tells which client address a request comes from: the
// peer of the connection, or, when that peer is a trusted proxy, the
// address the proxies recorded in X-Forwarded-For. Rate limits, abuse
// detection and login throttles key on it, so a client cannot pick its own
// address by sending a header.
package clientip

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds the client address of requests.
type Resolver struct {
	// Trusted are the proxies whose X-Forwarded-For is believed. Empty:
	// the header is ignored and the connection's peer is the client.
	Trusted []netip.Prefix
}

// ParsePrefixes reads a list of addresses or CIDR prefixes ("10.0.0.0/8",
// "127.0.0.1", "::1"); a bare address is a prefix of its full length.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if p, err := netip.ParsePrefix(part); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", part)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// Contains reports whether a is inside one of prefixes.
func Contains(prefixes []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer is the address of the connection's other end, or the zero Addr when
// RemoteAddr is not an address (an in-process test request, say).
func Peer(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

// Of returns the client address of r. When the peer is trusted, the
// X-Forwarded-For entries are read from the right (the nearest proxy
// first), skipping trusted proxies; the first other address is the
// client. An unreadable entry stops the walk at the last address that was
// read, so garbage can never make up an address.
func (res Resolver) Of(r *http.Request) netip.Addr {
	addr := Peer(r)
	if len(res.Trusted) == 0 || !addr.IsValid() || !Contains(res.Trusted, addr) {
		return addr
	}
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			h := strings.TrimSpace(hops[j])
			a, err := netip.ParseAddr(h)
			if err != nil {
				if ap, err2 := netip.ParseAddrPort(h); err2 == nil {
					a = ap.Addr()
				} else {
					return addr
				}
			}
			addr = a.Unmap()
			if !Contains(res.Trusted, addr) {
				return addr
			}
		}
	}
	return addr
}

type ctxKey struct{}

// Middleware resolves each request's client address once and keeps it in
// the request's context for From.
func (res Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, res.Of(r))))
	})
}

// From returns the client address Middleware resolved, and whether there
// is one.
func From(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(ctxKey{}).(netip.Addr)
	return a, ok && a.IsValid()
}

// WithAddr returns ctx carrying a as the client address (for tests and for
// callers outside HTTP).
func WithAddr(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// Key is the string limits and counters key an address on: an IPv4
// address as is, an IPv6 address by its /64 network, since one subscriber
// usually holds a whole /64 and could otherwise rotate through it. The
// zero Addr is "unknown".
func Key(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
