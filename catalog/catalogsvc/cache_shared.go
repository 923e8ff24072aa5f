package catalogsvc

import (
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/cache"
)

// SharedCache is the second level of CachedStore, shared by every
// instance: platform/cache.Redis.
type SharedCache = cache.SharedCache

// SharedConfig tunes the second level.
type SharedConfig struct {
	// TTL bounds the life of a product document or listing page in the
	// shared cache: the staleness bound of the one case that invalidation
	// does not cover (see cache.Shared).
	TTL time.Duration
	// Reinvalidate, when positive, repeats every invalidation once after
	// this delay. Set it above the lag of the read replicas when store
	// reads go to replicas (a read that starts after a write may still see
	// the old row there).
	Reinvalidate time.Duration
}

// DefaultSharedConfig keeps values for a minute and does not repeat
// invalidations.
func DefaultSharedConfig() SharedConfig { return SharedConfig{TTL: time.Minute} }

// Shared adds a second level shared by every instance (Redis) under the
// in-process caches of product documents and listing pages: a miss in
// process is looked up there before the database, and a database read is
// stored there. Call it before the store is used. Without it, or when sc
// is nil, the cache is in-process only.
//
// Product documents are stored once per product ("p:<id>"), found by
// handle through an index, and served for a handle only while the
// product still has it; listing pages are stored by page ("l:<page>").
// See cache.Shared for why no instance keeps serving a stale value.
func (c *CachedStore) Shared(sc SharedCache, cfg SharedConfig) {
	if sc == nil {
		return
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultSharedConfig().TTL
	}
	c.products = newProductCache(c.cfg, &cache.Shared[string, catalog.Product]{
		Cache: sc, Name: "p", TTL: cfg.TTL, Reinvalidate: cfg.Reinvalidate,
		Matches: func(key string, p catalog.Product) bool { return p.ID == key || p.Handle == key },
	})
	c.pages = newPageCache(c.cfg, &cache.Shared[string, catalog.Page[catalog.Product]]{
		Cache: sc, Name: "l", TTL: cfg.TTL, Reinvalidate: cfg.Reinvalidate,
	})
}
