package catalogsvc

import (
	"context"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/event"
)

// The stock states of CachedStore. Availability changes with every sale,
// so it is not invalidated like a document but kept as a register per SKU
// that the newest report wins (by the time of inventory's event):
//
//   - this process's ApplyStock (the durable consumer) records what it
//     wrote;
//   - HandleEvent records what an inventory.level_changed event from the
//     bus says, in every process, possibly before the process whose
//     consumer got the event has written it to the database;
//   - a miss reads the database and records what it found, unless
//     something newer was recorded meanwhile.
//
// Since every write keeps the newer of two states, these can happen in
// any order and the register still ends at the newest report: a database
// read that lags an event cannot bring back an older state. A SKU without
// a stored state is sellable as of the zero time, so any report wins over
// it. An entry is dropped only by size or by the cache's TTL (a safety net
// for a missed event).

func newStockCache(cfg CacheConfig) *cache.Versioned[string, StockState] {
	return cache.NewVersioned(cache.Options[string, StockState]{
		MaxSize: max(cfg.SKUs, 1), TTL: cfg.TTL,
		Newer: func(a, b StockState) bool { return a.At.After(b.At) },
	})
}

// recordStock keeps st for sku unless a newer state is held, and returns
// the state held after. With announce (a report of a change: an event or
// this process's write), a kept state that differs from the one held, or
// that nothing was held for, moves the store version (StoreVersion); a
// state read from the database is not a change, only what was already
// true (had it changed, its event would have announced it).
func (c *CachedStore) recordStock(sku string, st StockState, announce bool) StockState {
	prev, had, replaced := c.stock.Put(sku, st)
	if !replaced {
		return prev
	}
	if announce && (!had || prev.Sellable != st.Sellable) {
		c.version.Add(1)
	}
	return st
}

// StockStates implements Store from the registers, reading only the SKUs
// not held. The answer holds every SKU asked (those without a stored
// state as sellable at the zero time).
func (c *CachedStore) StockStates(ctx context.Context, skus []string) (map[string]StockState, error) {
	out := make(map[string]StockState, len(skus))
	var missing []string
	for _, sku := range skus {
		if st, ok := c.stock.Get(sku); ok {
			out[sku] = st
		} else {
			missing = append(missing, sku)
		}
	}
	if len(missing) == 0 {
		c.stockHits.Add(1)
		return out, nil
	}
	c.stockMisses.Add(1)
	read, err := c.Store.StockStates(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, sku := range missing {
		st, ok := read[sku]
		if !ok {
			st = StockState{Sellable: true} // no stored state: sellable, as of the zero time
		}
		out[sku] = c.recordStock(sku, st, false) // perhaps a newer state an event brought meanwhile
	}
	return out, nil
}

// ApplyStock implements Store and records what it wrote.
func (c *CachedStore) ApplyStock(ctx context.Context, consumer, eventID, sku string, sellable bool, at time.Time) error {
	if err := c.Store.ApplyStock(ctx, consumer, eventID, sku, sellable, at); err != nil {
		return err
	}
	c.recordStock(sku, StockState{Sellable: sellable, At: at}, true)
	return nil
}

// handleStockEvent records what an inventory event says of its SKU.
func (c *CachedStore) handleStockEvent(e event.Event) {
	if e.Type != InventoryLevelChanged {
		return
	}
	var lc levelChanged
	if err := e.Decode(&lc); err != nil || lc.SKU == "" {
		return // the durable consumer reports a bad event; the register keeps what it has
	}
	c.recordStock(lc.SKU, StockState{Sellable: lc.sellable(), At: e.Time.UTC()}, true)
}

func isStockEvent(e event.Event) bool { return strings.HasPrefix(e.Type, "inventory.") }

// StockStats reports stock reads answered wholly from the registers and
// those that read the database, since start.
func (c *CachedStore) StockStats() (hits, misses uint64) {
	return c.stockHits.Load(), c.stockMisses.Load()
}
