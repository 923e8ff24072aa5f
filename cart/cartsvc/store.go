package cartsvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/platform/event"
)

// Store is the cart's private persistence. Writes are single transactions
// that append their events to the outbox.
type Store interface {
	// Insert stores a new cart.
	Insert(ctx context.Context, c cart.Cart, events []event.Event) error
	// Get reads a cart (NotFound not_found), expired or not.
	Get(ctx context.Context, id string) (cart.Cart, error)
	// Save writes c with its events in one transaction if the stored
	// cart still has version prev, and reports whether it did (false:
	// another change came first, or the cart is gone; nothing written).
	// Carts are versioned documents, so the check is one conditional
	// UPDATE: no read inside the transaction.
	Save(ctx context.Context, c cart.Cart, prev int64, events []event.Event) (bool, error)
	// DeleteExpired deletes up to limit carts that expired before before,
	// and reports how many it deleted.
	DeleteExpired(ctx context.Context, before time.Time, limit int) (int, error)
}
