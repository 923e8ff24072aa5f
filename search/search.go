// Package search is the contract of Agora's search module.
//
// Search owns the product search index: a read model built from the events
// of the catalog, of inventory and of pricing, held in memory by every
// instance that runs the module and persisted in its data directory. It answers shoppers' searches with typo tolerance, facets,
// filters, sorting and cursor pagination, autocomplete and "did you mean",
// and it owns the search settings staff edit: synonyms and stop words per
// locale, and merchandising rules that pin or boost products for a query.
// It owns no product data: what it shows comes from the catalog's events.
//
// Events consumed: product.created, product.updated, product.deleted,
// category.created, category.updated, category.deleted (idempotent by event
// id and by product version), and inventory.level_changed (a product is in
// stock, "available", when one of its SKUs is untracked, allows backorders
// or has some available; a SKU never reported is sellable; an event older
// than the last one applied to its SKU is ignored), and
// pricing.price_list_created, pricing.price_list_updated,
// pricing.price_list_deleted, pricing.prices_set (a product's price in a
// currency and sales channel is the lowest of its variants' prices, a
// variant's price being the lowest it has in the price lists in force for
// buyers without a customer group — active, within their window, for every
// channel or this one — else its catalog list price; a window that opens or
// closes changes the index at that moment, within a second). Durable
// consumer "search" (one per instance). It emits none.
package search

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name.
const Module = "search"

// Limits on what a query may ask; larger values are Invalid (a 400), so that
// no request does unbounded work.
const (
	MaxQueryLen     = 200 // runes of q
	MaxQueryTerms   = 10  // words of q used; later words are ignored
	DefaultLimit    = 20
	MaxLimit        = 100
	MaxOffset       = 10_000 // deepest result reachable with cursors
	MaxFacets       = 10     // facets asked at once
	MaxFacetValues  = 100    // values returned per facet
	MaxFilters      = 20     // attribute filters at once
	MaxSuggest      = 10
	MaxSynonymSets  = 10_000 // per locale
	MaxSynonymTerms = 20     // terms per synonym set
	MaxStopWords    = 1_000  // per locale
	MaxRules        = 10_000
	MaxRuleProducts = 50 // pinned + boosted per rule
)

// Sort orders.
const (
	SortRelevance = "relevance"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortNewest    = "newest"
	SortPopular   = "popular"
)

// Facet names other than "attributes.<name>".
const (
	FacetCategory  = "category"
	FacetPrice     = "price"
	FacetAvailable = "available"
	// AttributePrefix starts the facet and filter names of attributes.
	AttributePrefix = "attributes."
)

// Query is a shopper's search. The zero value lists every searchable
// product of the default channel by popularity.
type Query struct {
	Q        string
	Limit    int    // 1..MaxLimit; 0: DefaultLimit
	Cursor   string // from a previous Result.NextCursor
	Sort     string // one of the Sort* constants; empty: relevance
	Currency string // ISO 4217; prices, price filters and the price facet are in it
	Locale   string // language of q (en, de, fr, es, …); empty: en
	Channel  string // sales channel; empty: the default channel
	// Facets to count over all matches: "category", "price",
	// "available", "attributes.<name>". A facet's counts ignore its own
	// filter (disjunctive faceting: with the filter color=red, the color
	// facet still counts blue and green); every other filter applies.
	Facets []string
	Filter Filter
}

// Filter narrows a query. Within one attribute the values are alternatives
// (OR); different filters must all hold (AND).
type Filter struct {
	Category   string              // id or handle; includes sub-categories
	PriceMin   *int64              // minor units of Query.Currency
	PriceMax   *int64              // minor units of Query.Currency, inclusive
	Available  *bool               // only products that can be bought now (true) or not (false)
	Attributes map[string][]string // attribute name → accepted values
}

// Hit is a product in a result.
type Hit struct {
	ID          string       `json:"id"`
	Handle      string       `json:"handle"`
	Title       string       `json:"title"`
	Price       *money.Money `json:"price" doc:"Lowest variant price in the requested currency for the sales channel (a price list's for buyers without a customer group, else the catalog list price); null without a currency or a price in it"`
	Available   bool         `json:"available" doc:"Whether the product can be bought now (in the requested currency)"`
	Image       string       `json:"image,omitempty" doc:"URL of the first image"`
	CategoryIDs []string     `json:"category_ids"`
}

// FacetValue is one value of a facet with the number of matches that have
// it. Price facets use From/To (minor units, To exclusive; absent To: no
// upper bound) instead of Value.
type FacetValue struct {
	Value string `json:"value,omitempty"`
	Label string `json:"label,omitempty" doc:"Display name (categories)"`
	From  *int64 `json:"from,omitempty"`
	To    *int64 `json:"to,omitempty"`
	Count int    `json:"count"`
}

// Result is one page of a search.
type Result struct {
	Data       []Hit                   `json:"data"`
	Facets     map[string][]FacetValue `json:"facets"`
	Total      int                     `json:"total" doc:"Number of matches"`
	NextCursor *string                 `json:"next_cursor"`
	// DidYouMean is a corrected query that has matches, given when this
	// one has none.
	DidYouMean string `json:"did_you_mean,omitempty"`
}

// SuggestQuery asks completions for what a shopper is typing.
type SuggestQuery struct {
	Q       string
	Limit   int // 1..MaxSuggest; 0: 5
	Locale  string
	Channel string
}

// Suggestion is one completion: a query to run, and for product
// suggestions the product.
type Suggestion struct {
	Text      string `json:"text"`
	ProductID string `json:"product_id,omitempty"`
	Handle    string `json:"handle,omitempty"`
}

// Suggestions answers a SuggestQuery.
type Suggestions struct {
	Queries  []Suggestion `json:"queries" doc:"Completed words or queries"`
	Products []Suggestion `json:"products" doc:"Products whose title matches"`
}

// SynonymSet is a group of words (or phrases) that mean the same in a
// locale: a query for one of them also finds the others.
type SynonymSet struct {
	Terms []string `json:"terms" minItems:"2" maxItems:"20"`
}

// Settings are the search settings of one locale.
type Settings struct {
	Locale    string       `json:"locale"`
	Synonyms  []SynonymSet `json:"synonyms"`
	StopWords []string     `json:"stop_words" doc:"Words ignored in queries (unless the query has nothing else)"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// PutSettingsCommand replaces a locale's synonyms and stop words.
type PutSettingsCommand struct {
	Locale    string       `json:"-"`
	Synonyms  []SynonymSet `json:"synonyms" maxItems:"10000"`
	StopWords []string     `json:"stop_words" maxItems:"1000"`
}

// Rule is a merchandising rule: for a query (compared after
// normalization: case, accents and punctuation do not matter), the pinned
// products come first in the given order and the boosted ones rank above
// the other matches. Rules apply to relevance sorting only.
type Rule struct {
	ID        string    `json:"id"`
	Query     string    `json:"query"`
	Pin       []string  `json:"pin" doc:"Product ids, shown first in this order"`
	Boost     []string  `json:"boost" doc:"Product ids ranked above the other matches"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PutRuleCommand creates or replaces the rule of a query.
type PutRuleCommand struct {
	Query string   `json:"query" minLength:"1" maxLength:"200"`
	Pin   []string `json:"pin,omitempty" maxItems:"50"`
	Boost []string `json:"boost,omitempty" maxItems:"50"`
}

// ReindexStatus says how a rebuild of the index goes.
type ReindexStatus struct {
	Running   bool      `json:"running"`
	Done      int       `json:"done" doc:"Products read so far"`
	Indexed   int       `json:"indexed" doc:"Products in the index (searchable or not)"`
	StartedAt time.Time `json:"started_at,omitzero"`
	Error     string    `json:"error,omitempty"`
}

// Service is the search module. Every method returns errors of the errs
// kinds: Invalid (validation_failed with fields) for a query, filter,
// facet, cursor or setting out of bounds; NotFound for an unknown rule;
// Unavailable while a rebuild cannot be started.
type Service interface {
	// Search answers a shopper's query: only published, not deleted
	// products visible in the channel.
	Search(ctx context.Context, q Query) (Result, error)
	// Suggest completes what a shopper types, from the first letter.
	Suggest(ctx context.Context, q SuggestQuery) (Suggestions, error)

	GetSettings(ctx context.Context, locale string) (Settings, error)
	PutSettings(ctx context.Context, cmd PutSettingsCommand) (Settings, error)
	ListRules(ctx context.Context) ([]Rule, error)
	// PutRule creates or replaces the rule of cmd.Query (one per query).
	PutRule(ctx context.Context, cmd PutRuleCommand) (Rule, error)
	DeleteRule(ctx context.Context, id string) error

	// Reindex starts a rebuild of the index from the catalog in the
	// background; the current index keeps serving until the new one
	// replaces it. A rebuild already running is Conflict reindex_running.
	Reindex(ctx context.Context) (ReindexStatus, error)
	ReindexStatus(ctx context.Context) (ReindexStatus, error)
}
