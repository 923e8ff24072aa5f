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
	// Update reads the cart under a lock, lets fn change it and writes it
	// with fn's events, in one transaction. fn must not call out.
	Update(ctx context.Context, id string, fn func(*cart.Cart) ([]event.Event, error)) (cart.Cart, error)
	// DeleteExpired deletes up to limit carts that expired before before,
	// and reports how many it deleted.
	DeleteExpired(ctx context.Context, before time.Time, limit int) (int, error)
}
