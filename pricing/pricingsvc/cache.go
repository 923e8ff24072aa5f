package pricingsvc

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/pricing"
)

// CacheConfig sizes the cache of the reads of Quote.
type CacheConfig struct {
	// Variants is how many variants' catalog prices are kept, and how
	// many (currency, variant) sets of list prices; 0 turns the cache off.
	Variants int
	// TTL bounds how long an entry lives even if nothing invalidates it
	// (a safety net for a missed event; events normally invalidate within
	// milliseconds).
	TTL time.Duration
}

// DefaultCacheConfig keeps the prices of 100,000 variants for at most
// five minutes.
func DefaultCacheConfig() CacheConfig {
	return CacheConfig{Variants: 100_000, TTL: 5 * time.Minute}
}

// CachedStore is a Store whose reads for Quote (BaseVariants and
// Candidates) come from in-process caches (cache.Versioned) of pricing's
// own data: the read model of a variant's catalog prices, and the prices
// of a variant in the active lists of a currency with the lists' targets
// and windows. The cache keeps data, never a decision that depends on the
// time: which list applies is decided at each quote's moment
// (ListedPrice.Applies), so a list whose window opens or closes needs no
// invalidation.
//
// It is correct by invalidation, as the catalog's cache is:
//
//   - its own writes invalidate what they change as they commit (a price
//     list change drops every cached list price; a product applied to the
//     read model drops its variants), so this process reads its writes;
//   - HandleEvent applies pricing's events and the catalog's product
//     events from the bus, so that the writes of other processes sharing
//     the database invalidate here too;
//   - a read that raced with an invalidation is never kept as current.
//
// A catalog event may reach this process before the process that consumes
// it has applied it to the read model. So an invalidation by a product
// event also records the event's product version, and a read of an older
// version of that product is answered but not kept: the cache serves a
// product only once the read model has caught up with the newest event
// seen. Everything else is passed through.
type CachedStore struct {
	Store
	base   *cache.Versioned[string, BaseVariant]   // by variant id, grouped by product
	listed *cache.Versioned[string, []ListedPrice] // by currency and variant id

	mu     sync.Mutex
	floors map[string]int64 // product id → the newest product version an event announced

	hits, misses atomic.Uint64
}

// maxFloors bounds the floors kept: past it, they are forgotten with
// everything cached.
const maxFloors = 1_000_000

// NewCachedStore wraps st; with cfg.Variants 0 it returns st itself.
func NewCachedStore(st Store, cfg CacheConfig) Store {
	if cfg.Variants <= 0 {
		return st
	}
	return &CachedStore{Store: st, floors: map[string]int64{},
		base: cache.NewVersioned(cache.Options[string, BaseVariant]{
			MaxSize: cfg.Variants, TTL: cfg.TTL,
			Group: func(_ string, v BaseVariant) string { return v.ProductID },
		}),
		listed: cache.NewVersioned(cache.Options[string, []ListedPrice]{MaxSize: cfg.Variants, TTL: cfg.TTL}),
	}
}

// Stats reports cache hits and misses of variant reads since start.
func (c *CachedStore) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// InvalidateProduct drops what is cached of one product's variants; a
// version above 0 is the product version an event announced, below which
// reads of the product are no longer kept.
func (c *CachedStore) InvalidateProduct(productID string, version int64) {
	if version > 0 {
		c.mu.Lock()
		if version > c.floors[productID] {
			c.floors[productID] = version
		}
		full := len(c.floors) > maxFloors
		if full {
			clear(c.floors)
		}
		c.mu.Unlock()
		if full {
			c.base.InvalidateAll()
		}
	}
	c.base.Invalidate(productID) // after the floor: a read that passed the floor check is not kept
}

// InvalidateLists drops every cached list price.
func (c *CachedStore) InvalidateLists() { c.listed.InvalidateAll() }

// InvalidateAll drops everything cached.
func (c *CachedStore) InvalidateAll() {
	c.base.InvalidateAll()
	c.listed.InvalidateAll()
}

// current reports whether v is at least the newest version of its product
// an event announced.
func (c *CachedStore) current(v BaseVariant) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return v.Version >= c.floors[v.ProductID]
}

// BaseVariants implements Store from the cache when it can.
func (c *CachedStore) BaseVariants(ctx context.Context, variantIDs []string) (map[string]BaseVariant, error) {
	out := make(map[string]BaseVariant, len(variantIDs))
	var miss []string
	for _, vid := range variantIDs {
		if v, ok := c.base.Get(vid); ok {
			out[vid] = v
			continue
		}
		miss = append(miss, vid)
	}
	c.hits.Add(uint64(len(variantIDs) - len(miss)))
	if len(miss) == 0 {
		return out, nil
	}
	c.misses.Add(uint64(len(miss)))
	at := c.base.Version()
	got, err := c.Store.BaseVariants(ctx, miss)
	if err != nil {
		return nil, err
	}
	// A variant unknown to the read model is not kept (its product's first
	// event names no variant it had).
	for vid, v := range got {
		out[vid] = v
		if c.current(v) {
			c.base.Set(vid, v, at)
		}
	}
	return out, nil
}

func listedKey(currency, variantID string) string { return currency + "\x00" + variantID }

// Candidates implements Store from the cached list prices of the variants,
// filtered at the moment asked.
func (c *CachedStore) Candidates(ctx context.Context, currency, channel string, groups []string, at time.Time, variantIDs []string) ([]Candidate, error) {
	var out []Candidate
	add := func(prices []ListedPrice) {
		for _, p := range prices {
			if p.Applies(channel, groups, at) {
				out = append(out, p.Candidate)
			}
		}
	}
	var miss []string
	for _, vid := range variantIDs {
		if prices, ok := c.listed.Get(listedKey(currency, vid)); ok {
			add(prices)
			continue
		}
		miss = append(miss, vid)
	}
	if len(miss) == 0 {
		return out, nil
	}
	read := c.listed.Version()
	got, err := c.Store.ListedPrices(ctx, currency, miss)
	if err != nil {
		return nil, err
	}
	add(got)
	// A variant without list prices is kept too.
	byVariant := make(map[string][]ListedPrice, len(miss))
	for _, p := range got {
		byVariant[p.VariantID] = append(byVariant[p.VariantID], p)
	}
	for _, vid := range miss {
		if !c.listed.Set(listedKey(currency, vid), byVariant[vid], read) {
			break // a list changed during the read
		}
	}
	return out, nil
}

// InsertList implements Store and invalidates the list prices.
func (c *CachedStore) InsertList(ctx context.Context, pl pricing.PriceList, prices []pricing.ListPrice, events []event.Event) error {
	err := c.Store.InsertList(ctx, pl, prices, events)
	c.InvalidateLists() // even on error: a failed commit may still have landed
	return err
}

// UpdateList implements Store and invalidates the list prices.
func (c *CachedStore) UpdateList(ctx context.Context, id string, fn func(*pricing.PriceList) ([]event.Event, error)) (pricing.PriceList, error) {
	pl, err := c.Store.UpdateList(ctx, id, fn)
	c.InvalidateLists()
	return pl, err
}

// DeleteList implements Store and invalidates the list prices.
func (c *CachedStore) DeleteList(ctx context.Context, id string, fn func(pricing.PriceList) ([]event.Event, error)) error {
	err := c.Store.DeleteList(ctx, id, fn)
	c.InvalidateLists()
	return err
}

// SetPrices implements Store and invalidates the list prices.
func (c *CachedStore) SetPrices(ctx context.Context, listID string, prices []pricing.ListPrice, fn func(*pricing.PriceList) ([]event.Event, error)) error {
	err := c.Store.SetPrices(ctx, listID, prices, fn)
	c.InvalidateLists()
	return err
}

// ApplyProduct implements Store and invalidates the product's variants
// when it changed them.
func (c *CachedStore) ApplyProduct(ctx context.Context, consumer, eventID string, p BaseProduct) (bool, error) {
	changed, err := c.Store.ApplyProduct(ctx, consumer, eventID, p)
	switch {
	case err != nil:
		c.InvalidateProduct(p.ProductID, 0) // a failed commit may still have landed
	case changed:
		c.InvalidateProduct(p.ProductID, p.Version)
	}
	return changed, err
}

// HandleEvent applies an event from the bus, as every process must: a
// pricing event invalidates the list prices; a catalog product event its
// product's variants, up to the product version it carries. Other events
// are ignored. Applying an event twice is harmless.
func (c *CachedStore) HandleEvent(_ context.Context, e event.Event) error {
	switch {
	case strings.HasPrefix(e.Type, pricing.Module+"."):
		c.InvalidateLists()
	case e.Type == catalog.EventProductCreated, e.Type == catalog.EventProductUpdated, e.Type == catalog.EventProductDeleted:
		var p struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		}
		if err := e.Decode(&p); err != nil || p.ID == "" {
			c.InvalidateAll() // which product is unknown: everything may be stale
			return err
		}
		c.InvalidateProduct(p.ID, p.Version)
	}
	return nil
}

var _ Store = (*CachedStore)(nil)
