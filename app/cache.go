package app

import (
	"github.com/agoracommerce/agora/platform/cache"
)

// SharedCache returns the cache named name shared by every instance in
// Redis (keys "agora:[<namespace>:]<name>:…"), over the Redis client of
// the rate limits, or nil when AGORA_REDIS_URL is not set or the shared
// cache is turned off (NoRedisCache). Its calls never fail a request:
// while Redis is down they are bypassed.
func (e *Env) SharedCache(name string) *cache.Redis {
	if e.Config.RedisURL == "" || e.Config.NoRedisCache {
		return nil
	}
	rdb, _ := e.app.limiterKit()
	if rdb == nil {
		return nil // the URL does not parse; limiterKit said so
	}
	if e.caches == nil {
		e.caches = cache.NewMetrics(e.Metrics.Registry)
	}
	cfg := cache.DefaultConfig()
	cfg.Prefix = "agora:"
	if ns := e.Config.NATSNamespace; ns != "" {
		cfg.Prefix += ns + ":"
	}
	cfg.Prefix += name + ":"
	return cache.New(rdb, name, cfg, e.Log, e.caches, e.Now)
}
