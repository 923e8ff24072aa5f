package inventorysvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/event"
)

// newAvailability returns the cache of recent stock reads of
// Availability, by SKU, each SKU its own group (cache.Versioned):
//
//   - every batch this process applies invalidates its SKUs once the
//     batch is over (committed or not), so this process reads its writes;
//   - HandleLevelEvent invalidates them for the level changes of other
//     processes sharing the database, when their events arrive;
//   - a read that raced with a write is never served.
//
// Entries also expire after a TTL, which bounds how stale a read can be
// when another process's event is lost.
func newAvailability(skus int, ttl time.Duration) *cache.Versioned[string, inventory.Stock] {
	return cache.NewVersioned(cache.Options[string, inventory.Stock]{
		MaxSize:  skus,
		TTL:      ttl,
		Group:    func(sku string, _ inventory.Stock) string { return sku },
		KeyGroup: func(sku string) (string, bool) { return sku, true },
	})
}

// Availability implements inventory.Service: GetStock, from memory when
// this process read the SKU since its last change (see newAvailability).
func (s *Service) Availability(ctx context.Context, sku string) (inventory.Stock, error) {
	if s.avail == nil {
		return s.GetStock(ctx, sku)
	}
	return s.avail.Load(ctx, sku, func(ctx context.Context) (inventory.Stock, error) { return s.GetStock(ctx, sku) })
}

// HandleLevelEvent applies a level change from the bus (a watch of every
// process): the SKU's cached reads are no longer served. Harmless twice.
// The event's subject is its SKU; the data is read only without one.
func (s *Service) HandleLevelEvent(_ context.Context, e event.Event) error {
	if s.avail == nil || e.Type != inventory.EventLevelChanged {
		return nil
	}
	sku := e.Subject
	if sku == "" {
		var lc inventory.LevelChanged
		if err := e.Decode(&lc); err != nil {
			return nil // nothing to invalidate: the durable consumers report a bad event
		}
		sku = lc.SKU
	}
	if sku != "" {
		s.avail.Invalidate(sku)
	}
	return nil
}
