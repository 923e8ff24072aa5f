package ordersvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/platform/event"
)

// Step is the saga step a checkout is at: the next one to run.
type Step string

// The steps, in order.
const (
	StepReserve      Step = "reserve"
	StepAuthorize    Step = "authorize"
	StepCreateOrder  Step = "create_order"
	StepCommit       Step = "commit"
	StepCompleteCart Step = "complete_cart"
	StepDone         Step = "done"
)

// CheckoutState is the state of a checkout.
type CheckoutState string

// The states. Running checkouts are resumed by recovery; the others are
// final.
const (
	Running     CheckoutState = "running"
	Completed   CheckoutState = "completed"
	Compensated CheckoutState = "compensated"
)

// Checkout is one entry of the durable saga log: a checkout of a cart and
// how far it got.
type Checkout struct {
	ID            string           `json:"id"`
	CartID        string           `json:"cart_id"`
	Key           string           `json:"key"`
	Step          Step             `json:"step"`
	State         CheckoutState    `json:"state"`
	ReservationID string           `json:"reservation_id"`
	PaymentID     string           `json:"payment_id"`
	OrderID       string           `json:"order_id"`
	Provider      string           `json:"provider"`
	Lines         []inventory.Line `json:"lines"`
	// Order is the order the checkout creates (its id is OrderID).
	Order     order.Order `json:"order"`
	Error     string      `json:"error,omitempty" doc:"The code of the error that compensated it"`
	Version   int64       `json:"version"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// Store is the order module's private persistence. Writes are single
// transactions that append their events to the outbox.
type Store interface {
	// InsertCheckout stores a new running checkout. A cart has at most
	// one running or completed checkout: another one is Conflict
	// checkout_in_progress.
	InsertCheckout(ctx context.Context, c Checkout) error
	// SaveCheckout writes c if its stored version is c.Version-1 (else
	// Conflict checkout_in_progress), with events. A compensated
	// checkout no longer holds its cart.
	SaveCheckout(ctx context.Context, c Checkout, events []event.Event) error
	GetCheckout(ctx context.Context, id string) (Checkout, error)
	// CheckoutsOfCart lists a cart's checkouts, oldest first.
	CheckoutsOfCart(ctx context.Context, cartID string) ([]Checkout, error)
	// Unfinished lists up to limit running checkouts last changed before
	// before.
	Unfinished(ctx context.Context, before time.Time, limit int) ([]Checkout, error)

	// CreateOrder inserts o with the next order number and an access
	// token hash, and saves c (as SaveCheckout), in one transaction. It
	// returns o with its number.
	CreateOrder(ctx context.Context, o order.Order, tokenHash string, c Checkout) (order.Order, error)
	// AddToken adds an access token hash to an order.
	AddToken(ctx context.Context, orderID, tokenHash string) error
	// HasToken reports whether tokenHash opens the order.
	HasToken(ctx context.Context, orderID, tokenHash string) (bool, error)
	GetOrder(ctx context.Context, id string) (order.Order, error)
	// UpdateOrder reads the order under a lock, lets fn change it and
	// writes it with fn's events, in one transaction. fn must not call out.
	UpdateOrder(ctx context.Context, id string, fn func(*order.Order) ([]event.Event, error)) (order.Order, error)
	// PendingCancels lists up to limit orders whose cancellation has
	// steps left, last changed before before, oldest change first.
	PendingCancels(ctx context.Context, before time.Time, limit int) ([]order.Order, error)
	// PendingPayments lists up to limit orders with a capture or refund
	// in flight, last changed before before, oldest change first.
	PendingPayments(ctx context.Context, before time.Time, limit int) ([]order.Order, error)
	// ListOrders lists orders newest first, with ids below before (all
	// when empty), of status (all when empty).
	ListOrders(ctx context.Context, status order.Status, customerID, before string, limit int) ([]order.Order, error)
}
