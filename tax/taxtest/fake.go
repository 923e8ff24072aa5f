// Package taxtest holds the tax module's test kit: an in-memory fake of
// tax.Service and the contract suite every implementation must pass.
package taxtest

import (
	"log/slog"
	"time"

	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxsvc"
)

// NewFake returns the real tax service over an in-memory store: the same
// validation, rates, rounding and events as in production, no database.
// It passes TestService.
func NewFake() tax.Service {
	svc, _ := NewFakeWithStore()
	return svc
}

// NewFakeWithStore is NewFake that also returns the store, whose Events
// say what the service emitted.
func NewFakeWithStore() (tax.Service, *MemStore) {
	st := NewMemStore()
	return taxsvc.New(st, taxsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now), st
}
