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
	sellable := !lc.TrackInventory || lc.AllowBackorder || lc.Totals.Available > 0
	return s.store.ApplyStock(ctx, InventoryConsumer, e.ID, lc.SKU, sellable, e.Time.UTC())
}
