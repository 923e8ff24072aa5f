package app

import (
	"github.com/agoracommerce/agora/platform/cache"
)

// SharedCache returns the cache named name shared by every instance in
// Redis (keys "agora:[<namespace>:]<name>:…"), over the Redis client of
// the rate limits, or nil when AGORA_REDIS_URL is not set or the shared
// cache is turned off (NoRedisCache). Its calls never fail a request:
// while Redis is down they are bypassed.
func (a *App) sharedCache(name string) *cache.Redis {
	if a.cfg.RedisURL == "" || a.cfg.NoRedisCache {
		return nil
	}
	rdb, _ := a.gw.Redis()
	if rdb == nil {
		return nil // the URL does not parse; the gateway said so
	}
	a.mu.Lock()
	if a.caches == nil {
		a.caches = cache.NewMetrics(a.env.Metrics.Registry)
	}
	a.mu.Unlock()
	cfg := cache.DefaultConfig()
	cfg.Prefix = "agora:"
	if ns := a.cfg.NATSNamespace; ns != "" {
		cfg.Prefix += ns + ":"
	}
	cfg.Prefix += name + ":"
	return cache.New(rdb, name, cfg, a.log, a.caches, a.now)
}
