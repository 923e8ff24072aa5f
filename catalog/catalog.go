// Package catalog is the contract of Agora's catalog module.
//
// The catalog owns products, their variants, options and attributes,
// categories (a tree), collections, media, translations of titles and
// descriptions per locale, publication status and sales-channel visibility.
// It does not own prices beyond the list prices of variants (pricing does),
// stock (inventory does), or search (search builds its own read model from
// the catalog's events).
//
// Events emitted (through the module's outbox): product.created,
// product.updated, product.deleted, category.created, category.updated,
// category.deleted, collection.created, collection.updated,
// collection.deleted. The data of a product event is the whole Product; of a
// category event the whole Category. It consumes inventory.level_changed,
// to say in store reads whether a variant can be bought now.
package catalog

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name: its tables are prefixed "catalog_", its
// events come from "agora/catalog".
const Module = "catalog"

// Event types.
const (
	EventProductCreated    = "product.created"
	EventProductUpdated    = "product.updated"
	EventProductDeleted    = "product.deleted"
	EventCategoryCreated   = "category.created"
	EventCategoryUpdated   = "category.updated"
	EventCategoryDeleted   = "category.deleted"
	EventCollectionCreated = "collection.created"
	EventCollectionUpdated = "collection.updated"
	EventCollectionDeleted = "collection.deleted"
)

// Status is the publication status of a product.
type Status string

// The statuses. Only published products are visible in the store.
const (
	Draft     Status = "draft"
	Published Status = "published"
	Archived  Status = "archived"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Draft || s == Published || s == Archived }

// Limits on what the catalog accepts.
const (
	MaxTitle        = 300
	MaxDescription  = 100_000
	MaxVariants     = 250
	MaxOptions      = 5
	MaxOptionValues = 100
	MaxAttributes   = 100
	MaxMedia        = 50
	MaxCategories   = 50
	MaxChannels     = 50
	MaxLocales      = 50
	MaxSKU          = 100
	MaxPrices       = 50
	MaxShortText    = 500
	MaxURL          = 2048
	MaxListLimit    = 100
	DefaultLimit    = 20
	MaxCategoryTree = 20 // depth
)

// DefaultChannel is the sales channel of the store API when none is chosen.
const DefaultChannel = "default"

// Product is a product with its variants.
type Product struct {
	ID            string                 `json:"id" doc:"Product id (prod_…)"`
	Handle        string                 `json:"handle" doc:"Unique URL handle"`
	Title         string                 `json:"title"`
	Description   string                 `json:"description"`
	Status        Status                 `json:"status" enum:"draft,published,archived"`
	CategoryIDs   []string               `json:"category_ids"`
	CollectionIDs []string               `json:"collection_ids"`
	Attributes    map[string]string      `json:"attributes"`
	Options       []Option               `json:"options"`
	Variants      []Variant              `json:"variants"`
	Media         []Media                `json:"media"`
	Translations  map[string]Translation `json:"translations" doc:"Title and description per locale (BCP 47, e.g. de, fr-CA)"`
	Channels      []string               `json:"channels" doc:"Sales channels the product is visible in; empty means all"`
	Version       int64                  `json:"version" doc:"Incremented by every change"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
	DeletedAt     *time.Time             `json:"deleted_at,omitempty"`
}

// Option is a dimension in which variants differ, with its values.
type Option struct {
	Name   string   `json:"name" minLength:"1" maxLength:"100"`
	Values []string `json:"values" minItems:"1" maxItems:"100"`
}

// Variant is a purchasable version of a product.
type Variant struct {
	ID              string            `json:"id" doc:"Variant id (var_…)"`
	SKU             string            `json:"sku" doc:"Stock keeping unit, unique across the catalog"`
	Title           string            `json:"title"`
	Options         map[string]string `json:"options" doc:"Option name to value"`
	Prices          []money.Money     `json:"prices" doc:"List prices, one per currency"`
	ManageInventory bool              `json:"manage_inventory"`
	AllowBackorder  bool              `json:"allow_backorder"`
	WeightGrams     int64             `json:"weight_grams"`
}

// Price returns the variant's list price in currency, if it has one.
func (v Variant) Price(currency string) (money.Money, bool) {
	for _, p := range v.Prices {
		if p.Currency == currency {
			return p, true
		}
	}
	return money.Money{}, false
}

// Media is an image or video of a product.
type Media struct {
	URL      string `json:"url" format:"uri" maxLength:"2048"`
	Alt      string `json:"alt" maxLength:"500" required:"false"`
	Position int    `json:"position" required:"false" doc:"Set from the order of the list"`
}

// Translation is a product's or category's text in one locale.
type Translation struct {
	Title       string `json:"title,omitempty" maxLength:"300"`
	Description string `json:"description,omitempty" maxLength:"100000"`
}

// Category is a node of the category tree.
type Category struct {
	ID           string                 `json:"id" doc:"Category id (cat_…)"`
	Handle       string                 `json:"handle"`
	Name         string                 `json:"name"`
	Description  string                 `json:"description"`
	ParentID     string                 `json:"parent_id,omitempty"`
	Position     int                    `json:"position"`
	Translations map[string]Translation `json:"translations"`
	Version      int64                  `json:"version"`
	CreatedAt    time.Time              `json:"created_at"`
	UpdatedAt    time.Time              `json:"updated_at"`
}

// Collection is a hand-picked group of products (products name their
// collections in CollectionIDs).
type Collection struct {
	ID          string    `json:"id" doc:"Collection id (col_…)"`
	Handle      string    `json:"handle"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// VariantInput is a variant as given on create or update. A variant with an
// ID updates that variant; one without is new; variants left out of an
// update are removed.
type VariantInput struct {
	ID              string            `json:"id,omitempty" doc:"Existing variant to update"`
	SKU             string            `json:"sku,omitempty" maxLength:"100" doc:"Unique across the catalog when set"`
	Title           string            `json:"title,omitempty" maxLength:"300"`
	Options         map[string]string `json:"options,omitempty"`
	Prices          []money.Money     `json:"prices,omitempty" maxItems:"50"`
	ManageInventory *bool             `json:"manage_inventory,omitempty" doc:"Default true"`
	AllowBackorder  bool              `json:"allow_backorder,omitempty"`
	WeightGrams     int64             `json:"weight_grams,omitempty" minimum:"0" maximum:"100000000"`
}

// CreateProductCommand creates a product. Handle defaults to a slug of the
// title; Status to draft.
type CreateProductCommand struct {
	Title         string                 `json:"title" minLength:"1" maxLength:"300"`
	Handle        string                 `json:"handle,omitempty" maxLength:"120"`
	Description   string                 `json:"description,omitempty" maxLength:"100000"`
	Status        Status                 `json:"status,omitempty" enum:"draft,published,archived"`
	CategoryIDs   []string               `json:"category_ids,omitempty" maxItems:"50"`
	CollectionIDs []string               `json:"collection_ids,omitempty" maxItems:"50"`
	Attributes    map[string]string      `json:"attributes,omitempty"`
	Options       []Option               `json:"options,omitempty" maxItems:"5"`
	Variants      []VariantInput         `json:"variants,omitempty" maxItems:"250"`
	Media         []Media                `json:"media,omitempty" maxItems:"50"`
	Translations  map[string]Translation `json:"translations,omitempty"`
	Channels      []string               `json:"channels,omitempty" maxItems:"50"`
}

// UpdateProductCommand changes the fields that are set (a JSON merge of the
// top-level fields). Variants, when set, replace the variant list (see
// VariantInput). ExpectedVersion, when non-zero, makes the update fail with
// Conflict "version_conflict" if the product changed since.
type UpdateProductCommand struct {
	ID              string                  `json:"-"`
	ExpectedVersion int64                   `json:"version,omitempty" doc:"Fail with 409 if the product's version differs"`
	Title           *string                 `json:"title,omitempty" minLength:"1" maxLength:"300"`
	Handle          *string                 `json:"handle,omitempty" maxLength:"120"`
	Description     *string                 `json:"description,omitempty" maxLength:"100000"`
	Status          *Status                 `json:"status,omitempty" enum:"draft,published,archived"`
	CategoryIDs     *[]string               `json:"category_ids,omitempty" maxItems:"50"`
	CollectionIDs   *[]string               `json:"collection_ids,omitempty" maxItems:"50"`
	Attributes      *map[string]string      `json:"attributes,omitempty"`
	Options         *[]Option               `json:"options,omitempty" maxItems:"5"`
	Variants        *[]VariantInput         `json:"variants,omitempty" maxItems:"250"`
	Media           *[]Media                `json:"media,omitempty" maxItems:"50"`
	Translations    *map[string]Translation `json:"translations,omitempty"`
	Channels        *[]string               `json:"channels,omitempty" maxItems:"50"`
}

// ListProductsQuery lists products for the admin, newest first.
type ListProductsQuery struct {
	Status   Status // empty: every status
	Category string // id or handle; includes sub-categories
	Query    string // case-insensitive substring of the title
	SKU      string
	Deleted  bool // list soft-deleted products instead
	Limit    int
	Cursor   string
}

// StoreListQuery lists published products of a channel for shoppers.
type StoreListQuery struct {
	Channel  string
	Category string // id or handle; includes sub-categories
	Currency string // prices in this currency; empty: none
	Locale   string
	Limit    int
	Cursor   string
}

// StoreProductQuery reads one published product for a shopper.
type StoreProductQuery struct {
	IDOrHandle string
	Channel    string
	Currency   string
	Locale     string
}

// StoreProduct is a product as a shopper sees it: translated, with prices in
// one currency.
type StoreProduct struct {
	ID          string            `json:"id"`
	Handle      string            `json:"handle"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	CategoryIDs []string          `json:"category_ids"`
	Attributes  map[string]string `json:"attributes"`
	Options     []Option          `json:"options"`
	Variants    []StoreVariant    `json:"variants"`
	Media       []Media           `json:"media"`
	Available   bool              `json:"available" doc:"Whether any variant can be bought now"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Version     int64             `json:"version"`
}

// StoreVariant is a variant as a shopper sees it.
type StoreVariant struct {
	ID        string            `json:"id"`
	SKU       string            `json:"sku"`
	Title     string            `json:"title"`
	Options   map[string]string `json:"options"`
	Price     *money.Money      `json:"price" doc:"Price in the requested currency; null when the variant has none in it"`
	Available bool              `json:"available" doc:"Whether it can be bought now: priced in the currency and not reported out of stock by inventory"`
}

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// CreateCategoryCommand creates a category under ParentID (empty: a root).
type CreateCategoryCommand struct {
	Name         string                 `json:"name" minLength:"1" maxLength:"300"`
	Handle       string                 `json:"handle,omitempty" maxLength:"120"`
	Description  string                 `json:"description,omitempty" maxLength:"100000"`
	ParentID     string                 `json:"parent_id,omitempty"`
	Position     int                    `json:"position,omitempty" minimum:"0" maximum:"1000000"`
	Translations map[string]Translation `json:"translations,omitempty"`
}

// UpdateCategoryCommand changes the fields that are set. Moving a category
// under one of its descendants is Invalid.
type UpdateCategoryCommand struct {
	ID           string                  `json:"-"`
	Name         *string                 `json:"name,omitempty" minLength:"1" maxLength:"300"`
	Handle       *string                 `json:"handle,omitempty" maxLength:"120"`
	Description  *string                 `json:"description,omitempty" maxLength:"100000"`
	ParentID     *string                 `json:"parent_id,omitempty" doc:"New parent; empty string makes it a root"`
	Position     *int                    `json:"position,omitempty" minimum:"0" maximum:"1000000"`
	Translations *map[string]Translation `json:"translations,omitempty"`
}

// ListCategoriesQuery lists categories ordered by id.
type ListCategoriesQuery struct {
	ParentID string // only children of this category; "" all
	Limit    int
	Cursor   string
}

// CategoryNode is a category with its children, for the store's tree.
type CategoryNode struct {
	ID       string         `json:"id"`
	Handle   string         `json:"handle"`
	Name     string         `json:"name"`
	Children []CategoryNode `json:"children"`
}

// CreateCollectionCommand creates a collection.
type CreateCollectionCommand struct {
	Title       string `json:"title" minLength:"1" maxLength:"300"`
	Handle      string `json:"handle,omitempty" maxLength:"120"`
	Description string `json:"description,omitempty" maxLength:"100000"`
}

// ListCollectionsQuery lists collections ordered by id.
type ListCollectionsQuery struct {
	Limit  int
	Cursor string
}

// ImportProductsCommand creates many products at once, in batches of one
// transaction each (the seed and bulk imports). A product without a handle
// whose derived handle is taken gets a suffixed one, as on create; a taken
// explicit handle or SKU fails its batch with Conflict (handle_taken,
// sku_taken), and an invalid product fails its batch with Invalid, its
// index in the field names. Batches before the failing one stay created.
type ImportProductsCommand struct {
	Products []CreateProductCommand
}

// ImportResult says what an import created.
type ImportResult struct {
	Created int
	IDs     []string
}

// Service is the catalog. Every method returns errors of the errs kinds:
// Invalid (validation_failed with fields), NotFound, Conflict
// (handle_taken, sku_taken, version_conflict, category_has_children).
// Writes are atomic and emit their events in the same transaction.
type Service interface {
	CreateProduct(ctx context.Context, cmd CreateProductCommand) (Product, error)
	// GetProduct reads a product by id or handle, including drafts and
	// archived ones; soft-deleted ones are NotFound.
	GetProduct(ctx context.Context, idOrHandle string) (Product, error)
	UpdateProduct(ctx context.Context, cmd UpdateProductCommand) (Product, error)
	// DeleteProduct soft-deletes a product: it leaves the store and the
	// admin lists, frees its handle and SKUs, and emits product.deleted.
	// Deleting a deleted product is NotFound.
	DeleteProduct(ctx context.Context, id string) error
	ListProducts(ctx context.Context, q ListProductsQuery) (Page[Product], error)

	// StoreProduct reads a published product visible in the channel; a
	// draft, archived, deleted or hidden product is NotFound.
	StoreProduct(ctx context.Context, q StoreProductQuery) (StoreProduct, error)
	StoreProducts(ctx context.Context, q StoreListQuery) (Page[StoreProduct], error)

	CreateCategory(ctx context.Context, cmd CreateCategoryCommand) (Category, error)
	GetCategory(ctx context.Context, idOrHandle string) (Category, error)
	UpdateCategory(ctx context.Context, cmd UpdateCategoryCommand) (Category, error)
	// DeleteCategory deletes a category without children; its products
	// lose it. A category with children is Conflict category_has_children.
	DeleteCategory(ctx context.Context, id string) error
	ListCategories(ctx context.Context, q ListCategoriesQuery) (Page[Category], error)
	// CategoryTree returns every category as a tree, roots first, in the
	// given locale.
	CategoryTree(ctx context.Context, locale string) ([]CategoryNode, error)

	CreateCollection(ctx context.Context, cmd CreateCollectionCommand) (Collection, error)
	GetCollection(ctx context.Context, idOrHandle string) (Collection, error)
	DeleteCollection(ctx context.Context, id string) error
	ListCollections(ctx context.Context, q ListCollectionsQuery) (Page[Collection], error)

	// ImportProducts creates many products at once; see ImportProductsCommand.
	ImportProducts(ctx context.Context, cmd ImportProductsCommand) (ImportResult, error)
}
