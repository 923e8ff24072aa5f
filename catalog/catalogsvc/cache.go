package catalogsvc

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
)

// CacheConfig sizes the cache of store reads.
type CacheConfig struct {
	// Products is how many product documents are kept (by id and by
	// handle); 0 turns the cache off.
	Products int
	// Pages is how many listing pages are kept.
	Pages int
	// SKUs is how many SKUs' stock states are kept.
	SKUs int
	// TTL bounds how long an entry lives even if no event invalidates it
	// (a safety net for a missed event; events normally invalidate within
	// milliseconds).
	TTL time.Duration
}

// DefaultCacheConfig keeps 50,000 products, 5,000 listing pages and the
// stock states of 200,000 SKUs for at most five minutes.
func DefaultCacheConfig() CacheConfig {
	return CacheConfig{Products: 50_000, Pages: 5_000, SKUs: 200_000, TTL: 5 * time.Minute}
}

// CachedStore is a Store whose store-facing reads (StoreGetProduct and
// StoreProducts, the product page and the listing, and GetCategory) come
// from in-process caches (cache.Versioned), correct by invalidation, not
// by expiry:
//
//   - its own writes invalidate what they change as they commit, so this
//     process reads its writes;
//   - HandleEvent applies the catalog's events from the bus, so that the
//     writes of other processes sharing the database invalidate here too
//     (the document is committed before its event is published, so a read
//     after the event sees the new state);
//   - a read that raced with an invalidation is never kept as current.
//
// A product is invalidated with its listings; a category or collection
// change invalidates everything (products carry their categories).
// Availability is kept per SKU as a register the newest report wins
// (cache_stock.go). Everything else is passed through.
//
// With Shared, a miss here is looked up in a second level shared by every
// instance (Redis) before the database (cache_shared.go).
type CachedStore struct {
	Store
	cfg        CacheConfig
	products   *cache.Versioned[string, catalog.Product]               // by id and by handle
	pages      *cache.Versioned[string, catalog.Page[catalog.Product]] // by pageKey
	categories *cache.Versioned[string, catalog.Category]              // by id and by handle
	stock      *cache.Versioned[string, StockState]                    // by SKU (cache_stock.go)

	// version moves whenever a store read may answer differently (see
	// StoreVersion).
	version atomic.Uint64

	hits, misses, stockHits, stockMisses atomic.Uint64
}

// NewCachedStore wraps st; with cfg.Products 0 it returns st itself.
func NewCachedStore(st Store, cfg CacheConfig) Store {
	if cfg.Products <= 0 {
		return st
	}
	c := &CachedStore{Store: st, cfg: cfg}
	c.products, c.pages = newProductCache(cfg, nil), newPageCache(cfg, nil)
	c.categories = cache.NewVersioned(cache.Options[string, catalog.Category]{MaxSize: max(cfg.Pages, 1), TTL: cfg.TTL})
	c.stock = newStockCache(cfg)
	return c
}

// newProductCache keeps product documents by id and by handle, grouped by
// product; shared may be nil.
func newProductCache(cfg CacheConfig, shared *cache.Shared[string, catalog.Product]) *cache.Versioned[string, catalog.Product] {
	return cache.NewVersioned(cache.Options[string, catalog.Product]{
		MaxSize:  cfg.Products,
		TTL:      cfg.TTL,
		Group:    func(_ string, p catalog.Product) string { return p.ID },
		KeyGroup: func(key string) (string, bool) { return key, id.HasPrefix("prod", key) },
		Shared:   shared,
	})
}

// newPageCache keeps listing pages; shared may be nil.
func newPageCache(cfg CacheConfig, shared *cache.Shared[string, catalog.Page[catalog.Product]]) *cache.Versioned[string, catalog.Page[catalog.Product]] {
	return cache.NewVersioned(cache.Options[string, catalog.Page[catalog.Product]]{
		MaxSize: max(cfg.Pages, 1), TTL: cfg.TTL, Shared: shared,
	})
}

// Invalidate drops what is cached of one product and every listing.
func (c *CachedStore) Invalidate(productID string) {
	c.products.Invalidate(productID)
	c.pages.InvalidateAll()
	c.version.Add(1)
}

// InvalidateAll drops everything cached but the stock states.
func (c *CachedStore) InvalidateAll() {
	c.products.InvalidateAll()
	c.pages.InvalidateAll()
	c.categories.InvalidateAll()
	c.version.Add(1)
}

// StoreVersion moves whenever a store read (a product page or a listing)
// may answer differently: a product, category or collection was
// invalidated, or an event changed whether a SKU can be bought. It moves
// after what it announces is visible to this cache's reads, so a reader
// that takes the version before reading never keeps an older answer
// under a newer version.
func (c *CachedStore) StoreVersion() uint64 { return c.version.Load() }

// Stats reports cache hits and misses of product reads since start.
func (c *CachedStore) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// StoreGetProduct implements Store from the cache when it can.
func (c *CachedStore) StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	if p, ok := c.products.Get(idOrHandle); ok {
		c.hits.Add(1)
		return p, nil
	}
	c.misses.Add(1)
	return c.products.Load(ctx, idOrHandle, func(ctx context.Context) (catalog.Product, error) {
		return c.Store.StoreGetProduct(ctx, idOrHandle)
	})
}

func pageKey(q catalog.StoreListQuery, categoryID string) string {
	var b strings.Builder
	b.WriteString(q.Channel)
	b.WriteByte(0)
	b.WriteString(categoryID)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(q.Limit))
	b.WriteByte(0)
	b.WriteString(q.Cursor)
	return b.String()
}

// StoreProducts implements Store from the cache when it can. A page does
// not depend on currency or locale (the service renders those), only on
// channel, category, limit and cursor.
func (c *CachedStore) StoreProducts(ctx context.Context, q catalog.StoreListQuery, categoryID string) (catalog.Page[catalog.Product], error) {
	key := pageKey(q, categoryID)
	if page, ok := c.pages.Get(key); ok {
		c.hits.Add(1)
		return page, nil
	}
	c.misses.Add(1)
	return c.pages.Load(ctx, key, func(ctx context.Context) (catalog.Page[catalog.Product], error) {
		return c.Store.StoreProducts(ctx, q, categoryID)
	})
}

// GetCategory implements Store from the cache when it can: a listing by
// category resolves the category first.
func (c *CachedStore) GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error) {
	return c.categories.Load(ctx, idOrHandle, func(ctx context.Context) (catalog.Category, error) {
		return c.Store.GetCategory(ctx, idOrHandle)
	})
}

// InsertProducts implements Store and invalidates the listings.
func (c *CachedStore) InsertProducts(ctx context.Context, ps []catalog.Product, events []event.Event) error {
	err := c.Store.InsertProducts(ctx, ps, events)
	c.pages.InvalidateAll() // even on error: a failed commit may still have landed
	c.version.Add(1)
	return err
}

// UpdateProduct implements Store and invalidates the product.
func (c *CachedStore) UpdateProduct(ctx context.Context, id string, fn func(*catalog.Product) ([]event.Event, error)) (catalog.Product, error) {
	p, err := c.Store.UpdateProduct(ctx, id, fn)
	c.Invalidate(id)
	if p.ID != "" && p.ID != id {
		c.Invalidate(p.ID)
	}
	return p, err
}

// UpdateCategory implements Store and invalidates everything (products
// carry their categories).
func (c *CachedStore) UpdateCategory(ctx context.Context, id string, fn func(*catalog.Category) ([]event.Event, error)) (catalog.Category, error) {
	cat, err := c.Store.UpdateCategory(ctx, id, fn)
	c.InvalidateAll()
	return cat, err
}

// DeleteCategory implements Store and invalidates everything.
func (c *CachedStore) DeleteCategory(ctx context.Context, id string, now time.Time, deleted func(catalog.Category) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error {
	err := c.Store.DeleteCategory(ctx, id, now, deleted, updated)
	c.InvalidateAll()
	return err
}

// DeleteCollection implements Store and invalidates everything.
func (c *CachedStore) DeleteCollection(ctx context.Context, id string, now time.Time, deleted func(catalog.Collection) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error {
	err := c.Store.DeleteCollection(ctx, id, now, deleted, updated)
	c.InvalidateAll()
	return err
}

// HandleEvent applies an event from the bus: a product event invalidates
// its product (the subject) and the listings; a category or collection
// event everything; inventory's level_changed records its SKU's stock
// state. Other events are ignored. Applying an event twice is harmless.
func (c *CachedStore) HandleEvent(_ context.Context, e event.Event) error {
	switch {
	case strings.HasPrefix(e.Type, "product."):
		c.Invalidate(e.Subject)
	case strings.HasPrefix(e.Type, "category."), strings.HasPrefix(e.Type, "collection."):
		c.InvalidateAll()
	case isStockEvent(e):
		c.handleStockEvent(e)
	}
	return nil
}

var _ Store = (*CachedStore)(nil)
