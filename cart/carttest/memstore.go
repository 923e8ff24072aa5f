// Package carttest holds the cart's in-memory store and fake, and the
// contract suite every cart.Service implementation passes.
package carttest

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
)

// MemStore is an in-memory cartsvc.Store. It keeps carts as JSON, so a
// caller never shares memory with the store.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu    sync.Mutex
	carts map[string][]byte
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{carts: map[string][]byte{}} }

// NewFake returns the real cart service over a new MemStore, calling deps,
// with the clock now (time.Now when nil).
func NewFake(deps cartsvc.Deps, cfg cartsvc.Config, now func() time.Time) (*cartsvc.Service, *MemStore) {
	if now == nil {
		now = time.Now
	}
	st := NewMemStore()
	return cartsvc.New(st, deps, cfg, slog.New(slog.DiscardHandler), now), st
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "cart not found") }

func decode(b []byte) (cart.Cart, error) {
	var c cart.Cart
	err := json.Unmarshal(b, &c)
	return c, err
}

// Insert implements cartsvc.Store.
func (m *MemStore) Insert(_ context.Context, c cart.Cart, events []event.Event) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.carts[c.ID]; dup {
		return errs.E(errs.Conflict, "", "cart exists")
	}
	m.carts[c.ID] = b
	m.Record(events...)
	return nil
}

// Get implements cartsvc.Store.
func (m *MemStore) Get(_ context.Context, id string) (cart.Cart, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.carts[id]
	if !ok {
		return cart.Cart{}, notFound()
	}
	return decode(b)
}

// Save implements cartsvc.Store.
func (m *MemStore) Save(_ context.Context, c cart.Cart, prev int64, events []event.Event) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.carts[c.ID]
	if !ok {
		return false, nil
	}
	cur, err := decode(b)
	if err != nil {
		return false, err
	}
	if cur.Version != prev {
		return false, nil
	}
	if b, err = json.Marshal(c); err != nil {
		return false, err
	}
	m.carts[c.ID] = b
	m.Record(events...)
	return true, nil
}

// DeleteExpired implements cartsvc.Store.
func (m *MemStore) DeleteExpired(_ context.Context, before time.Time, limit int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	type due struct {
		id string
		at time.Time
	}
	var all []due
	for id, b := range m.carts {
		c, err := decode(b)
		if err != nil {
			return 0, err
		}
		if c.ExpiresAt.Before(before) {
			all = append(all, due{id, c.ExpiresAt})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	n := 0
	for _, d := range all {
		if n == limit {
			break
		}
		delete(m.carts, d.id)
		n++
	}
	return n, nil
}

var _ cartsvc.Store = (*MemStore)(nil)
