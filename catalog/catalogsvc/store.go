package catalogsvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
)

// StockState is what inventory last reported of a SKU: whether it can be
// bought, as of the time of the event that said so.
type StockState struct {
	Sellable bool
	At       time.Time
}

// Store is the catalog's private persistence, shaped by the service's use
// cases. Every write is one transaction that also appends the given events
// to the outbox. Unique violations come back as Conflict errors with the
// codes handle_taken and sku_taken; missing rows as NotFound.
type Store interface {
	InsertProducts(ctx context.Context, ps []catalog.Product, events []event.Event) error
	// GetProduct reads the latest committed product (not deleted).
	GetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error)
	// StoreGetProduct may read from a replica.
	StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error)
	UpdateProduct(ctx context.Context, id string, fn func(*catalog.Product) ([]event.Event, error)) (catalog.Product, error)
	ListProducts(ctx context.Context, q catalog.ListProductsQuery, categoryID string) (catalog.Page[catalog.Product], error)
	StoreProducts(ctx context.Context, q catalog.StoreListQuery, categoryID string) (catalog.Page[catalog.Product], error)
	MissingCategories(ctx context.Context, ids []string) ([]string, error)
	MissingCollections(ctx context.Context, ids []string) ([]string, error)

	InsertCategory(ctx context.Context, c catalog.Category, events []event.Event) error
	InsertCategories(ctx context.Context, cs []catalog.Category, events []event.Event) error
	GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error)
	Ancestors(ctx context.Context, id string) ([]string, error)
	UpdateCategory(ctx context.Context, id string, fn func(*catalog.Category) ([]event.Event, error)) (catalog.Category, error)
	DeleteCategory(ctx context.Context, id string, now time.Time, deleted func(catalog.Category) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error
	ListCategories(ctx context.Context, q catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error)
	AllCategories(ctx context.Context) ([]catalog.Category, error)

	// ApplyStock records whether a SKU can be bought, once per event id
	// (consumer is the durable name) and only when at is not older than
	// what it holds.
	ApplyStock(ctx context.Context, consumer, eventID, sku string, sellable bool, at time.Time) error
	// StockStates returns what is recorded of those of skus that have a
	// stock state. A SKU without one can be bought: it is absent from the
	// answer, or (from the cache) sellable as of the zero time.
	StockStates(ctx context.Context, skus []string) (map[string]StockState, error)

	InsertCollection(ctx context.Context, c catalog.Collection, events []event.Event) error
	GetCollection(ctx context.Context, idOrHandle string) (catalog.Collection, error)
	DeleteCollection(ctx context.Context, id string, now time.Time, deleted func(catalog.Collection) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error
	ListCollections(ctx context.Context, q catalog.ListCollectionsQuery) (catalog.Page[catalog.Collection], error)
}
