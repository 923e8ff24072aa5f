// Package access is the contract of Agora's access module.
//
// The access module decides who may call the admin API and keeps what it
// did. It owns admin API keys, roles (the built-in ones and custom ones),
// publishable keys (sales channels), staff accounts with their sessions,
// and the audit log of admin changes.
//
// An admin caller presents a secret as "Authorization: Bearer <key>": the
// owner key of AGORA_ADMIN_KEY, an API key made through the admin API or
// `agora keys create --role ROLE`, or the session token of a staff login.
// Keys are shown once and stored only as SHA-256 hashes (they are long
// random secrets, so a fast hash is enough); staff passwords are argon2id
// hashes. Each key and staff account has a role, and each role a set of
// permissions. Every module declares the permissions of its operations in
// its definition (platform/module), with the built-in roles that hold
// each; the built-in roles are built from those declarations. Nobody can
// grant what they do not hold: creating a key, a role or a staff account,
// or revoking a key, needs every permission involved.
//
// The module's request guard (platform/auth.Guard) answers 401
// unauthorized without a valid credential and 403 forbidden when the
// caller's role lacks the operation's permission. A store request may
// carry "X-Publishable-Key: pk_…", a public key that selects a sales
// channel; an unknown or revoked one is 401, and no key is the default
// channel.
//
// The audit log records every admin change that succeeded — who, what,
// when, from where, the resource before and after — and is append-only:
// nothing changes or deletes an entry, and the database refuses it.
//
// The module's tables keep the names they had as part of the platform
// (platform_api_keys, platform_audit_log, …). It emits and consumes no
// events.
package access

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/auth"
)

// Module is the module's name.
const Module = "access"

// MinOwnerKey is the shortest AGORA_ADMIN_KEY accepted.
const MinOwnerKey = 32

// OwnerKeyID is the key id of the AGORA_ADMIN_KEY owner key.
const OwnerKeyID = "owner"

// StaffSessionTTL is how long an admin session lasts.
const StaffSessionTTL = 12 * time.Hour

// StaffSessionPrefix starts every admin session token.
const StaffSessionPrefix = "stf_sess"

// PublishableKeyTTL is how long a process trusts what it read about a
// publishable key: a key revoked on another instance stops working here
// within it.
const PublishableKeyTTL = 30 * time.Second

// Stable error codes (besides validation_failed, not_found, unauthorized
// and forbidden).
const (
	CodeRoleExists  = "role_exists"      // Conflict: a built-in or stored role has the name
	CodeBuiltInRole = "built_in_role"    // Conflict: built-in roles cannot be changed or deleted
	CodeRoleInUse   = "role_in_use"      // Conflict: live keys or enabled staff accounts have the role
	CodeVersion     = "version_conflict" // Conflict: the role or account changed since the given version
	CodeEmailTaken  = "email_taken"      // Conflict: a staff account has the email
	CodeNotASession = "not_a_session"    // Invalid: logging out a caller that used an API key
)

// Page is one page of a list, with the cursor of the next page (null on
// the last page).
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// PermissionInfo is a permission as the admin API lists it.
type PermissionInfo struct {
	Name        auth.Permission `json:"name"`
	Description string          `json:"description"`
}

// RoleInfo is a role as the admin API shows it.
type RoleInfo struct {
	Name        auth.Role         `json:"name" doc:"Role name; built-in roles are owner, admin, catalog_manager, order_manager, support and analyst"`
	Description string            `json:"description"`
	Permissions []auth.Permission `json:"permissions" doc:"The permissions the role grants, sorted"`
	BuiltIn     bool              `json:"built_in" doc:"Built-in roles cannot be changed or deleted"`
	Version     int64             `json:"version" doc:"Version of a custom role, for optimistic concurrency (0 for built-in roles)"`
	CreatedAt   *time.Time        `json:"created_at,omitempty"`
	UpdatedAt   *time.Time        `json:"updated_at,omitempty"`
}

// CreateRoleCommand creates a custom role.
type CreateRoleCommand struct {
	Name        auth.Role         `json:"name" minLength:"2" maxLength:"40" pattern:"^[a-z][a-z0-9_]*$" doc:"Lower-case letters, digits and underscores"`
	Description string            `json:"description,omitempty" maxLength:"500"`
	Permissions []auth.Permission `json:"permissions" minItems:"1" maxItems:"100"`
	// By is the caller, who must hold every permission granted; nil for
	// the operator.
	By *auth.Principal `json:"-"`
}

// UpdateRoleCommand changes a custom role: the fields that are present.
type UpdateRoleCommand struct {
	Name        auth.Role          `json:"-"`
	Description *string            `json:"description,omitempty" maxLength:"500"`
	Permissions *[]auth.Permission `json:"permissions,omitempty" minItems:"1" maxItems:"100"`
	Version     int64              `json:"version,omitempty" minimum:"0" doc:"When set, a role changed since is 409 version_conflict"`
	By          *auth.Principal    `json:"-"`
}

// RoleQuery lists roles by name, built-in and custom together.
type RoleQuery struct {
	Limit  int
	Cursor string
}

// APIKey is an admin API key as the admin API shows it. The secret is in
// the answer that creates the key, and nowhere else.
type APIKey struct {
	ID         string     `json:"id" doc:"Key id (key_…); not the secret"`
	Role       auth.Role  `json:"role"`
	Name       string     `json:"name" doc:"A note saying what the key is for"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" doc:"Last request made with the key (written about once a minute), or null"`
	RevokedAt  *time.Time `json:"revoked_at" doc:"When the key was revoked, or null"`
	Secret     string     `json:"secret,omitempty" doc:"The key itself, shown only when it is created: store it now"`
}

// CreateKeyCommand creates an admin API key.
type CreateKeyCommand struct {
	Role auth.Role `json:"role" minLength:"1" maxLength:"40" doc:"A built-in or custom role"`
	Name string    `json:"name,omitempty" maxLength:"200"`
	// By is the caller, who must hold every permission of Role; nil for
	// the operator.
	By *auth.Principal `json:"-"`
}

// KeyQuery lists admin API keys, newest first.
type KeyQuery struct {
	Revoked bool // list revoked keys instead of live ones
	Limit   int
	Cursor  string
}

// PublishableKey selects a sales channel for store requests. It is not a
// secret (storefronts ship it to browsers) and is shown in lists.
type PublishableKey struct {
	ID        string     `json:"id" doc:"Id of the key (pkey_…)"`
	Key       string     `json:"key" doc:"The value to send as X-Publishable-Key (pk_…)"`
	Channel   string     `json:"channel" doc:"The sales channel store requests with this key see"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at" doc:"When the key was revoked, or null"`
}

// CreatePublishableKeyCommand creates a publishable key for a channel.
type CreatePublishableKeyCommand struct {
	Channel string `json:"channel" minLength:"1" maxLength:"64" doc:"Sales channel: lower-case letters, digits and hyphens (as in a product's channels)"`
	Name    string `json:"name,omitempty" maxLength:"200"`
}

// PublishableKeyQuery lists publishable keys, newest first.
type PublishableKeyQuery struct {
	Revoked bool
	Limit   int
	Cursor  string
}

// Staff is an admin account: a person who logs in with an email and a
// password and acts with a role, like an API key.
type Staff struct {
	ID         string     `json:"id" doc:"Staff id (stf_…)"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       auth.Role  `json:"role"`
	Version    int64      `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	DisabledAt *time.Time `json:"disabled_at" doc:"When the account was disabled (it cannot log in), or null"`
}

// CreateStaffCommand creates a staff account.
type CreateStaffCommand struct {
	Email    string    `json:"email" minLength:"3" maxLength:"254"`
	Name     string    `json:"name,omitempty" maxLength:"200"`
	Role     auth.Role `json:"role" minLength:"1" maxLength:"40" doc:"A built-in or custom role"`
	Password string    `json:"password" minLength:"8" maxLength:"256"`
	// By is the caller, who must hold every permission of Role; nil for
	// the operator.
	By *auth.Principal `json:"-"`
}

// UpdateStaffCommand changes the fields that are present.
type UpdateStaffCommand struct {
	ID       string          `json:"-"`
	Name     *string         `json:"name,omitempty" maxLength:"200"`
	Role     *auth.Role      `json:"role,omitempty" minLength:"1" maxLength:"40"`
	Password *string         `json:"password,omitempty" minLength:"8" maxLength:"256" doc:"A new password; ends the account's sessions"`
	Disabled *bool           `json:"disabled,omitempty" doc:"Disable (true: ends the account's sessions) or enable the account"`
	Version  int64           `json:"version,omitempty" minimum:"0" doc:"When set, an account changed since is 409 version_conflict"`
	By       *auth.Principal `json:"-"`
}

// StaffQuery lists staff accounts, newest first.
type StaffQuery struct {
	Limit  int
	Cursor string
}

// LoginCommand logs a staff account in.
type LoginCommand struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"256"`
}

// StaffSession is the answer of a login: a bearer token for the admin API.
type StaffSession struct {
	Token     string    `json:"token" doc:"Send as Authorization: Bearer <token> on /admin routes; shown once"`
	ExpiresAt time.Time `json:"expires_at"`
	Staff     Staff     `json:"staff"`
}

// Entry is one recorded admin change.
type Entry struct {
	ID           string    `json:"id" doc:"Entry id (aud_…); ids sort by time"`
	At           time.Time `json:"at"`
	Actor        string    `json:"actor" doc:"Id of the API key that made the change (owner for AGORA_ADMIN_KEY)"`
	ActorRole    string    `json:"actor_role" doc:"Role of the key at the time"`
	Method       string    `json:"method"`
	Route        string    `json:"route" doc:"Route pattern, e.g. PATCH /admin/products/{id}"`
	Path         string    `json:"path" doc:"Path of the request"`
	ResourceType string    `json:"resource_type" doc:"The route's resource, e.g. products or tax/regions"`
	ResourceID   string    `json:"resource_id" doc:"Id of the resource changed (from the path, or the id of a created resource); empty when there is none"`
	Status       int       `json:"status" doc:"HTTP status of the answer"`
	ClientAddr   string    `json:"client_addr" doc:"Address of the client"`
	RequestID    string    `json:"request_id"`
	Before       any       `json:"before" doc:"The resource before the change (its admin GET answer), or null"`
	After        any       `json:"after" doc:"The answer of the change with secrets redacted, or null (no body, not JSON, or over the size limit)"`
}

// AuditQuery lists audit log entries, newest first.
type AuditQuery struct {
	Actor        string
	ResourceID   string
	ResourceType string
	Limit        int
	Cursor       string
}

// Service is the access module's admin API. Commands carry their caller
// (By) for the escalation checks; over HTTP the caller is the client's
// own credential instead.
//
// Errors: NotFound not_found for ids and names that do not exist;
// Invalid validation_failed with fields; Forbidden forbidden when the
// caller lacks a permission it would grant or take away; the Conflict
// codes above.
type Service interface {
	// Permissions lists every permission a role can hold, sorted.
	Permissions(ctx context.Context) ([]PermissionInfo, error)

	// ListRoles lists built-in and custom roles together, by name.
	ListRoles(ctx context.Context, q RoleQuery) (Page[RoleInfo], error)
	// GetRole reads a built-in or custom role.
	GetRole(ctx context.Context, name auth.Role) (RoleInfo, error)
	// CreateRole stores a custom role. Errors: Invalid (name,
	// permissions, an owner-only permission), Conflict role_exists.
	CreateRole(ctx context.Context, cmd CreateRoleCommand) (RoleInfo, error)
	// UpdateRole changes a custom role; keys and accounts with the role
	// have the new permissions from their next request. Errors: Conflict
	// built_in_role or version_conflict.
	UpdateRole(ctx context.Context, cmd UpdateRoleCommand) (RoleInfo, error)
	// DeleteRole deletes a custom role. Errors: Conflict built_in_role,
	// Conflict role_in_use.
	DeleteRole(ctx context.Context, name auth.Role, by *auth.Principal) error

	// CreateKey makes a key and returns it with its secret, which is
	// stored only as a hash and cannot be shown again. An unknown role is
	// Invalid.
	CreateKey(ctx context.Context, cmd CreateKeyCommand) (APIKey, error)
	// GetKey reads a key, never its secret.
	GetKey(ctx context.Context, id string) (APIKey, error)
	// ListKeys lists live (or, with Revoked, revoked) keys, newest first,
	// never with their secrets.
	ListKeys(ctx context.Context, q KeyQuery) (Page[APIKey], error)
	// RevokeKey revokes a key at once; revoking a revoked key changes
	// nothing. The AGORA_ADMIN_KEY owner key is not stored and cannot be
	// revoked here.
	RevokeKey(ctx context.Context, id string, by *auth.Principal) error

	// CreatePublishableKey makes a publishable key for a channel.
	CreatePublishableKey(ctx context.Context, cmd CreatePublishableKeyCommand) (PublishableKey, error)
	// GetPublishableKey reads a publishable key by id.
	GetPublishableKey(ctx context.Context, id string) (PublishableKey, error)
	// ListPublishableKeys lists live (or, with Revoked, revoked)
	// publishable keys, newest first.
	ListPublishableKeys(ctx context.Context, q PublishableKeyQuery) (Page[PublishableKey], error)
	// RevokePublishableKey revokes a publishable key: the process that
	// revokes it refuses it at once, other instances within
	// PublishableKeyTTL. Revoking a revoked key changes nothing.
	RevokePublishableKey(ctx context.Context, id string) error

	// CreateStaff makes a staff account. Errors: Invalid (email,
	// password, an unknown role), Conflict email_taken.
	CreateStaff(ctx context.Context, cmd CreateStaffCommand) (Staff, error)
	// GetStaff reads a staff account, never its password.
	GetStaff(ctx context.Context, id string) (Staff, error)
	// ListStaff lists staff accounts, newest first.
	ListStaff(ctx context.Context, q StaffQuery) (Page[Staff], error)
	// UpdateStaff changes an account; a new password or disabling ends
	// its sessions. Errors: Conflict version_conflict.
	UpdateStaff(ctx context.Context, cmd UpdateStaffCommand) (Staff, error)
	// DisableStaff disables an account and ends its sessions (the account
	// is kept: the audit log names it).
	DisableStaff(ctx context.Context, id string, by *auth.Principal) error
	// Login checks an email and password and opens a session of
	// StaffSessionTTL. A wrong email, a wrong password and a disabled
	// account are the same Unauthorized, and take the same time.
	Login(ctx context.Context, cmd LoginCommand) (StaffSession, error)
	// Logout ends the session of a session token; other tokens are
	// Invalid not_a_session.
	Logout(ctx context.Context, token string) error

	// ListAudit lists recorded admin changes newest first, filtered by
	// actor (key or staff id), resource id and resource type.
	ListAudit(ctx context.Context, q AuditQuery) (Page[Entry], error)
	// GetAuditEntry reads one recorded change.
	GetAuditEntry(ctx context.Context, id string) (Entry, error)
}
