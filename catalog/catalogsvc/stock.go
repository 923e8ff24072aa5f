package catalogsvc

import (
	"context"

	"github.com/agoracommerce/agora/platform/event"
)

// InventoryConsumer is the durable name of the consumer of inventory
// events, and InventoryLevelChanged the event it follows.
const (
	InventoryConsumer     = "catalog_inventory"
	InventoryLevelChanged = "inventory.level_changed"
)

// levelChanged is the part of an inventory.level_changed event the catalog
// reads (the event's JSON is inventory's public contract; the catalog, to
// the left of inventory, does not import its package).
type levelChanged struct {
	SKU            string `json:"sku"`
	TrackInventory bool   `json:"track_inventory"`
	AllowBackorder bool   `json:"allow_backorder"`
	Totals         struct {
		Available int64 `json:"available"`
	} `json:"totals"`
}

// unsellable returns those of skus that inventory last reported as not
// buyable.
func (s *Service) unsellable(ctx context.Context, skus []string) (map[string]bool, error) {
	states, err := s.store.StockStates(ctx, skus)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for sku, st := range states {
		if !st.Sellable {
			out[sku] = true
		}
	}
	return out, nil
}

// sellable is what a level_changed event says of its SKU: buyable when it
// is untracked, allows backorder, or has units available.
func (lc levelChanged) sellable() bool {
	return !lc.TrackInventory || lc.AllowBackorder || lc.Totals.Available > 0
}

// HandleInventoryEvent keeps what store reads say about stock: a SKU is
// buyable when it is untracked, allows backorder, or has units available.
// Idempotent by event id; an event older than the last one applied to its
// SKU changes nothing.
func (s *Service) HandleInventoryEvent(ctx context.Context, e event.Event) error {
	if e.Type != InventoryLevelChanged {
		return nil
	}
	var lc levelChanged
	if err := e.Decode(&lc); err != nil {
		return err
	}
	if lc.SKU == "" {
		return nil
	}
	return s.store.ApplyStock(ctx, InventoryConsumer, e.ID, lc.SKU, lc.sellable(), e.Time.UTC())
}
