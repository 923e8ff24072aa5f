package inventorysvc

import (
	"context"
	"hash/maphash"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/event"
)

// availStripes is how many generation counters the SKUs share.
const availStripes = 4096

// availability keeps recent stock reads for Availability. A read is kept
// with the generation of its SKU's stripe taken before the read, and
// served while that generation has not moved:
//
//   - every batch this process applies moves the generations of its SKUs
//     once the batch is over (committed or not), so this process reads
//     its writes;
//   - HandleLevelEvent moves them for the level changes of other
//     processes sharing the database, when their events arrive;
//   - a read that raced with a write was kept under the older generation
//     and is never served; SKUs that share a stripe only cost each other
//     a read.
//
// Entries also expire after a TTL, which bounds how stale a read can be
// when another process's event is lost.
type availability struct {
	cache *otter.Cache[string, availEntry]
	seed  maphash.Seed
	gens  [availStripes]atomic.Uint64
}

type availEntry struct {
	st  inventory.Stock
	gen uint64
}

func newAvailability(skus int, ttl time.Duration) *availability {
	return &availability{seed: maphash.MakeSeed(), cache: otter.Must(&otter.Options[string, availEntry]{
		MaximumSize: skus, ExpiryCalculator: otter.ExpiryWriting[string, availEntry](ttl),
	})}
}

func (a *availability) gen(sku string) *atomic.Uint64 {
	return &a.gens[maphash.String(a.seed, sku)%availStripes]
}

// forget moves the generations of skus: what was read of them before is
// no longer served.
func (a *availability) forget(skus ...string) {
	for _, sku := range skus {
		a.gen(sku).Add(1)
	}
}

// Availability implements inventory.Service: GetStock, from memory when
// this process read the SKU since its last change (see availability).
func (s *Service) Availability(ctx context.Context, sku string) (inventory.Stock, error) {
	if s.avail == nil {
		return s.GetStock(ctx, sku)
	}
	g := s.avail.gen(sku).Load()
	if e, ok := s.avail.cache.GetIfPresent(sku); ok && e.gen == g {
		return e.st, nil
	}
	st, err := s.GetStock(ctx, sku)
	if err != nil {
		return st, err
	}
	s.avail.cache.Set(sku, availEntry{st: st, gen: g})
	return st, nil
}

// HandleLevelEvent applies a level change from the bus (a watch of every
// process): the SKU's kept reads are no longer served. Harmless twice.
// The event's subject is its SKU; the data is read only without one.
func (s *Service) HandleLevelEvent(_ context.Context, e event.Event) error {
	if s.avail == nil || e.Type != inventory.EventLevelChanged {
		return nil
	}
	sku := e.Subject
	if sku == "" {
		var lc inventory.LevelChanged
		if err := e.Decode(&lc); err != nil {
			return nil // nothing to forget: the durable consumers report a bad event
		}
		sku = lc.SKU
	}
	if sku != "" {
		s.avail.forget(sku)
	}
	return nil
}
