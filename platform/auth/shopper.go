package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Shopper is the caller of a store route: a customer with a session, or a
// guest (CustomerID empty). A context without a Shopper is not a store
// request: it is an admin request or a module calling another in process,
// which object-level checks trust.
type Shopper struct {
	CustomerID string
	SessionID  string
	Token      string // the session token, for calls that act on the session itself
	Groups     []string
}

type shopperKey struct{}

// WithShopper returns ctx carrying s.
func WithShopper(ctx context.Context, s Shopper) context.Context {
	return context.WithValue(ctx, shopperKey{}, s)
}

// ShopperOf returns the store caller of ctx; ok is false outside store
// requests.
func ShopperOf(ctx context.Context) (Shopper, bool) {
	s, ok := ctx.Value(shopperKey{}).(Shopper)
	return s, ok
}

// MayAccess reports whether the caller of ctx may see an object that
// belongs to ownerID (empty: a guest's object, reached by its unguessable
// id). Store callers reach only guest objects and their own; callers
// outside the store (admin, modules) reach everything.
func MayAccess(ctx context.Context, ownerID string) bool {
	s, ok := ShopperOf(ctx)
	return !ok || ownerID == "" || ownerID == s.CustomerID
}

// SessionAuthenticator resolves a customer session token.
type SessionAuthenticator func(ctx context.Context, token string) (Shopper, error)

// StoreMiddleware marks every /store/ request with its Shopper: a bearer
// token that starts with sessionPrefix+"_" is resolved by authenticate (an
// unknown, expired or revoked one is 401, so that a client learns its
// session ended instead of silently acting as a guest); without one the
// caller is a guest. Other bearer secrets (an order's access token) pass
// through untouched.
func StoreMiddleware(sessionPrefix string, authenticate SessionAuthenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/store/") {
			next.ServeHTTP(w, r)
			return
		}
		var s Shopper
		if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.HasPrefix(strings.TrimSpace(token), sessionPrefix+"_") {
			var err error
			token = strings.TrimSpace(token)
			s, err = authenticate(r.Context(), token)
			s.Token = token
			if err != nil {
				if errs.Is(err, errs.Unauthorized) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="agora-store", error="invalid_token"`)
				}
				httpx.WriteProblem(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(WithShopper(r.Context(), s)))
	})
}

// RequireCustomer returns the customer of a store request, or Unauthorized
// when the caller is a guest.
func RequireCustomer(ctx context.Context) (Shopper, error) {
	s, ok := ShopperOf(ctx)
	if !ok || s.CustomerID == "" {
		return Shopper{}, errs.E(errs.Unauthorized, "unauthorized", "log in first: send Authorization: Bearer <session token>")
	}
	return s, nil
}
