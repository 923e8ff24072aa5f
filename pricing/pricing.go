// Package pricing is the contract of Agora's pricing module.
//
// Pricing owns what a variant costs: price lists (sale prices, prices per
// sales channel or customer group, with validity windows and a
// tax-inclusive or -exclusive flag) and the resolution of the price that
// applies to a buyer at a moment. It keeps a read model of the catalog's
// list prices, built from catalog product events, as the fallback when no
// price list applies. It does not own taxes (tax), discounts (promotion) or
// currencies' exchange rates (not yet).
//
// Resolution, for one variant, currency, channel, customer group and time:
// among the active price lists of that currency whose channel and customer
// group are empty or equal to the buyer's, and whose window contains the
// time, the lowest price of the variant wins (ties: the higher priority,
// then the older list). Without one, the catalog list price in the currency
// applies (tax-exclusive unless the service is configured otherwise).
// Without either, the variant has no price in the currency (Invalid,
// code no_price). Line totals are unit × quantity, exact, in minor units;
// no rounding happens in pricing.
//
// Events emitted: pricing.price_list_created, pricing.price_list_updated,
// pricing.price_list_deleted, pricing.prices_set. Consumed:
// catalog product.created, product.updated, product.deleted.
package pricing

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name.
const Module = "pricing"

// Event types.
const (
	EventPriceListCreated = "pricing.price_list_created"
	EventPriceListUpdated = "pricing.price_list_updated"
	EventPriceListDeleted = "pricing.price_list_deleted"
	EventPricesSet        = "pricing.prices_set"
)

// Limits.
const (
	MaxLines          = 250
	MaxCustomerGroups = 20 // per quote
	MaxQuantity       = 10_000
	MaxPricesPerSet   = 5_000
	MaxListLimit      = 100
	DefaultLimit      = 20
)

// PriceList is a set of prices in one currency for the buyers it targets.
type PriceList struct {
	ID            string     `json:"id" doc:"Price list id (pl_…)"`
	Name          string     `json:"name"`
	Currency      string     `json:"currency" doc:"ISO 4217 currency of every price of the list"`
	Channel       string     `json:"channel" doc:"Sales channel it applies to; empty: every channel"`
	CustomerGroup string     `json:"customer_group" doc:"Customer group it applies to; empty: every buyer"`
	StartsAt      *time.Time `json:"starts_at,omitempty" doc:"Start of validity (inclusive)"`
	EndsAt        *time.Time `json:"ends_at,omitempty" doc:"End of validity (exclusive)"`
	TaxInclusive  bool       `json:"tax_inclusive" doc:"Whether its prices include tax"`
	Priority      int        `json:"priority" doc:"Breaks ties between equal prices; higher wins"`
	Active        bool       `json:"active"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// PriceListCreated is the data of pricing.price_list_created: the list
// and the prices it was created with (none when it was created empty).
// The data of price_list_updated and price_list_deleted is the PriceList.
type PriceListCreated struct {
	PriceList
	Prices []ListPrice `json:"prices,omitempty"`
}

// PricesSet is the data of pricing.prices_set: the prices upserted into a
// list (an amount of -1 removed the variant's price) and the list's
// version after the change.
type PricesSet struct {
	PriceListID string      `json:"price_list_id"`
	Version     int64       `json:"version"`
	Prices      []ListPrice `json:"prices"`
}

// ListPrice is the price of one variant in a price list.
type ListPrice struct {
	VariantID string `json:"variant_id" doc:"Variant id (var_…)"`
	Amount    int64  `json:"amount" minimum:"-1" doc:"Unit price in minor units of the list's currency; -1 removes the price (set prices only)"`
}

// CreatePriceListCommand creates a price list (active unless Active is false).
type CreatePriceListCommand struct {
	Name          string      `json:"name" minLength:"1" maxLength:"200"`
	Currency      string      `json:"currency" pattern:"^[A-Z]{3}$"`
	Channel       string      `json:"channel,omitempty" maxLength:"64"`
	CustomerGroup string      `json:"customer_group,omitempty" maxLength:"64"`
	StartsAt      *time.Time  `json:"starts_at,omitempty"`
	EndsAt        *time.Time  `json:"ends_at,omitempty"`
	TaxInclusive  bool        `json:"tax_inclusive,omitempty"`
	Priority      int         `json:"priority,omitempty" minimum:"-1000" maximum:"1000"`
	Active        *bool       `json:"active,omitempty"`
	Prices        []ListPrice `json:"prices,omitempty" maxItems:"5000"`
}

// UpdatePriceListCommand changes the fields that are set; the currency of a
// list cannot change. ClearStartsAt/ClearEndsAt remove a window bound.
type UpdatePriceListCommand struct {
	ID            string     `json:"-"`
	Name          *string    `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Channel       *string    `json:"channel,omitempty" maxLength:"64"`
	CustomerGroup *string    `json:"customer_group,omitempty" maxLength:"64"`
	StartsAt      *time.Time `json:"starts_at,omitempty"`
	EndsAt        *time.Time `json:"ends_at,omitempty"`
	ClearStartsAt bool       `json:"clear_starts_at,omitempty"`
	ClearEndsAt   bool       `json:"clear_ends_at,omitempty"`
	TaxInclusive  *bool      `json:"tax_inclusive,omitempty"`
	Priority      *int       `json:"priority,omitempty" minimum:"-1000" maximum:"1000"`
	Active        *bool      `json:"active,omitempty"`
}

// SetPricesCommand upserts prices of a list; an amount of -1 removes the
// variant's price from the list.
type SetPricesCommand struct {
	ListID string      `json:"-"`
	Prices []ListPrice `json:"prices" minItems:"1" maxItems:"5000"`
}

// ListPriceListsQuery lists price lists by id.
type ListPriceListsQuery struct {
	Currency string
	Limit    int
	Cursor   string
}

// ListPricesQuery lists the prices of one list by variant id.
type ListPricesQuery struct {
	ListID string
	Limit  int
	Cursor string
}

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// QuoteLine asks the price of a quantity of a variant.
type QuoteLine struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity" minimum:"1" maximum:"10000"`
}

// QuoteQuery asks the prices that apply to a buyer at a moment.
type QuoteQuery struct {
	Currency      string `json:"currency" pattern:"^[A-Z]{3}$"`
	Channel       string `json:"channel,omitempty" maxLength:"64"`
	CustomerGroup string `json:"customer_group,omitempty" maxLength:"64"`
	// CustomerGroups are more groups of the buyer (a customer may belong to
	// several): lists of any of them, and of CustomerGroup, apply.
	CustomerGroups []string    `json:"customer_groups,omitempty" maxItems:"20"`
	At             time.Time   `json:"at,omitzero" required:"false" doc:"Moment of the quote; default now"`
	Lines          []QuoteLine `json:"lines" minItems:"1" maxItems:"250"`
}

// PricedLine is the price of one quoted line.
type PricedLine struct {
	VariantID    string       `json:"variant_id"`
	ProductID    string       `json:"product_id"`
	SKU          string       `json:"sku"`
	Quantity     int64        `json:"quantity"`
	UnitPrice    money.Money  `json:"unit_price"`
	Total        money.Money  `json:"total" doc:"unit_price × quantity, exact"`
	TaxInclusive bool         `json:"tax_inclusive"`
	PriceListID  string       `json:"price_list_id,omitempty" doc:"The list the price came from; empty: the catalog price"`
	CompareAt    *money.Money `json:"compare_at,omitempty" doc:"The catalog price, when a lower list price applies"`
}

// Quote is the priced lines of a QuoteQuery, in its order.
type Quote struct {
	Currency string       `json:"currency"`
	Lines    []PricedLine `json:"lines"`
	Subtotal money.Money  `json:"subtotal" doc:"Sum of the line totals (as they are: tax-inclusive lines include tax)"`
}

// Service is pricing. Errors: Invalid (validation_failed with fields;
// no_price when a variant has no price in the currency, naming the
// lines), NotFound (unknown price list or variant: unknown_variant),
// Conflict (version_conflict).
type Service interface {
	CreatePriceList(ctx context.Context, cmd CreatePriceListCommand) (PriceList, error)
	GetPriceList(ctx context.Context, id string) (PriceList, error)
	UpdatePriceList(ctx context.Context, cmd UpdatePriceListCommand) (PriceList, error)
	DeletePriceList(ctx context.Context, id string) error
	ListPriceLists(ctx context.Context, q ListPriceListsQuery) (Page[PriceList], error)
	SetPrices(ctx context.Context, cmd SetPricesCommand) error
	ListPrices(ctx context.Context, q ListPricesQuery) (Page[ListPrice], error)

	// Quote prices lines for a buyer. It reads only; it is safe to call
	// as often as totals need recomputing.
	Quote(ctx context.Context, q QuoteQuery) (Quote, error)
}
