// Package auth holds the primitives of who calls Agora: the admin caller
// (Principal) and the store caller (Shopper) carried in a request's
// context, permissions and roles, the declaration of each admin
// operation's permission (Require, RoutesOf), the request Guard, password
// hashing and opaque tokens. It stores nothing: the access module keeps
// keys, roles, staff accounts and the audit log, and answers the Guard
// through Credentials.
//
// An admin caller presents a secret as "Authorization: Bearer <key>". The
// Guard asks Credentials who holds it and checks the permission the
// request's operation declares: 401 unauthorized without a valid
// credential, 403 forbidden when the caller's role lacks the permission.
// A store request may carry "X-Publishable-Key: pk_…", which Credentials
// resolves to a sales channel (httpx.SalesChannel reads it in handlers);
// an unknown or revoked publishable key is 401, and no key is the default
// channel.
package auth

import "context"

// Principal is an authenticated admin caller.
type Principal struct {
	// KeyID is the id of the API key ("owner" for AGORA_ADMIN_KEY), or
	// the staff id (stf_…) of a staff session.
	KeyID string
	Role  Role
	// Permissions are those of Role when the caller authenticated.
	Permissions Set
	// Session is the staff session token the caller authenticated with,
	// or "" for an API key.
	Session string
}

// Can reports whether the caller holds p.
func (p Principal) Can(perm Permission) bool { return p.Permissions.Has(perm) }

type ctxKey struct{}

// PrincipalOf returns the admin caller of ctx, if any.
func PrincipalOf(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p as its admin caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// Credentials resolves the credentials requests carry; the access module
// implements it.
type Credentials interface {
	// Authenticate returns the admin caller of a secret (an API key or a
	// staff session token) with the permissions of its role now, or
	// Unauthorized.
	Authenticate(ctx context.Context, secret string) (Principal, error)
	// Channel returns the sales channel of a publishable key, or
	// Unauthorized when the key is unknown or revoked.
	Channel(ctx context.Context, publishableKey string) (string, error)
}

// PublishableKeyHeader is the header a store request names its
// publishable key in.
const PublishableKeyHeader = "X-Publishable-Key"
