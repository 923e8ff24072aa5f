// Package order is the contract of Agora's order module.
//
// Order owns the checkout saga (a cart becomes an order) and orders of
// record: their lifecycle, capture, cancellation and refunds. It does not
// own carts (cart), stock (inventory) or payments (payment): the saga calls
// them and compensates what it did when a later step fails.
//
// # The checkout saga
//
//	validate cart → quote (cart Update and Get) → reserve stock
//	→ authorize payment → create order → commit reservation
//	→ complete cart → order.placed
//
// Every step is written to a durable saga log (the checkout) before and
// after it runs, so that a process killed at any point is completed or
// compensated when the module starts again (Recover): a checkout that
// died before its order was created releases its reservation and voids
// its authorization; one that died after finishes its remaining steps.
// Compensations: a failure after reserve releases the reservation; a
// failure after authorize voids the authorization. A cart has at most one
// running or completed checkout.
//
// # Status
//
//	authorized → paid → partially_fulfilled → fulfilled
//	paid, partially_fulfilled, fulfilled → (partially refunded: unchanged) → refunded
//	authorized → canceled; paid → canceled (refunded in full)
//
// A fulfillment ships units of a paid order's lines; a line is never
// fulfilled beyond its quantity, under any concurrency.
//
// # Cancellation
//
// A cancel is a small saga of its own: the intent is written to the order
// first (Cancellation, step payment), then the payment is voided or
// refunded, then the order becomes canceled (step stock), then its units
// are returned (step done). Every step is idempotent, so a process killed
// at any point leaves a cancel that recovery (or a repeated request)
// finishes.
//
// Events emitted (through the module's outbox; data: the Order):
// order.placed, order.paid, order.partially_fulfilled, order.fulfilled,
// order.canceled, order.refunded. It consumes no events.
package order

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name: its tables are prefixed "order_", its
// events come from "agora/order".
const Module = "order"

// Event types.
const (
	EventPlaced   = "order.placed"
	EventPaid     = "order.paid"
	EventCanceled = "order.canceled"
	EventRefunded = "order.refunded"
	// EventPartiallyFulfilled: a fulfillment left units to ship;
	// EventFulfilled: every unit is fulfilled.
	EventPartiallyFulfilled = "order.partially_fulfilled"
	EventFulfilled          = "order.fulfilled"
)

// Status of an order.
type Status string

// Statuses. Pending is the status of an order whose payment is not yet
// authorized (checkouts create orders already authorized).
const (
	Pending    Status = "pending"
	Authorized Status = "authorized"
	Paid       Status = "paid"
	// PartiallyFulfilled: some units of a paid order are fulfilled;
	// Fulfilled: all of them.
	PartiallyFulfilled Status = "partially_fulfilled"
	Fulfilled          Status = "fulfilled"
	Canceled           Status = "canceled"
	Refunded           Status = "refunded"
)

// Statuses lists every status.
var Statuses = []Status{Pending, Authorized, Paid, PartiallyFulfilled, Fulfilled, Canceled, Refunded}

// Stable error codes (besides validation_failed and not_found).
const (
	CodeCartCompleted = cart.CodeCompleted     // Conflict: the cart was checked out
	CodeInProgress    = "checkout_in_progress" // Conflict: another checkout of the cart is running
	CodeState         = "order_state"          // Conflict: the order's status forbids the operation
	CodeRefundExceeds = "refund_exceeds"       // Conflict: more than the paid amount less refunds
	CodeKeyConflict   = "idempotency_conflict" // Conflict: a refund key reused for another amount
	// CodeFulfillmentExceeds: Conflict, more units than a line has left to
	// fulfill.
	CodeFulfillmentExceeds = "fulfillment_exceeds"
	// CodeCancelInProgress: Conflict, the order is being canceled by
	// another request or process.
	CodeCancelInProgress = "cancel_in_progress"
	// CodeCancelIncomplete: Unavailable, a step of a cancel failed; the
	// intent is kept and recovery (or the same request again) finishes it.
	CodeCancelIncomplete = "cancel_incomplete"
	// CodePaymentInProgress: Conflict, a capture or refund of the order
	// is running; repeat the request when it is done.
	CodePaymentInProgress = "payment_in_progress"
	// CodePaymentIncomplete: Unavailable, the payment provider did not
	// answer a capture or refund; recovery (or the same request again)
	// finishes it.
	CodePaymentIncomplete = "payment_incomplete"
)

// Limits.
const (
	MaxKey       = 200
	MaxListLimit = 100
	DefaultLimit = 20
	// Fulfillments: lines per request, units per line, text lengths.
	MaxFulfillmentItems = 500
	MaxQuantity         = 1_000_000
	MaxTracking         = 200
	MaxCarrier          = 100
)

// Item is one line of an order, as it was bought.
type Item struct {
	ID           string      `json:"id" doc:"The cart line's id"`
	VariantID    string      `json:"variant_id"`
	ProductID    string      `json:"product_id"`
	SKU          string      `json:"sku"`
	Title        string      `json:"title"`
	VariantTitle string      `json:"variant_title"`
	Quantity     int64       `json:"quantity"`
	UnitPrice    money.Money `json:"unit_price"`
	Total        money.Money `json:"total"`
	TaxInclusive bool        `json:"tax_inclusive"`
	Fulfilled    int64       `json:"fulfilled_quantity" doc:"Units of the line fulfilled so far"`
}

// FulfillmentItem is a quantity of one line of an order.
type FulfillmentItem struct {
	ItemID   string `json:"item_id" minLength:"1" maxLength:"100" doc:"The line's id (items[].id of the order)"`
	Quantity int64  `json:"quantity" minimum:"1" maximum:"1000000"`
}

// Fulfillment is a shipment of units of an order's lines.
type Fulfillment struct {
	ID             string            `json:"id" doc:"Fulfillment id (ful_…)"`
	Key            string            `json:"key,omitempty" doc:"The idempotency key of the request that created it"`
	Items          []FulfillmentItem `json:"items"`
	TrackingNumber string            `json:"tracking_number,omitempty"`
	Carrier        string            `json:"carrier,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
}

// CancelStep is the next step of a cancellation.
type CancelStep string

// The steps of a cancellation, in order.
const (
	// CancelPayment: void the authorization, or refund what remains of a
	// captured payment. The order keeps its status until it is done.
	CancelPayment CancelStep = "payment"
	// CancelStock: the order is canceled; its units go back on hand (or
	// its reservation is released).
	CancelStock CancelStep = "stock"
	CancelDone  CancelStep = "done"
)

// Cancellation is the durable record of a cancel: written before its
// first step, advanced after each.
type Cancellation struct {
	Step CancelStep `json:"step" enum:"payment,stock,done" doc:"The next step to run (done when finished)"`
	From Status     `json:"from" doc:"The status the order had when the cancel was asked"`
	// Refund is what the cancel refunds: the captured amount not yet
	// refunded when it was asked (zero for an authorized order).
	Refund money.Money `json:"refund"`
	// Restocked lists the SKU@location allocations whose units are back on
	// hand.
	Restocked   []string   `json:"restocked"`
	Error       string     `json:"error,omitempty" doc:"Code of the last failure of a step; recovery retries it"`
	RequestedAt time.Time  `json:"requested_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// Pending reports whether the cancellation has steps left.
func (c *Cancellation) Pending() bool { return c != nil && c.Step != CancelDone }

// The kinds of a PaymentOp.
const (
	OpCapture = "capture"
	OpRefund  = "refund"
)

// PaymentOp is a capture or a refund in flight: written to the order
// (compare-and-set on its status) before the payment is called, and
// cleared in the write that records the result. While one is set, every
// other capture, refund and cancel of the order is refused with
// payment_in_progress, so that the order and its payment move through
// one sequence of operations. One whose run failed or died is taken over
// by the same request repeated, or by recovery.
type PaymentOp struct {
	Kind      string      `json:"kind" enum:"capture,refund"`
	Key       string      `json:"key,omitempty" doc:"The refund's idempotency key"`
	Amount    money.Money `json:"amount"`
	Error     string      `json:"error,omitempty" doc:"Code of the last failure; recovery retries it"`
	StartedAt time.Time   `json:"started_at"`
}

// Refund is one refund of an order.
type Refund struct {
	Key       string      `json:"key" doc:"The refund's idempotency key"`
	Amount    money.Money `json:"amount"`
	CreatedAt time.Time   `json:"created_at"`
}

// Order is an order of record.
type Order struct {
	ID              string               `json:"id" doc:"Order id (ord_…)"`
	Number          string               `json:"number" doc:"Human-readable order number, increasing (1001, 1002, …)"`
	Status          Status               `json:"status" enum:"pending,authorized,paid,partially_fulfilled,fulfilled,canceled,refunded"`
	CartID          string               `json:"cart_id"`
	CheckoutID      string               `json:"checkout_id"`
	Email           string               `json:"email"`
	CustomerID      string               `json:"customer_id"`
	Channel         string               `json:"channel"`
	Currency        string               `json:"currency"`
	Items           []Item               `json:"items"`
	ShippingAddress cart.Address         `json:"shipping_address"`
	ShippingMethod  *cart.ShippingMethod `json:"shipping_method,omitempty" doc:"The chosen shipping method (absent when none)"`
	Totals          cart.Totals          `json:"totals"`
	PaymentID       string               `json:"payment_id"`
	ReservationID   string               `json:"reservation_id"`
	Paid            money.Money          `json:"paid" doc:"Amount captured"`
	Refunded        money.Money          `json:"refunded" doc:"Amount refunded"`
	Refunds         []Refund             `json:"refunds"`
	Fulfillments    []Fulfillment        `json:"fulfillments"`
	// Cancellation is set once a cancel was asked; Pending while it has
	// steps left.
	Cancellation *Cancellation `json:"cancellation,omitempty" doc:"Set once a cancel was asked (absent before)"`
	// PaymentOp is the capture or refund in flight, if any.
	PaymentOp  *PaymentOp `json:"payment_op,omitempty" doc:"The capture or refund in flight (absent when none)"`
	Version    int64      `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	CanceledAt *time.Time `json:"canceled_at"`
}

// PaymentInput names the payment method of a checkout.
type PaymentInput struct {
	Provider string `json:"provider" minLength:"1" maxLength:"40" doc:"Payment provider, e.g. test"`
	Token    string `json:"token" minLength:"1" maxLength:"200" doc:"The provider's payment token, e.g. tok_visa"`
}

// CheckoutCommand checks a cart out.
type CheckoutCommand struct {
	CartID string `json:"-"`
	// Key is the caller's idempotency key: a retry with the key of a
	// completed checkout returns its order.
	Key             string       `json:"-"`
	Email           string       `json:"email" minLength:"3" maxLength:"254"`
	ShippingAddress cart.Address `json:"shipping_address"`
	Payment         PaymentInput `json:"payment"`
}

// CheckoutResult is a placed order and the token that lets its buyer read
// it.
type CheckoutResult struct {
	Order       Order  `json:"order"`
	AccessToken string `json:"access_token" doc:"Lets the buyer read the order: Authorization: Bearer <access_token>"`
}

// BuyerQuery reads an order with its access token.
type BuyerQuery struct {
	ID          string
	AccessToken string
}

// ListQuery lists orders, newest first.
type ListQuery struct {
	Status Status
	// CustomerID keeps only the orders of that customer.
	CustomerID string
	Limit      int
	Cursor     string
}

// Page is one page of a list; NextCursor is nil on the last page.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// CaptureCommand captures an authorized order's payment.
type CaptureCommand struct {
	OrderID string `json:"-"`
}

// CancelCommand cancels an order: its payment is voided (or refunded when
// captured) and its stock returned.
type CancelCommand struct {
	OrderID string `json:"-"`
}

// RefundCommand refunds part of a paid order, in the order's currency.
type RefundCommand struct {
	OrderID string `json:"-"`
	// Key makes the refund idempotent (the Idempotency-Key, or generated).
	Key    string `json:"-"`
	Amount int64  `json:"amount" minimum:"1" doc:"Minor units of the order's currency"`
}

// FulfillCommand records a fulfillment of a paid order. With no items,
// every unit not yet fulfilled is.
type FulfillCommand struct {
	OrderID string `json:"-"`
	// Key makes the call idempotent: a fulfillment with this key returns
	// the order unchanged (the Idempotency-Key; optional).
	Key            string            `json:"-"`
	Items          []FulfillmentItem `json:"items,omitempty" maxItems:"500" doc:"Lines and units to fulfill; omitted or empty: everything not yet fulfilled"`
	TrackingNumber string            `json:"tracking_number,omitempty" maxLength:"200"`
	Carrier        string            `json:"carrier,omitempty" maxLength:"100"`
}

// RecoverResult counts what a recovery pass did.
type RecoverResult struct {
	Completed   int `json:"completed" doc:"Checkouts finished"`
	Compensated int `json:"compensated" doc:"Checkouts undone"`
	Failed      int `json:"failed" doc:"Checkouts that could not be resolved now (retried later)"`
	// Cancels interrupted by a crash or a failure.
	CancelsCompleted int `json:"cancels_completed" doc:"Cancels finished"`
	CancelsAborted   int `json:"cancels_aborted" doc:"Cancels given up because the payment cannot be voided or refunded (the order keeps its status)"`
	CancelsFailed    int `json:"cancels_failed" doc:"Cancels that could not be finished now (retried later)"`
	// Captures and refunds interrupted by a crash or an outage.
	PaymentsCompleted int `json:"payments_completed" doc:"Captures and refunds finished"`
	PaymentsFailed    int `json:"payments_failed" doc:"Captures and refunds that could not be finished now (retried later)"`
}

// Service is the order module. Errors: Invalid (validation_failed,
// unknown_provider, invalid_token), NotFound (not_found, cart_expired),
// Conflict (cart_completed, cart_empty, item_unavailable, out_of_stock,
// checkout_in_progress, order_state, refund_exceeds, fulfillment_exceeds,
// cancel_in_progress), PaymentFailed (payment_declined), Unavailable
// (provider_unavailable, cancel_incomplete: retry).
type Service interface {
	// Checkout runs the saga. On any error nothing is kept: no stock
	// held, no payment authorized, no order.
	Checkout(ctx context.Context, cmd CheckoutCommand) (CheckoutResult, error)
	// Get reads any order (admin).
	Get(ctx context.Context, id string) (Order, error)
	// GetForBuyer reads an order with its access token; a wrong token is
	// NotFound, like an unknown order.
	GetForBuyer(ctx context.Context, q BuyerQuery) (Order, error)
	List(ctx context.Context, q ListQuery) (Page[Order], error)
	// Capture: authorized → paid (paid: unchanged). Emits order.paid.
	Capture(ctx context.Context, cmd CaptureCommand) (Order, error)
	// Cancel: authorized or paid → canceled (canceled: unchanged). The
	// intent is recorded first; a failed step is Unavailable
	// (provider_unavailable or cancel_incomplete) and is finished by
	// recovery or by calling Cancel again. A payment that cannot be
	// voided or refunded gives the cancel up (its error; the order keeps
	// its status). A fulfilled or partially fulfilled order cannot be
	// canceled (order_state: refund it).
	Cancel(ctx context.Context, cmd CancelCommand) (Order, error)
	// Refund: paid, partially_fulfilled or fulfilled → unchanged
	// (partial) or refunded (full).
	Refund(ctx context.Context, cmd RefundCommand) (Order, error)
	// Fulfill: paid or partially_fulfilled → partially_fulfilled or
	// fulfilled. Errors: Invalid (validation_failed: a line that is not
	// the order's), Conflict fulfillment_exceeds (more units than remain;
	// nothing is written), order_state (another status),
	// cancel_in_progress. Emits order.partially_fulfilled or
	// order.fulfilled. Concurrent calls never fulfill a line beyond its
	// quantity.
	Fulfill(ctx context.Context, cmd FulfillCommand) (Order, error)
	// Recover completes or compensates the checkouts that are not
	// finished and were last touched before olderThan ago.
	Recover(ctx context.Context, olderThan time.Duration) (RecoverResult, error)
}
