package paymentsvc

import (
	"context"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/event"
)

// Store is the payment's private persistence. Writes are single
// transactions that append their events to the outbox.
type Store interface {
	// Insert stores a new payment; a payment with the same key exists:
	// Conflict with code idempotency_conflict.
	Insert(ctx context.Context, p payment.Payment, events []event.Event) error
	// Get reads a payment (NotFound not_found).
	Get(ctx context.Context, id string) (payment.Payment, error)
	// GetByKey reads the payment of an authorization key (NotFound).
	GetByKey(ctx context.Context, key string) (payment.Payment, error)
	// GetByProviderRef reads the payment a provider knows by ref (NotFound).
	GetByProviderRef(ctx context.Context, provider, ref string) (payment.Payment, error)
	// Update reads the payment under a lock, lets fn change it and writes
	// it with fn's events, in one transaction. fn must not call out.
	Update(ctx context.Context, id string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, error)
	// UpdateOnce is Update run at most once per (consumer, eventID): the
	// pair is recorded in the same transaction, and when it was recorded
	// before, fn does not run, nothing changes and first is false.
	UpdateOnce(ctx context.Context, id, consumer, eventID string, fn func(*payment.Payment) ([]event.Event, error)) (p payment.Payment, first bool, err error)
}
