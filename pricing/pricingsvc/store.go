package pricingsvc

import (
	"context"
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
	// BaseVariants returns the catalog read model of the variants it knows.
	BaseVariants(ctx context.Context, variantIDs []string) (map[string]BaseVariant, error)
	// ApplyProduct updates the read model from a catalog event, once per
	// event id (consumer is the durable name), and only when the product
	// version is newer than the one it holds. It reports whether it changed.
	ApplyProduct(ctx context.Context, consumer, eventID string, p BaseProduct) (bool, error)
}
