package catalogtest

import (
	"io"
	"log/slog"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
)

// NewFake returns the real catalog service over an in-memory store: the
// same validation, defaults and events as in production, no database. It
// passes TestService.
func NewFake() catalog.Service {
	svc, _ := NewFakeWithStore()
	return svc
}

// NewFakeWithStore is NewFake that also returns the store, whose Events
// say what the service emitted.
func NewFakeWithStore() (catalog.Service, *MemStore) {
	st := NewMemStore()
	return catalogsvc.New(st, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now), st
}
