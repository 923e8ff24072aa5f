// Package svcauth authenticates calls between Agora's services: a module
// that calls another one in another process sends a short-lived token
// signed with a key derived from the deployment's service secret
// (AGORA_SERVICE_SECRET), naming the caller and the callee and carrying the
// identity of the request it serves (the staff key and its permissions, the
// shopper, the sales channel), and its deadline in a header. The callee
// checks the token and restores that identity and deadline in its context,
// so a remote call sees what an in-process call would. See ADR 17.
package svcauth

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// MinSecret is the shortest service secret accepted.
const MinSecret = 32

// TTL is how long a token is valid: long enough for clock skew between
// hosts, short enough that a leaked one is soon useless.
const TTL = time.Minute

// DeadlineHeader carries the deadline of the calling request, in Unix
// milliseconds.
const DeadlineHeader = "Agora-Deadline"

// ActingHeader names the module a call acts for (the order settling its
// payment); it is read only on calls with a valid service token.
const ActingHeader = "Agora-Acting-Module"

type actingKey struct{}

// Acting returns the module a service call acts for, or "" (for every
// public request: only Middleware sets it).
func Acting(ctx context.Context) string {
	s, _ := ctx.Value(actingKey{}).(string)
	return s
}

// Keys sign and check service tokens.
type Keys struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	now  func() time.Time
}

// NewKeys derives the signing keys from the deployment's service secret;
// every service of a deployment has the same secret. now is time.Now when
// nil.
func NewKeys(secret string, now func() time.Time) (*Keys, error) {
	if len(secret) < MinSecret {
		return nil, errors.New("svcauth: the service secret must have at least " + strconv.Itoa(MinSecret) + " characters")
	}
	seed, err := hkdf.Key(sha256.New, []byte(secret), nil, "agora service token v1", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if now == nil {
		now = time.Now
	}
	return &Keys{priv: priv, pub: priv.Public().(ed25519.PublicKey), now: now}, nil
}

// Claims are what a service token says.
type Claims struct {
	jwt.RegisteredClaims
	// Staff is the admin caller the request acts for, if any.
	Staff *Staff `json:"stf,omitempty"`
	// Shopper is the store caller the request acts for, if any.
	Shopper *auth.Shopper `json:"shp,omitempty"`
	// Channel is the request's sales channel ("" for the default one).
	Channel string `json:"chn,omitempty"`
}

// Staff is an admin principal as a token carries it.
type Staff struct {
	KeyID       string            `json:"kid"`
	Role        auth.Role         `json:"role"`
	Permissions []auth.Permission `json:"perms"`
}

// Sign returns a token for a call from service from to service to, on
// behalf of the request of ctx.
func (k *Keys) Sign(ctx context.Context, from, to string) (string, error) {
	now := k.now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: from, Audience: jwt.ClaimStrings{to},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(TTL)),
		},
		Channel: httpx.SalesChannel(ctx),
	}
	if p, ok := auth.PrincipalOf(ctx); ok {
		perms := make([]auth.Permission, 0, len(p.Permissions))
		for perm := range p.Permissions {
			perms = append(perms, perm)
		}
		slices.Sort(perms)
		c.Staff = &Staff{KeyID: p.KeyID, Role: p.Role, Permissions: perms}
	}
	if s, ok := auth.ShopperOf(ctx); ok {
		s.Token = "" // the session token stays with the service that resolved it
		c.Shopper = &s
	}
	return jwt.NewWithClaims(jwt.SigningMethodEdDSA, c).SignedString(k.priv)
}

var errToken = errs.E(errs.Unauthorized, "unauthorized", "a valid service token is required")

// Verify checks a token addressed to one of the services to and returns
// its claims; a token that is malformed, forged, expired or addressed to
// another service is Unauthorized.
func (k *Keys) Verify(token string, to ...string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return k.pub, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(k.now), jwt.WithLeeway(5*time.Second))
	if err != nil || !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(to, a) }) {
		return Claims{}, errToken
	}
	return c, nil
}

// Context returns ctx acting for the caller the claims name.
func (c Claims) Context(ctx context.Context) context.Context {
	if c.Staff != nil {
		ctx = auth.WithPrincipal(ctx, auth.Principal{KeyID: c.Staff.KeyID, Role: c.Staff.Role, Permissions: auth.NewSet(c.Staff.Permissions...)})
	}
	if c.Shopper != nil {
		ctx = auth.WithShopper(ctx, *c.Shopper)
	}
	if c.Channel != "" {
		ctx = httpx.WithSalesChannel(ctx, c.Channel)
	}
	return ctx
}

// Middleware admits only calls with a valid token addressed to one of the
// services to (401 otherwise); their context carries the caller's
// identity and the deadline of the calling request.
func (k *Keys) Middleware(to []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			httpx.WriteProblem(w, r, errToken)
			return
		}
		c, err := k.Verify(strings.TrimSpace(token), to...)
		if err != nil {
			httpx.WriteProblem(w, r, err)
			return
		}
		ctx := c.Context(r.Context())
		if m := r.Header.Get(ActingHeader); m != "" {
			ctx = context.WithValue(ctx, actingKey{}, m)
		}
		if ms, err := strconv.ParseInt(r.Header.Get(DeadlineHeader), 10, 64); err == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, time.UnixMilli(ms))
			defer cancel()
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Transport signs every request it sends as a call from service From to
// service To, on behalf of the request's context, and sends the context's
// deadline and request id along.
type Transport struct {
	Keys     *Keys
	From, To string
	// Base sends the requests; http.DefaultTransport when nil.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	token, err := t.Keys.Sign(r.Context(), t.From, t.To)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	if d, ok := r.Context().Deadline(); ok {
		r.Header.Set(DeadlineHeader, strconv.FormatInt(d.UnixMilli(), 10))
	}
	if rid := httpx.RequestID(r.Context()); rid != "" {
		r.Header.Set(httpx.RequestIDHeader, rid)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
