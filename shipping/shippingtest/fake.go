// Package shippingtest holds the shipping module's test kit: an in-memory
// fake of shipping.Service and the contract suite every implementation
// must pass.
package shippingtest

import (
	"log/slog"
	"time"

	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
)

// NewFake returns the real shipping service over an in-memory store: the
// same validation, rates and events as in production, no database. It
// passes TestService.
func NewFake() shipping.Service {
	svc, _ := NewFakeWithStore()
	return svc
}

// NewFakeWithStore is NewFake that also returns the store, whose Events
// say what the service emitted.
func NewFakeWithStore() (shipping.Service, *MemStore) {
	st := NewMemStore()
	return shippingsvc.New(st, shippingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now), st
}
