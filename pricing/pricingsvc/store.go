package pricingsvc

import (
	"context"
	"slices"
	"time"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
)

// BaseVariant is the read model of a catalog variant's list prices.
type BaseVariant struct {
	VariantID string
	ProductID string
	SKU       string
	Prices    []money.Money
	// Version is the version of the product the read model holds (set by
	// BaseVariants; ApplyProduct takes it from BaseProduct).
	Version int64
}

// BaseProduct is what one catalog event says about a product's variants.
type BaseProduct struct {
	ProductID string
	Version   int64
	Deleted   bool
	Variants  []BaseVariant
}

// Candidate is a list price that may apply to a quote.
type Candidate struct {
	ListID       string
	VariantID    string
	Amount       int64
	TaxInclusive bool
	Priority     int
}

// ListedPrice is a variant's price in an active list, with what the list
// says about the buyers and the moments it applies to.
type ListedPrice struct {
	Candidate
	Channel       string
	CustomerGroup string
	StartsAt      *time.Time
	EndsAt        *time.Time
}

// Applies reports whether the price applies to a buyer of channel and
// groups at at: the list targets no channel or that one, no group or one
// of groups, and its window contains at. It is the filter of Candidates.
func (p ListedPrice) Applies(channel string, groups []string, at time.Time) bool {
	return (p.Channel == "" || p.Channel == channel) &&
		(p.CustomerGroup == "" || slices.Contains(groups, p.CustomerGroup)) &&
		(p.StartsAt == nil || !p.StartsAt.After(at)) &&
		(p.EndsAt == nil || p.EndsAt.After(at))
}

// Store is pricing's private persistence. Writes are single transactions
// that append their events to the outbox.
type Store interface {
	InsertList(ctx context.Context, pl pricing.PriceList, prices []pricing.ListPrice, events []event.Event) error
	GetList(ctx context.Context, id string) (pricing.PriceList, error)
	UpdateList(ctx context.Context, id string, fn func(*pricing.PriceList) ([]event.Event, error)) (pricing.PriceList, error)
	DeleteList(ctx context.Context, id string, fn func(pricing.PriceList) ([]event.Event, error)) error
	ListLists(ctx context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error)
	// SetPrices upserts prices (amount -1 removes) after fn accepted the list.
	SetPrices(ctx context.Context, listID string, prices []pricing.ListPrice, fn func(*pricing.PriceList) ([]event.Event, error)) error
	ListPrices(ctx context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error)

	// Candidates returns the prices of active lists in currency for the
	// variants whose channel, group and window admit the buyer.
	Candidates(ctx context.Context, currency, channel string, groups []string, at time.Time, variantIDs []string) ([]Candidate, error)
	// ListedPrices returns every price of the variants in the active lists
	// of currency, whatever their channel, group and window: the data
	// Candidates filters, for a cache to filter at each quote's moment.
	ListedPrices(ctx context.Context, currency string, variantIDs []string) ([]ListedPrice, error)
	// BaseVariants returns the catalog read model of the variants it knows.
	BaseVariants(ctx context.Context, variantIDs []string) (map[string]BaseVariant, error)
	// ApplyProduct updates the read model from a catalog event, once per
	// event id (consumer is the durable name), and only when the product
	// version is newer than the one it holds. It reports whether it changed.
	ApplyProduct(ctx context.Context, consumer, eventID string, p BaseProduct) (bool, error)
}
