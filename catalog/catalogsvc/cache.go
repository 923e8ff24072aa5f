package catalogsvc

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
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
// StoreProducts, the product page and the listing) come from an in-process
// cache. It is correct by invalidation, not by expiry:
//
//   - its own writes invalidate what they change as they commit, so this
//     process reads its writes;
//   - HandleEvent applies the catalog's events from the bus, so that the
//     writes of other processes sharing the database invalidate here too
//     (the document is committed before its event is published, so a read
//     after the event sees the new state);
//   - an entry remembers the generation of its product (and of the whole
//     cache) when it was read, and a later invalidation bumps the
//     generation, so a read that raced with a write is never kept as
//     current.
//
// Availability is kept per SKU as a register the newest report wins
// (cache_stock.go). Everything else is passed through.
//
// With Shared, a miss here is looked up in a second level shared by every
// instance (Redis) before the database; see shared for why that level
// cannot keep serving a stale value either.
type CachedStore struct {
	Store
	products *otter.Cache[string, cachedProduct]
	pages    *otter.Cache[string, cachedPage]

	mu   sync.Mutex
	gens map[string]uint64 // product id → generation, for invalidated products
	all  atomic.Uint64     // bumped when everything is invalidated
	list atomic.Uint64     // bumped when any listing may have changed
	// flips is bumped when an event changes whether a SKU can be bought
	// (cache_stock.go).
	flips atomic.Uint64

	hits, misses atomic.Uint64

	stock                  *otter.Cache[string, StockState]     // by SKU (cache_stock.go)
	categories             *otter.Cache[string, cachedCategory] // by id and by handle (cache_category.go)
	stockHits, stockMisses atomic.Uint64

	l2 *shared // the second level shared by every instance, or nil (cache_shared.go)
}

type cachedProduct struct {
	p        catalog.Product
	gen, all uint64
}

type cachedPage struct {
	page catalog.Page[catalog.Product]
	list uint64
}

// NewCachedStore wraps st; with cfg.Products 0 it returns st itself.
func NewCachedStore(st Store, cfg CacheConfig) Store {
	if cfg.Products <= 0 {
		return st
	}
	c := &CachedStore{Store: st, gens: map[string]uint64{}}
	c.products = otter.Must(&otter.Options[string, cachedProduct]{
		MaximumSize: cfg.Products, ExpiryCalculator: otter.ExpiryWriting[string, cachedProduct](cfg.TTL),
	})
	c.pages = otter.Must(&otter.Options[string, cachedPage]{
		MaximumSize: max(cfg.Pages, 1), ExpiryCalculator: otter.ExpiryWriting[string, cachedPage](cfg.TTL),
	})
	c.stock = newStockCache(cfg)
	c.categories = newCategoryCache(cfg)
	return c
}

func (c *CachedStore) gen(productID string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[productID]
}

// Invalidate drops what is cached of one product and every listing.
func (c *CachedStore) Invalidate(productID string) {
	c.l2.invalidateProduct(productID) // the shared level first (see shared)
	c.mu.Lock()
	c.gens[productID]++
	if len(c.gens) > 1_000_000 { // bounded: past this, start over with a new era
		clear(c.gens)
		c.all.Add(1)
	}
	c.list.Add(1) // with the generation, under the lock (see StoreGetProduct)
	c.mu.Unlock()
}

// InvalidateAll drops everything cached.
func (c *CachedStore) InvalidateAll() {
	c.l2.invalidateAll()
	c.all.Add(1)
	c.list.Add(1)
}

// StoreVersion moves whenever a store read (a product page or a listing)
// may answer differently: a product, category or collection was
// invalidated, or an event changed whether a SKU can be bought. It is
// bumped after what it announces is visible to this cache's reads, so a
// reader that takes the version before reading never keeps an older
// answer under a newer version. Both counters only grow, so their sum
// moves whenever either does.
func (c *CachedStore) StoreVersion() uint64 { return c.list.Load() + c.flips.Load() }

// Stats reports cache hits and misses of product reads since start.
func (c *CachedStore) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// StoreGetProduct implements Store from the cache when it can.
func (c *CachedStore) StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	e, ok := c.products.GetIfPresent(idOrHandle)
	if ok && e.all == c.all.Load() && e.gen == c.gen(e.p.ID) {
		c.hits.Add(1)
		return e.p, nil
	}
	c.misses.Add(1)
	// Every invalidation bumps list: when it did not move during the read,
	// nothing was invalidated meanwhile and the product's generation now
	// is the one the read saw. Otherwise the answer is not kept.
	list, all := c.list.Load(), c.all.Load()
	var p catalog.Product
	var err error
	if c.l2 != nil {
		p, err = c.l2.product(ctx, idOrHandle, e.p.ID, c.Store.StoreGetProduct)
	} else {
		p, err = c.Store.StoreGetProduct(ctx, idOrHandle)
	}
	if err != nil {
		return p, err
	}
	// The generation and the check that nothing was invalidated are read
	// together: Invalidate moves both under the same lock, so a product
	// invalidated after this read is never kept under its new generation.
	c.mu.Lock()
	keep, gen := c.list.Load() == list, c.gens[p.ID]
	c.mu.Unlock()
	if keep {
		c.products.Set(idOrHandle, cachedProduct{p: p, gen: gen, all: all})
	}
	return p, nil
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
	list := c.list.Load()
	if e, ok := c.pages.GetIfPresent(key); ok && e.list == list {
		c.hits.Add(1)
		return e.page, nil
	}
	c.misses.Add(1)
	load := func(ctx context.Context) (catalog.Page[catalog.Product], error) {
		return c.Store.StoreProducts(ctx, q, categoryID)
	}
	var page catalog.Page[catalog.Product]
	var err error
	if c.l2 != nil {
		page, err = c.l2.page(ctx, key, load)
	} else {
		page, err = load(ctx)
	}
	if err != nil {
		return page, err
	}
	if c.list.Load() == list {
		c.pages.Set(key, cachedPage{page: page, list: list})
	}
	return page, nil
}

// InsertProducts implements Store and invalidates the listings.
func (c *CachedStore) InsertProducts(ctx context.Context, ps []catalog.Product, events []event.Event) error {
	err := c.Store.InsertProducts(ctx, ps, events)
	c.l2.invalidateList()
	c.list.Add(1) // even on error: a failed commit may still have landed
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
