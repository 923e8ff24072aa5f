package accesssvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
)

// Credential is what a stored secret authenticates as.
type Credential struct {
	// ID is the key id, or the staff id of a session.
	ID   string
	Role auth.Role
	// Custom are the stored permissions of the custom role named Role;
	// nil when no custom role has that name (a built-in role, or one
	// deleted since).
	Custom []auth.Permission
	// ExpiresAt is when a session ends (zero for an API key).
	ExpiresAt time.Time
}

// Store is the access module's private persistence. It knows nothing of
// built-in roles or permissions: where a decision needs stored rows and a
// write in one transaction, the store reads the rows, calls the service's
// check, and writes only when the check returns nil (the check's error is
// returned as is). Missing rows are NotFound not_found.
type Store interface {
	// Role returns the stored custom role named name.
	Role(ctx context.Context, name auth.Role) (access.RoleInfo, error)
	// RoleNames returns up to limit names of stored roles after after,
	// sorted.
	RoleNames(ctx context.Context, after string, limit int) ([]auth.Role, error)
	// InsertRole stores a new custom role; a taken name is Conflict
	// role_exists.
	InsertRole(ctx context.Context, r access.RoleInfo) error
	// UpdateRole runs fn on the stored role and stores the result at the
	// next version, updated at at, in one transaction; a role changed
	// meanwhile is Conflict version_conflict.
	UpdateRole(ctx context.Context, name auth.Role, at time.Time, fn func(r *access.RoleInfo) error) (access.RoleInfo, error)
	// DeleteRole runs check on the stored role and on how many live keys
	// and enabled staff accounts have it, then deletes it, in one
	// transaction.
	DeleteRole(ctx context.Context, name auth.Role, check func(r access.RoleInfo, keys, staff int) error) error

	// InsertKey runs check on the stored custom role named k.Role (nil
	// when there is none) and stores k under hash, the hash of its
	// secret, in one transaction.
	InsertKey(ctx context.Context, k access.APIKey, hash string, check func(custom *access.RoleInfo) error) error
	// Key reads a key.
	Key(ctx context.Context, id string) (access.APIKey, error)
	// Keys lists live (or revoked) keys newest first; q.Limit is set.
	Keys(ctx context.Context, q access.KeyQuery) (access.Page[access.APIKey], error)
	// CountKeys reports how many live keys are stored.
	CountKeys(ctx context.Context) (int, error)
	// RevokeKey runs check on the key and its stored custom role (nil
	// when there is none), then marks the key revoked at at unless it
	// is, in one transaction.
	RevokeKey(ctx context.Context, id string, at time.Time, check func(k access.APIKey, custom *access.RoleInfo) error) error
	// KeyCredential returns the live key stored under hash.
	KeyCredential(ctx context.Context, hash string) (Credential, error)
	// SetLastUsed writes the last use of keys, by key id.
	SetLastUsed(ctx context.Context, used map[string]time.Time) error

	// InsertPublishableKey stores a publishable key.
	InsertPublishableKey(ctx context.Context, pk access.PublishableKey) error
	// PublishableKey reads a publishable key.
	PublishableKey(ctx context.Context, id string) (access.PublishableKey, error)
	// PublishableKeys lists live (or revoked) publishable keys newest
	// first; q.Limit is set.
	PublishableKeys(ctx context.Context, q access.PublishableKeyQuery) (access.Page[access.PublishableKey], error)
	// RevokePublishableKey marks a publishable key revoked at at unless
	// it is, and returns it.
	RevokePublishableKey(ctx context.Context, id string, at time.Time) (access.PublishableKey, error)
	// Channel returns the channel of the live publishable key token.
	Channel(ctx context.Context, token string) (string, error)

	// InsertStaff stores an account with its password hash; a taken
	// email is Conflict email_taken.
	InsertStaff(ctx context.Context, s access.Staff, hash string) error
	// Staff reads an account.
	Staff(ctx context.Context, id string) (access.Staff, error)
	// ListStaff lists accounts newest first; q.Limit is set.
	ListStaff(ctx context.Context, q access.StaffQuery) (access.Page[access.Staff], error)
	// StaffLogin returns the id and password hash of the account of a
	// (lower-cased) email, and whether it is disabled.
	StaffLogin(ctx context.Context, email string) (id, hash string, disabled bool, err error)
	// SetStaffPassword replaces an account's password hash (a rehash).
	SetStaffPassword(ctx context.Context, id, hash string) error
	// UpdateStaff runs fn on the stored account and stores the result at
	// the next version, updated at at, with hash as its password hash
	// when it is not "", in one transaction. It ends the account's
	// sessions when fn asks or the password changes. An account changed
	// meanwhile is Conflict version_conflict.
	UpdateStaff(ctx context.Context, id, hash string, at time.Time, fn func(s *access.Staff) (endSessions bool, err error)) (access.Staff, error)
	// InsertStaffSession stores a session under the hash of its token.
	InsertStaffSession(ctx context.Context, hash, staffID string, created, expires time.Time) error
	// RevokeStaffSession ends the session stored under hash.
	RevokeStaffSession(ctx context.Context, hash string, at time.Time) error
	// SessionCredential returns the session stored under hash, if it is
	// not revoked and its account is enabled (its expiry is the caller's
	// to check).
	SessionCredential(ctx context.Context, hash string) (Credential, error)

	// AppendAudit records an entry.
	AppendAudit(ctx context.Context, e access.Entry) error
	// AuditEntry reads an entry.
	AuditEntry(ctx context.Context, id string) (access.Entry, error)
	// AuditEntries lists entries newest first; q.Limit is set.
	AuditEntries(ctx context.Context, q access.AuditQuery) (access.Page[access.Entry], error)
}
