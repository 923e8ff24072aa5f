// Package auth decides who may call the admin API and what a store request
// shows.
//
// An admin caller presents a secret as "Authorization: Bearer <key>": the
// owner key of AGORA_ADMIN_KEY, or an API key made through the admin API or
// `agora keys create --role ROLE`. Keys are shown once and stored only as
// SHA-256 hashes (they are long random secrets, so a fast hash is enough).
// Each key has a role — a built-in one or a custom role stored here — and
// each role a set of permissions. Every admin operation declares the one
// permission it needs in a single Routes table; the admin middleware
// (Guard) answers 401 unauthorized without a valid key and 403 forbidden
// when the key's role lacks the permission. Nobody can grant what they do
// not hold: creating a key or a role, or revoking a key, needs every
// permission involved.
//
// A store request may carry "X-Publishable-Key: pk_…", a public key that
// selects a sales channel (httpx.SalesChannel reads it in handlers); an
// unknown or revoked publishable key is 401, and no key is the default
// channel.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"embed"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the key store's embedded migrations.
func Migrations() fs.FS { sub, _ := fs.Sub(migrations, "migrations"); return sub }

// MinOwnerKey is the shortest AGORA_ADMIN_KEY accepted.
const MinOwnerKey = 32

// OwnerKeyID is the key id of the AGORA_ADMIN_KEY owner key.
const OwnerKeyID = "owner"

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

// Keys stores admin API keys, custom roles and publishable keys.
type Keys struct {
	db       *sqldb.DB
	ownerKey []byte
	now      func() time.Time
	mu       sync.Mutex
	used     map[string]time.Time // key id → last use not yet written
	pk       pkCache

	pwOnce    sync.Once
	passwords *Passwords
}

// NewKeys returns the key store; ownerKey (may be empty) is AGORA_ADMIN_KEY.
func NewKeys(db *sqldb.DB, ownerKey string, now func() time.Time) *Keys {
	return &Keys{db: db, ownerKey: []byte(ownerKey), now: now, used: map[string]time.Time{}, pk: newPKCache()}
}

func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func randomSecret(prefix string) (string, error) {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), nil
}

// Create makes a key with role (built-in or custom) and returns its
// secret, which is not stored and cannot be shown again. It checks no
// caller's permissions: it is for the operator (`agora keys create`) and
// the first start; the admin API uses CreateKey. An unknown role is
// Invalid.
func (k *Keys) Create(ctx context.Context, role Role, name string) (keyID, secret string, err error) {
	key, err := k.CreateKey(ctx, CreateKeyCommand{Role: role, Name: name})
	return key.ID, key.Secret, err
}

var errUnauthorized = errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required")

// Count reports how many unrevoked keys exist.
func (k *Keys) Count(ctx context.Context) (int, error) {
	var n int
	err := k.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE revoked_at IS NULL`).Scan(&n)
	return n, err
}

// Authenticate returns the principal of a secret — an API key or a staff
// session token — with the permissions of its role now, or Unauthorized.
func (k *Keys) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" || len(secret) > 200 {
		return Principal{}, errUnauthorized
	}
	if strings.HasPrefix(secret, StaffSessionPrefix+"_") {
		return k.authenticateSession(ctx, secret)
	}
	if len(k.ownerKey) > 0 && subtle.ConstantTimeCompare([]byte(secret), k.ownerKey) == 1 {
		return Principal{KeyID: OwnerKeyID, Role: Owner, Permissions: NewSet(builtin[Owner]...)}, nil
	}
	var p Principal
	var role string
	var perms sql.NullString
	err := k.db.Primary().QueryRowContext(ctx, `SELECT k.id, k.role, r.permissions FROM platform_api_keys k
		LEFT JOIN platform_roles r ON r.name = k.role WHERE k.hash = ? AND k.revoked_at IS NULL`, hashKey(secret)).Scan(&p.KeyID, &role, &perms)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errUnauthorized
	}
	if err != nil {
		return Principal{}, errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	p.Role = Role(role)
	p.Permissions = permissionsOf(p.Role, perms)
	k.mu.Lock()
	k.used[p.KeyID] = k.now().UTC()
	k.mu.Unlock()
	return p, nil
}

// permissionsOf is the set of a built-in role, or of a custom role's stored
// permissions (empty when the role is gone: such a key can do nothing).
func permissionsOf(role Role, stored sql.NullString) Set {
	if ps, ok := builtin[role]; ok {
		return NewSet(ps...)
	}
	var ps []Permission
	if stored.Valid {
		_ = json.Unmarshal([]byte(stored.String), &ps)
	}
	// A permission granted to a custom role is never owner-only, but a
	// stored row is not trusted to say so.
	s := NewSet(ps...)
	for p := range s {
		if OwnerOnly(p) || !Known(p) {
			delete(s, p)
		}
	}
	return s
}

// FlushLastUsed writes the last-use times gathered since the last flush
// (batched so that reads do not write on every request).
func (k *Keys) FlushLastUsed(ctx context.Context) error {
	k.mu.Lock()
	used := k.used
	k.used = map[string]time.Time{}
	k.mu.Unlock()
	for kid, t := range used {
		if _, err := k.db.ExecContext(ctx, `UPDATE platform_api_keys SET last_used_at = ? WHERE id = ?`, t, kid); err != nil {
			return err
		}
	}
	return nil
}

// pending returns the last use of a key not yet written, if any.
func (k *Keys) pending(keyID string) (time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.used[keyID]
	return t, ok
}

// newID is id.New, kept in one place for the store's tables.
func newID(prefix string) string { return id.New(prefix) }
