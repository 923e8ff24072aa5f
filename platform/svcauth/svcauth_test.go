package svcauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/svcauth"
)

const secret = "a-deployment-secret-of-forty-characters!"

// Permissions of the order module, as its routes declare them.
const (
	ordersRead   auth.Permission = "orders:read"
	ordersWrite  auth.Permission = "orders:write"
	ordersRefund auth.Permission = "orders:refund"
)

func keys(t *testing.T, secret string, now func() time.Time) *svcauth.Keys {
	t.Helper()
	k, err := svcauth.NewKeys(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// seen is what the callee's handler found in its context.
type seen struct {
	Principal   *auth.Principal
	Shopper     *auth.Shopper
	Channel     string
	Deadline    time.Time
	HasDeadline bool
}

func callee(t *testing.T, k *svcauth.Keys, service string) *httptest.Server {
	t.Helper()
	h := k.Middleware([]string{service}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s seen
		if p, ok := auth.PrincipalOf(r.Context()); ok {
			s.Principal = &p
		}
		if sh, ok := auth.ShopperOf(r.Context()); ok {
			s.Shopper = &sh
		}
		s.Channel = httpx.SalesChannel(r.Context())
		s.Deadline, s.HasDeadline = r.Context().Deadline()
		_ = json.NewEncoder(w).Encode(s)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestCallCarriesTheCaller: a signed call reaches the callee acting for
// the same staff key, shopper and channel, under the same deadline.
func TestCallCarriesTheCaller(t *testing.T) {
	k := keys(t, secret, nil)
	srv := callee(t, k, "inventory")
	client := &http.Client{Transport: &svcauth.Transport{Keys: k, From: "order", To: "inventory"}}

	ctx := auth.WithPrincipal(context.Background(), auth.Principal{KeyID: "key_1", Role: auth.Support,
		Permissions: auth.NewSet(ordersRead, ordersWrite)})
	ctx = auth.WithShopper(ctx, auth.Shopper{CustomerID: "cus_1", SessionID: "ses_1", Token: "secret-session-token", Groups: []string{"vip"}})
	ctx = httpx.WithSalesChannel(ctx, "wholesale")
	deadline := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s seen
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil || res.StatusCode != 200 {
		t.Fatalf("status %d, %v", res.StatusCode, err)
	}
	if s.Principal == nil || s.Principal.KeyID != "key_1" || s.Principal.Role != auth.Support ||
		!s.Principal.Can(ordersWrite) || s.Principal.Can(ordersRefund) {
		t.Errorf("principal %+v: want key_1, support, orders:read and orders:write only", s.Principal)
	}
	if s.Shopper == nil || s.Shopper.CustomerID != "cus_1" || s.Shopper.SessionID != "ses_1" || len(s.Shopper.Groups) != 1 {
		t.Errorf("shopper %+v", s.Shopper)
	}
	if s.Shopper != nil && s.Shopper.Token != "" {
		t.Errorf("the shopper's session token left the caller: %q", s.Shopper.Token)
	}
	if s.Channel != "wholesale" || !s.HasDeadline || !s.Deadline.Equal(deadline) {
		t.Errorf("channel %q, deadline %v (%v): want wholesale and %v", s.Channel, s.Deadline, s.HasDeadline, deadline)
	}
}

// TestBadTokens: no token, a token for another service, an expired one,
// one signed with another secret and a tampered one are all 401.
func TestBadTokens(t *testing.T) {
	k := keys(t, secret, nil)
	srv := callee(t, k, "inventory")
	past := keys(t, secret, func() time.Time { return time.Now().Add(-2 * svcauth.TTL) })
	other := keys(t, strings.Repeat("x", 40), nil)
	sign := func(k *svcauth.Keys, to string) string {
		tok, err := k.Sign(context.Background(), "order", to)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(k, "inventory")
	tampered := good[:len(good)-4] + "AAAA"
	if tampered == good {
		tampered = good[:len(good)-4] + "BBBB"
	}
	for name, header := range map[string]string{
		"none":           "",
		"another callee": "Bearer " + sign(k, "payment"),
		"expired":        "Bearer " + sign(past, "inventory"),
		"another secret": "Bearer " + sign(other, "inventory"),
		"tampered":       "Bearer " + tampered,
		"not a token":    "Bearer nonsense",
		"another scheme": "Basic " + good,
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, res.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Authorization", "Bearer "+good)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("a good token: status %d", res.StatusCode)
	}
}

func TestShortSecret(t *testing.T) {
	if _, err := svcauth.NewKeys("short", nil); err == nil {
		t.Fatal("a 5-character secret was accepted")
	}
}
