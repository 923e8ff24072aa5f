// Package auth checks who calls the admin API. A caller presents a secret
// key as "Authorization: Bearer <key>": the owner key of AGORA_ADMIN_KEY, or
// a key made by `agora keys create --role ROLE`. Keys are shown once and
// stored only as SHA-256 hashes (they are long random secrets, so a fast
// hash is enough); each has a role, and each role a set of permissions.
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
	"errors"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the key store's embedded migrations.
func Migrations() fs.FS { sub, _ := fs.Sub(migrations, "migrations"); return sub }

// Role names a set of permissions.
type Role string

// The built-in roles.
const (
	Owner          Role = "owner"
	Admin          Role = "admin"
	CatalogManager Role = "catalog_manager"
	OrderManager   Role = "order_manager"
	Support        Role = "support"
	Analyst        Role = "analyst"
)

// Roles lists the built-in roles.
func Roles() []Role { return []Role{Owner, Admin, CatalogManager, OrderManager, Support, Analyst} }

// writes lists the admin resources each role may change; every role may read.
var writes = map[Role][]string{
	Owner:          {"*"},
	Admin:          {"*"},
	CatalogManager: {"products", "categories", "collections", "inventory", "price-lists", "pricing"},
	OrderManager:   {"orders", "inventory", "carts", "payments"},
	Support:        {"orders", "customers", "carts"},
	Analyst:        {},
}

// ValidRole reports whether r is a built-in role.
func ValidRole(r Role) bool { _, ok := writes[r]; return ok }

// Allowed reports whether role may perform method on the admin resource
// (the path segment after /admin/).
func Allowed(role Role, method, resource string) bool {
	res, ok := writes[role]
	if !ok {
		return false
	}
	if method == http.MethodGet || method == http.MethodHead {
		return true
	}
	return slices.Contains(res, "*") || slices.Contains(res, resource)
}

// MinOwnerKey is the shortest AGORA_ADMIN_KEY accepted.
const MinOwnerKey = 32

// Principal is an authenticated admin caller.
type Principal struct {
	KeyID string
	Role  Role
}

type ctxKey struct{}

// PrincipalOf returns the admin caller of ctx, if any.
func PrincipalOf(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Keys stores admin API keys.
type Keys struct {
	db       *sqldb.DB
	ownerKey []byte
	now      func() time.Time
	mu       sync.Mutex
	used     map[string]time.Time // key id → last use not yet written
}

// NewKeys returns the key store; ownerKey (may be empty) is AGORA_ADMIN_KEY.
func NewKeys(db *sqldb.DB, ownerKey string, now func() time.Time) *Keys {
	return &Keys{db: db, ownerKey: []byte(ownerKey), now: now, used: map[string]time.Time{}}
}

func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Create makes a key with role and returns its secret, which is not stored
// and cannot be shown again.
func (k *Keys) Create(ctx context.Context, role Role, name string) (keyID, secret string, err error) {
	if !ValidRole(role) {
		return "", "", errs.Validation(errs.Field("role", "must be one of owner, admin, catalog_manager, order_manager, support, analyst"))
	}
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	secret = "sk_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	keyID = id.New("key")
	_, err = k.db.ExecContext(ctx, `INSERT INTO platform_api_keys (id, hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		keyID, hashKey(secret), string(role), name, k.now().UTC())
	return keyID, secret, err
}

// Count reports how many unrevoked keys exist.
func (k *Keys) Count(ctx context.Context) (int, error) {
	var n int
	err := k.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE revoked_at IS NULL`).Scan(&n)
	return n, err
}

// Authenticate returns the principal of a secret, or Unauthorized.
func (k *Keys) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" || len(secret) > 200 {
		return Principal{}, errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required")
	}
	if len(k.ownerKey) > 0 && subtle.ConstantTimeCompare([]byte(secret), k.ownerKey) == 1 {
		return Principal{KeyID: "owner", Role: Owner}, nil
	}
	var p Principal
	var role string
	err := k.db.Primary().QueryRowContext(ctx, `SELECT id, role FROM platform_api_keys WHERE hash = ? AND revoked_at IS NULL`, hashKey(secret)).Scan(&p.KeyID, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required")
	}
	if err != nil {
		return Principal{}, errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	p.Role = Role(role)
	k.mu.Lock()
	k.used[p.KeyID] = k.now().UTC()
	k.mu.Unlock()
	return p, nil
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

// Middleware guards /admin/: a missing or wrong key is 401, a key whose
// role lacks the permission 403. Other paths pass through.
func (k *Keys) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/admin/")
		if !ok && r.URL.Path != "/admin" {
			next.ServeHTTP(w, r)
			return
		}
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="agora-admin"`)
			httpx.WriteProblem(w, r, errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required"))
			return
		}
		p, err := k.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if errs.Is(err, errs.Unauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="agora-admin", error="invalid_token"`)
			}
			httpx.WriteProblem(w, r, err)
			return
		}
		resource, _, _ := strings.Cut(rest, "/")
		if !Allowed(p.Role, r.Method, resource) {
			httpx.WriteProblem(w, r, errs.E(errs.Forbidden, "forbidden", "role %s may not %s %s", p.Role, r.Method, resource))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	})
}
