package customersvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/platform/event"
)

// SessionRecord is a stored session: its token only as a hash.
type SessionRecord struct {
	ID         string
	CustomerID string
	Hash       string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
}

// Store is the customer module's private persistence, shaped by the
// service's use cases. Every write is one transaction that also appends
// the given events to the outbox. Missing rows are NotFound not_found; a
// taken email is Conflict email_taken.
type Store interface {
	// InsertCustomer stores a new account with its password hash.
	InsertCustomer(ctx context.Context, c customer.Customer, passwordHash string, events []event.Event) error
	GetCustomer(ctx context.Context, id string) (customer.Customer, error)
	// Credentials returns the id and password hash of the account of a
	// (lower-cased) email; NotFound when there is none.
	Credentials(ctx context.Context, email string) (id, hash string, err error)
	PasswordHash(ctx context.Context, id string) (string, error)
	// UpdateCustomer runs fn on the current customer inside one
	// transaction and stores the result; a group of c.Groups that does not
	// exist (checked inside the transaction) is Invalid unknown_group.
	UpdateCustomer(ctx context.Context, id string, fn func(*customer.Customer) ([]event.Event, error)) (customer.Customer, error)
	// SetPassword stores a new password hash, revokes every session of the
	// customer except keepSession ("" keeps none, "*" keeps all) and deletes
	// its reset tokens; fn (when not nil) changes the customer and returns
	// the events, in the same transaction.
	SetPassword(ctx context.Context, id, hash, keepSession string, at time.Time, fn func(*customer.Customer) ([]event.Event, error)) error
	// ResetPassword uses up a reset token: when it is live, the password of
	// its customer becomes hash as SetPassword does (keeping no session),
	// with the events fn returns, all in one transaction. An unknown, used
	// or expired token is Invalid invalid_reset_token.
	ResetPassword(ctx context.Context, tokenHash string, now time.Time, hash string, fn func(*customer.Customer) ([]event.Event, error)) error
	// EraseCustomer runs fn on the customer (which anonymizes it), stores
	// the result with no email and no password, and deletes its sessions,
	// reset tokens and group memberships.
	EraseCustomer(ctx context.Context, id string, fn func(*customer.Customer) ([]event.Event, error)) (customer.Customer, error)
	ListCustomers(ctx context.Context, q customer.ListQuery) (customer.Page[customer.Customer], error)

	InsertSession(ctx context.Context, s SessionRecord) error
	// Session returns the session of a token hash, live or not.
	Session(ctx context.Context, hash string) (SessionRecord, error)
	RevokeSession(ctx context.Context, id string, at time.Time) error
	Sessions(ctx context.Context, customerID string) ([]SessionRecord, error)
	// DeleteExpiredSessions deletes sessions that ended before cutoff and
	// reset tokens that expired before it, and reports how many sessions.
	DeleteExpiredSessions(ctx context.Context, cutoff time.Time) (int, error)
	InsertResetToken(ctx context.Context, tokenHash, customerID string, expires time.Time) error

	InsertGroup(ctx context.Context, g customer.Group) error
	Groups(ctx context.Context) ([]customer.Group, error)
	// DeleteGroup deletes a group that no customer belongs to (else
	// Conflict group_in_use).
	DeleteGroup(ctx context.Context, code string) error
}
