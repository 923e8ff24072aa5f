// Package customer is the contract of Agora's customer module.
//
// The customer module owns customer accounts (email, password, names,
// phone), their addresses, customer groups, sessions and password resets.
// It does not own carts or orders (their modules record the customer id),
// and it never reads their tables: a customer's orders are the order
// module's, and erasing a customer reaches the other modules through the
// customer.erased event.
//
// # Credentials
//
// Passwords are hashed with argon2id (platform/auth.Passwords, OWASP
// parameters) and never stored, logged or answered. Sessions are opaque
// random tokens ("cus_sess_…", 240 bits) stored only as SHA-256 hashes,
// with an expiry; logout revokes one, a password change or reset revokes
// all of the account's others. A failed login answers the same
// Unauthorized invalid_credentials whether or not the email exists, and
// takes the same time. Repeated failures for one email or one client
// address are throttled: RateLimited rate_limited with a RetryAfter.
//
// # Privacy
//
// Export returns everything the module holds about a customer. Erase
// anonymizes the account (email, names, phone, addresses and groups are
// removed, every session and reset token is deleted, the email is free to
// register again) and emits customer.erased, on which the modules that
// keep personal data of the customer anonymize theirs; orders stay for
// accounting.
//
// Events emitted (through the module's outbox; data: the Customer):
// customer.created, customer.updated, customer.erased. Password changes
// emit customer.updated without any secret. It consumes no events.
package customer

import (
	"context"
	"encoding/json"
	"time"
)

// Module is the module's name: its tables are prefixed "customer_", its
// events come from "agora/customer".
const Module = "customer"

// Event types.
const (
	EventCreated = "customer.created"
	EventUpdated = "customer.updated"
	EventErased  = "customer.erased"
)

// SessionPrefix starts every session token, so that an Authorization
// header can be told apart from other bearer secrets (an order's access
// token, an admin key) without a lookup.
const SessionPrefix = "cus_sess"

// Limits.
const (
	MaxEmail     = 254
	MaxName      = 100
	MaxPhone     = 32
	MaxText      = 200
	MaxPostal    = 32
	MaxAddresses = 20
	MaxGroups    = 20 // per customer
	MaxGroupCode = 40
	MaxListLimit = 100
	DefaultLimit = 20
)

// Stable error codes (besides validation_failed, not_found, unauthorized
// and rate_limited).
const (
	CodeEmailTaken         = "email_taken"         // Conflict: another account has this email
	CodeInvalidCredentials = "invalid_credentials" // Unauthorized: wrong email or password
	CodeInvalidSession     = "invalid_session"     // Unauthorized: unknown, expired or revoked session
	CodeInvalidResetToken  = "invalid_reset_token" // Invalid: unknown, used or expired reset token
	CodeWrongPassword      = "wrong_password"      // Invalid: the current password does not match
	CodeGroupExists        = "group_exists"        // Conflict
	CodeGroupInUse         = "group_in_use"        // Conflict: customers belong to the group
	CodeUnknownGroup       = "unknown_group"       // Invalid: a group that does not exist
	CodeVersion            = "version_conflict"    // Conflict: the customer changed since the given version
	CodeErased             = "customer_erased"     // Conflict: the account was erased
	CodeAddressNotFound    = "address_not_found"   // NotFound
)

// Address is a customer's saved address.
type Address struct {
	ID          string `json:"id" readOnly:"true" doc:"Address id (addr_…)"`
	Name        string `json:"name" maxLength:"200"`
	Company     string `json:"company,omitempty" maxLength:"200"`
	Line1       string `json:"line1" maxLength:"200"`
	Line2       string `json:"line2,omitempty" maxLength:"200"`
	City        string `json:"city" maxLength:"200"`
	PostalCode  string `json:"postal_code" maxLength:"32"`
	Country     string `json:"country" doc:"ISO 3166-1 alpha-2 country code (upper case)"`
	Subdivision string `json:"subdivision,omitempty" maxLength:"6" doc:"ISO 3166-2 code (US-NY) or its part after the hyphen (NY)"`
	Phone       string `json:"phone,omitempty" maxLength:"32"`
	Default     bool   `json:"default,omitempty" doc:"The customer's default shipping address"`
}

// Customer is a customer account. It never carries the password or its
// hash.
type Customer struct {
	ID        string    `json:"id" doc:"Customer id (cus_…)"`
	Email     string    `json:"email" doc:"Lower-cased email; unique"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Phone     string    `json:"phone"`
	Groups    []string  `json:"groups" doc:"Codes of the customer groups the customer belongs to"`
	Addresses []Address `json:"addresses"`
	Erased    bool      `json:"erased,omitempty" doc:"The account was erased: its personal data is gone"`
	Version   int64     `json:"version" doc:"Incremented by every change"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Group is a customer group (wholesale, vip…), which price lists and
// promotions can target.
type Group struct {
	Code      string    `json:"code" doc:"Stable code: lower-case letters, digits and hyphens (as price lists name it)"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Session is an authenticated customer session. Token is only present in
// the answer of Login; it is never stored.
type Session struct {
	ID         string    `json:"id" doc:"Session id (sess_…); not a secret"`
	CustomerID string    `json:"customer_id"`
	Token      string    `json:"token,omitempty" doc:"The session's bearer token, shown once"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Identity is who a session token belongs to.
type Identity struct {
	CustomerID string
	SessionID  string
	Groups     []string
}

// RegisterCommand creates an account.
type RegisterCommand struct {
	Email     string `json:"email" maxLength:"254"`
	Password  string `json:"password" maxLength:"256" writeOnly:"true"`
	FirstName string `json:"first_name,omitempty" maxLength:"100"`
	LastName  string `json:"last_name,omitempty" maxLength:"100"`
	Phone     string `json:"phone,omitempty" maxLength:"32"`
}

// LoginCommand starts a session. ClientAddr is the caller's network
// address, for throttling.
type LoginCommand struct {
	Email      string `json:"email" maxLength:"254"`
	Password   string `json:"password" maxLength:"256" writeOnly:"true"`
	ClientAddr string `json:"-"`
}

// UpdateCommand changes the fields that are set. With ExpectedVersion, a
// customer changed since is Conflict version_conflict.
type UpdateCommand struct {
	ID              string  `json:"-"`
	FirstName       *string `json:"first_name,omitempty" maxLength:"100"`
	LastName        *string `json:"last_name,omitempty" maxLength:"100"`
	Phone           *string `json:"phone,omitempty" maxLength:"32"`
	ExpectedVersion int64   `json:"version,omitempty" doc:"Refuse the change if the customer's version differs"`
}

// ChangePasswordCommand replaces the password of the customer of the
// session Token after checking the current one; every other session of the
// customer is revoked.
type ChangePasswordCommand struct {
	Token           string `json:"-"`
	CurrentPassword string `json:"current_password" maxLength:"256" writeOnly:"true"`
	NewPassword     string `json:"new_password" maxLength:"256" writeOnly:"true"`
}

// RequestResetCommand asks for a password reset token to be sent to the
// email's account (nothing happens, and nothing tells, if there is none).
type RequestResetCommand struct {
	Email string `json:"email" maxLength:"254"`
}

// ResetPasswordCommand sets a new password with a reset token; the token
// is then used up and every session of the account revoked.
type ResetPasswordCommand struct {
	Token       string `json:"token" maxLength:"200" writeOnly:"true"`
	NewPassword string `json:"new_password" maxLength:"256" writeOnly:"true"`
}

// AddressCommand adds an address (AddressID empty) or replaces one.
type AddressCommand struct {
	CustomerID string  `json:"-"`
	AddressID  string  `json:"-"`
	Address    Address `json:"address"`
}

// DeleteAddressCommand removes an address.
type DeleteAddressCommand struct {
	CustomerID string
	AddressID  string
}

// ListQuery lists customers by id, optionally by email (exact) or group.
type ListQuery struct {
	Email  string
	Group  string
	Limit  int
	Cursor string
}

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// CreateGroupCommand creates a customer group.
type CreateGroupCommand struct {
	Code string `json:"code" maxLength:"40"`
	Name string `json:"name,omitempty" maxLength:"200" doc:"Display name (default: the code)"`
}

// SetGroupsCommand replaces the groups a customer belongs to.
type SetGroupsCommand struct {
	CustomerID string   `json:"-"`
	Groups     []string `json:"groups" maxItems:"20"`
}

// SessionInfo describes a session without its secret.
type SessionInfo struct {
	ID        string     `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// Export is everything Agora holds about a customer: what the customer
// module holds, and what other modules hold (their orders, for instance)
// under Related, by module.
type Export struct {
	Customer Customer                   `json:"customer"`
	Sessions []SessionInfo              `json:"sessions"`
	Related  map[string]json.RawMessage `json:"related" doc:"What other modules hold about the customer, by module (e.g. order: the customer's orders)"`
}

// Exporter returns what another module holds about a customer, for the
// customer's privacy export (Export).
type Exporter func(ctx context.Context, customerID string) (any, error)

// Service is the customer module. Errors: Invalid (validation_failed with
// fields, invalid_reset_token, wrong_password, unknown_group), NotFound
// (not_found, address_not_found), Conflict (email_taken, group_exists,
// group_in_use, version_conflict, customer_erased), Unauthorized
// (invalid_credentials, invalid_session), RateLimited (rate_limited, with a
// RetryAfter). A call that fails changes nothing.
type Service interface {
	// Register creates an account; a taken email is Conflict email_taken.
	Register(ctx context.Context, cmd RegisterCommand) (Customer, error)
	// Login checks the credentials and starts a session.
	Login(ctx context.Context, cmd LoginCommand) (Session, error)
	// Authenticate returns the identity of a live session token, else
	// Unauthorized invalid_session.
	Authenticate(ctx context.Context, token string) (Identity, error)
	// Logout revokes the session of token; an unknown token is
	// Unauthorized invalid_session.
	Logout(ctx context.Context, token string) error

	Get(ctx context.Context, id string) (Customer, error)
	Update(ctx context.Context, cmd UpdateCommand) (Customer, error)
	ChangePassword(ctx context.Context, cmd ChangePasswordCommand) error
	// RequestPasswordReset sends a single-use token (valid for a configured
	// time, 30 minutes by default) through the module's notifier. It
	// answers the same whether or not the account exists.
	RequestPasswordReset(ctx context.Context, cmd RequestResetCommand) error
	ResetPassword(ctx context.Context, cmd ResetPasswordCommand) error

	SaveAddress(ctx context.Context, cmd AddressCommand) (Customer, error)
	DeleteAddress(ctx context.Context, cmd DeleteAddressCommand) (Customer, error)

	List(ctx context.Context, q ListQuery) (Page[Customer], error)
	CreateGroup(ctx context.Context, cmd CreateGroupCommand) (Group, error)
	ListGroups(ctx context.Context) ([]Group, error)
	// DeleteGroup deletes a group no customer belongs to.
	DeleteGroup(ctx context.Context, code string) error
	SetGroups(ctx context.Context, cmd SetGroupsCommand) (Customer, error)

	// Export returns everything held about the customer.
	Export(ctx context.Context, id string) (Export, error)
	// Erase anonymizes the account and emits customer.erased. Erasing an
	// erased account is a no-op.
	Erase(ctx context.Context, id string) (Customer, error)
}
