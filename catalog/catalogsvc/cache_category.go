package catalogsvc

import (
	"context"

	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/catalog"
)

// Categories of CachedStore: a listing by category resolves the category
// first, and reading its document was most of a cached listing's cost.
// They are invalidated with everything else (every category write and
// event bumps the cache's generation), and an entry read while the
// generation moved is not kept.

type cachedCategory struct {
	c   catalog.Category
	all uint64
}

func newCategoryCache(cfg CacheConfig) *otter.Cache[string, cachedCategory] {
	return otter.Must(&otter.Options[string, cachedCategory]{
		MaximumSize: max(cfg.Pages, 1), ExpiryCalculator: otter.ExpiryWriting[string, cachedCategory](cfg.TTL),
	})
}

// GetCategory implements Store from the cache when it can.
func (c *CachedStore) GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error) {
	all := c.all.Load()
	if e, ok := c.categories.GetIfPresent(idOrHandle); ok && e.all == all {
		return e.c, nil
	}
	cat, err := c.Store.GetCategory(ctx, idOrHandle)
	if err != nil {
		return cat, err
	}
	if c.all.Load() == all {
		c.categories.Set(idOrHandle, cachedCategory{c: cat, all: all})
	}
	return cat, nil
}
