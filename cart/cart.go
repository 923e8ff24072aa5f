// Package cart is the contract of Agora's cart module.
//
// Cart owns shopping carts and their line items: guest carts (no customer)
// and customer carts, a currency fixed at creation, an email and a shipping
// address, the chosen shipping method and the totals. It does not own
// prices (pricing), stock (inventory), tax rates (tax), shipping rates
// (shipping) or orders (order): it asks the first three and is told the
// fourth; checkout (the order module) reads a cart and completes it.
//
// # Totals
//
// Totals are never stored stale: every change re-prices the cart (pricing
// Quote, tax Calculate) before it is saved, and every read re-prices it
// again, because prices, price lists and tax rates may have changed since
// the last change. With L the cart's priced lines:
//
//	subtotal = Σ net(l)              (tax-exclusive: an inclusive line counts without its tax)
//	shipping = the shipping method's amount (tax-exclusive), 0 without one
//	tax      = Σ tax(l) + tax(shipping)
//	discount = 0 (promotions come later)
//	total    = subtotal + shipping + tax − discount
//
// where, for a line of total T (unit_price × quantity), net and tax come
// from the tax module at the shipping address: an exclusive line has
// net = T and tax = round(T × rate); an inclusive line has
// net + tax = T exactly. Without a shipping address no tax is calculated:
// tax = 0 and net = T for every line (an inclusive line keeps its price).
// So an inclusive line always enters total with exactly its price, and an
// exclusive one with its price plus its tax. Arithmetic is exact in minor
// units; the only rounding is the tax module's (banker's rounding, per
// line).
//
// A line that pricing can no longer price (its product was deleted, or has
// no price in the cart's currency any more) is kept but marked
// unavailable: it enters no total, and checkout must refuse the cart until
// it is removed.
//
// # Ownership
//
// A cart created by a store request with a customer's session belongs to
// that customer; a store request without one makes a guest cart. A store
// caller reaches guest carts (by their unguessable id) and its customer's
// own; another customer's cart is NotFound not_found, exactly as if it did
// not exist, so that ids cannot be probed. Admin requests and other
// modules reach every cart.
//
// # Expiry
//
// A cart expires a configured time (default 30 days) after its last
// change. An expired cart is NotFound with code cart_expired; a sweeper
// deletes carts some time (default 7 days) after they expired, after which
// they are NotFound not_found.
//
// Events emitted (through the module's outbox; data: the Cart):
// cart.created, cart.updated, cart.completed. It consumes no events.
package cart

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name: its tables are prefixed "cart_", its events
// come from "agora/cart".
const Module = "cart"

// Event types.
const (
	EventCreated   = "cart.created"
	EventUpdated   = "cart.updated"
	EventCompleted = "cart.completed"
)

// Status of a cart.
type Status string

// Statuses.
const (
	Active    Status = "active"
	Completed Status = "completed"
)

// Limits.
const (
	MaxItems           = 100 // lines per cart
	DefaultMaxQuantity = 100 // per line, unless configured otherwise
	MaxEmail           = 254
	MaxText            = 200
	MaxPostalCode      = 32
)

// Stable error codes (besides validation_failed and not_found).
const (
	CodeExpired        = "cart_expired"         // NotFound: the cart expired
	CodeCompleted      = "cart_completed"       // Conflict: the cart was completed and refuses changes
	CodeHeld           = "checkout_in_progress" // Conflict: a checkout holds the cart and it refuses changes
	CodeOutOfStock     = "out_of_stock"         // Conflict: a line cannot be bought in this quantity now
	CodeUnknownVariant = "unknown_variant"      // NotFound: no such variant (or SKU)
	CodeNotPurchasable = "not_purchasable"      // Conflict: the product is not published or not in the channel
	CodeNoPrice        = "no_price"             // Invalid: the variant has no price in the cart's currency
	CodeTooManyItems   = "too_many_items"       // Conflict: the cart has MaxItems lines
	CodeEmpty          = "cart_empty"           // Conflict: completing a cart without lines
	CodeUnavailable    = "item_unavailable"     // Conflict: completing a cart with an unavailable line
	CodeItemNotFound   = "item_not_found"       // NotFound: no such line in the cart
	CodeVersion        = "version_conflict"     // Conflict: the cart changed concurrently too often
)

// Address is where an order is delivered.
type Address struct {
	Name        string `json:"name" maxLength:"200"`
	Line1       string `json:"line1" maxLength:"200"`
	Line2       string `json:"line2,omitempty" maxLength:"200"`
	City        string `json:"city" maxLength:"200"`
	PostalCode  string `json:"postal_code" maxLength:"32"`
	Country     string `json:"country" doc:"ISO 3166-1 alpha-2 country code (upper case)"`
	Subdivision string `json:"subdivision,omitempty" maxLength:"6" doc:"ISO 3166-2 code (US-NY) or its part after the hyphen (NY)"`
}

// Item is one line of a cart.
type Item struct {
	ID           string      `json:"id" doc:"Line id (cli_…)"`
	VariantID    string      `json:"variant_id"`
	ProductID    string      `json:"product_id"`
	SKU          string      `json:"sku"`
	Title        string      `json:"title" doc:"The product's title"`
	VariantTitle string      `json:"variant_title"`
	Quantity     int64       `json:"quantity"`
	UnitPrice    money.Money `json:"unit_price" doc:"Current unit price for the cart's buyer"`
	Total        money.Money `json:"total" doc:"unit_price × quantity, exact"`
	TaxInclusive bool        `json:"tax_inclusive" doc:"Whether unit_price includes tax"`
	Unavailable  bool        `json:"unavailable,omitempty" doc:"Pricing can no longer price the variant: the line enters no total and blocks checkout"`
}

// ShippingMethod is the chosen shipping option and its price.
type ShippingMethod struct {
	OptionID string      `json:"option_id"`
	Name     string      `json:"name"`
	Amount   money.Money `json:"amount" doc:"Tax-exclusive shipping charge in the cart's currency"`
}

// Totals of a cart; see the package documentation for the formula.
type Totals struct {
	Subtotal money.Money `json:"subtotal" doc:"Sum of the lines without tax"`
	Discount money.Money `json:"discount"`
	Shipping money.Money `json:"shipping" doc:"Shipping without tax"`
	Tax      money.Money `json:"tax" doc:"Tax of the lines and the shipping"`
	Total    money.Money `json:"total" doc:"subtotal + shipping + tax − discount"`
}

// Cart is a shopping cart.
type Cart struct {
	ID              string          `json:"id" doc:"Cart id (cart_…)"`
	Status          Status          `json:"status" enum:"active,completed"`
	Currency        string          `json:"currency" doc:"ISO 4217 currency, fixed at creation"`
	Email           string          `json:"email"`
	CustomerID      string          `json:"customer_id" doc:"The customer's id; empty for a guest cart"`
	Channel         string          `json:"channel" doc:"Sales channel"`
	ShippingAddress *Address        `json:"shipping_address"`
	Items           []Item          `json:"items"`
	ShippingMethod  *ShippingMethod `json:"shipping_method"`
	Totals          Totals          `json:"totals"`
	// Hold is the checkout that holds the cart, if any.
	Hold      *Hold     `json:"hold,omitempty" doc:"The checkout that holds the cart (absent when none): until it ends, changes are 409 checkout_in_progress"`
	Version   int64     `json:"version" doc:"Incremented by every change"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ExpiresAt time.Time `json:"expires_at" doc:"The cart is gone after this moment unless it changes again"`
}

// Hold is a checkout's claim on a cart. From the change that quotes the
// cart for a checkout until its order is placed (Complete) or the
// checkout gives up (Release), every other change of the cart is refused,
// so that the order has exactly the lines the cart had. A hold lapses at
// Until, so that a checkout that died before it was recorded does not
// hold the cart for ever.
type Hold struct {
	CheckoutID string    `json:"checkout_id" doc:"The checkout (chk_…)"`
	Until      time.Time `json:"until" doc:"The hold lapses at this moment"`
}

// Held reports whether a hold other than checkoutID's holds c at now.
func (c Cart) Held(checkoutID string, now time.Time) bool {
	return c.Hold != nil && c.Hold.CheckoutID != checkoutID && now.Before(c.Hold.Until)
}

// HoldCommand sets the email and shipping address of a cart (as
// UpdateCommand does) and holds it for a checkout, in one change.
type HoldCommand struct {
	CartID          string    `json:"-"`
	CheckoutID      string    `json:"checkout_id" minLength:"1" maxLength:"40" doc:"The checkout that holds the cart"`
	Until           time.Time `json:"until" doc:"When the hold lapses if the checkout neither completes nor releases the cart"`
	Email           *string   `json:"email,omitempty" maxLength:"254"`
	ShippingAddress *Address  `json:"shipping_address,omitempty"`
}

// ReleaseCommand ends a checkout's hold of a cart.
type ReleaseCommand struct {
	CartID     string `json:"-"`
	CheckoutID string `json:"checkout_id" minLength:"1" maxLength:"40" doc:"The checkout whose hold ends"`
}

// CreateCommand creates an active, empty cart.
type CreateCommand struct {
	Currency   string `json:"currency" doc:"ISO 4217 currency of the cart, fixed for its life"`
	Email      string `json:"email,omitempty" maxLength:"254"`
	CustomerID string `json:"-"`
	Channel    string `json:"-"`
}

// AddItemCommand adds a variant (by id or by SKU, exactly one of them); a
// variant already in the cart has its quantity raised instead.
type AddItemCommand struct {
	CartID    string `json:"-"`
	VariantID string `json:"variant_id,omitempty" maxLength:"40"`
	SKU       string `json:"sku,omitempty" maxLength:"100"`
	Quantity  int64  `json:"quantity"`
}

// UpdateItemCommand sets the quantity of a line.
type UpdateItemCommand struct {
	CartID   string `json:"-"`
	ItemID   string `json:"-"`
	Quantity int64  `json:"quantity"`
}

// RemoveItemCommand removes a line.
type RemoveItemCommand struct {
	CartID string
	ItemID string
}

// UpdateCommand changes the fields that are set. An empty email clears it.
type UpdateCommand struct {
	CartID          string   `json:"-"`
	Email           *string  `json:"email,omitempty" maxLength:"254"`
	ShippingAddress *Address `json:"shipping_address,omitempty"`
}

// SetShippingMethodCommand sets the cart's shipping method. The caller (the
// order module's checkout, or an integration) gets option and amount from
// the shipping module; the cart does not call shipping, which is to its
// right in the module order. The amount is tax-exclusive and must be in
// the cart's currency.
type SetShippingMethodCommand struct {
	CartID   string      `json:"-"`
	OptionID string      `json:"option_id" minLength:"1" maxLength:"40"`
	Name     string      `json:"name" minLength:"1" maxLength:"200"`
	Amount   money.Money `json:"amount"`
}

// Service is the cart module. Errors: Invalid (validation_failed with
// fields; no_price), NotFound (not_found, cart_expired, item_not_found,
// unknown_variant), Conflict (cart_completed, out_of_stock,
// not_purchasable, too_many_items, cart_empty, item_unavailable,
// version_conflict). A call that fails changes nothing. Every successful
// change increments the version, moves expires_at and emits cart.updated
// (cart.created, cart.completed for those). Concurrent changes of one cart
// are serialized by its version: each is applied to the latest state.
type Service interface {
	Create(ctx context.Context, cmd CreateCommand) (Cart, error)
	// Get reads a cart with freshly computed prices and totals. It writes
	// nothing.
	Get(ctx context.Context, id string) (Cart, error)
	// AddItem checks the variant (priced in the cart's currency, its
	// product published and in the cart's channel) and the stock of the
	// resulting quantity; nothing is reserved.
	AddItem(ctx context.Context, cmd AddItemCommand) (Cart, error)
	// UpdateItem sets a line's quantity; raising it checks the stock.
	UpdateItem(ctx context.Context, cmd UpdateItemCommand) (Cart, error)
	RemoveItem(ctx context.Context, cmd RemoveItemCommand) (Cart, error)
	Update(ctx context.Context, cmd UpdateCommand) (Cart, error)
	SetShippingMethod(ctx context.Context, cmd SetShippingMethodCommand) (Cart, error)
	// Hold quotes the cart for a checkout and holds it (see Hold): the
	// answer's lines are the ones the order gets. Repeated by the same
	// checkout it holds again. Errors: Conflict cart_completed,
	// checkout_in_progress (another checkout holds it).
	Hold(ctx context.Context, cmd HoldCommand) (Cart, error)
	// Release ends the checkout's hold. It is idempotent and changes
	// nothing when the checkout does not hold the cart.
	Release(ctx context.Context, cmd ReleaseCommand) (Cart, error)
	// Complete marks the cart completed (checkout does, after placing the
	// order) and ends its hold. It is idempotent: completing a completed
	// cart returns it unchanged and emits nothing. A cart without lines is
	// Conflict cart_empty; one with an unavailable line Conflict
	// item_unavailable.
	Complete(ctx context.Context, id string) (Cart, error)
}
