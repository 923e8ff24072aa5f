package inventorytest

import (
	"log/slog"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
)

// NewFake returns the real inventory service over an in-memory store: the
// same validation, allocation, coalescing and events as in production, no
// database. It passes TestService.
func NewFake() inventory.Service {
	svc, _ := NewFakeWithStore(time.Now)
	return svc
}

// NewFakeWithStore is NewFake with a clock, returning the service (with
// its Sweep) and the store (whose Events say what the service emitted).
func NewFakeWithStore(now func() time.Time) (*inventorysvc.Service, *MemStore) {
	st := NewMemStore()
	return inventorysvc.New(st, inventorysvc.DefaultConfig(), slog.New(slog.DiscardHandler), now), st
}
