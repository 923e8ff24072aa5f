// Package paymenttest holds the payment's in-memory store and fake, and the
// contract suite every payment.Service implementation passes.
package paymenttest

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentsvc"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
)

// MemStore is an in-memory paymentsvc.Store keeping payments as JSON.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu       sync.Mutex
	payments map[string][]byte
	keys     map[string]string
	handled  map[string]bool
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{payments: map[string][]byte{}, keys: map[string]string{}, handled: map[string]bool{}}
}

// NewFake returns the real payment service with the test provider over a
// new MemStore.
func NewFake() (*paymentsvc.Service, *MemStore) {
	st := NewMemStore()
	return paymentsvc.New(st, []payment.Provider{paymentsvc.NewTestProvider()}, slog.New(slog.DiscardHandler), time.Now), st
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "payment not found") }

func decode(b []byte) (payment.Payment, error) {
	var p payment.Payment
	err := json.Unmarshal(b, &p)
	return p, err
}

// Insert implements paymentsvc.Store.
func (m *MemStore) Insert(_ context.Context, p payment.Payment, events []event.Event) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.keys[p.Key]; dup {
		return errs.E(errs.Conflict, payment.CodeKeyConflict, "a payment with this key exists")
	}
	m.payments[p.ID], m.keys[p.Key] = b, p.ID
	m.Record(events...)
	return nil
}

// Get implements paymentsvc.Store.
func (m *MemStore) Get(_ context.Context, id string) (payment.Payment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.payments[id]
	if !ok {
		return payment.Payment{}, notFound()
	}
	return decode(b)
}

// GetByKey implements paymentsvc.Store.
func (m *MemStore) GetByKey(ctx context.Context, key string) (payment.Payment, error) {
	m.mu.Lock()
	id, ok := m.keys[key]
	m.mu.Unlock()
	if !ok {
		return payment.Payment{}, notFound()
	}
	return m.Get(ctx, id)
}

// GetByProviderRef implements paymentsvc.Store.
func (m *MemStore) GetByProviderRef(_ context.Context, provider, ref string) (payment.Payment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.payments {
		p, err := decode(b)
		if err != nil {
			return p, err
		}
		if ref != "" && p.Provider == provider && p.ProviderRef == ref {
			return p, nil
		}
	}
	return payment.Payment{}, notFound()
}

// Update implements paymentsvc.Store.
func (m *MemStore) Update(_ context.Context, id string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.update(id, fn)
}

// UpdateOnce implements paymentsvc.Store.
func (m *MemStore) UpdateOnce(_ context.Context, id, consumer, eventID string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.handled[consumer+"\x00"+eventID] {
		b, ok := m.payments[id]
		if !ok {
			return payment.Payment{}, false, notFound()
		}
		p, err := decode(b)
		return p, false, err
	}
	p, err := m.update(id, fn)
	if err != nil {
		return p, false, err
	}
	m.handled[consumer+"\x00"+eventID] = true
	return p, true, nil
}

func (m *MemStore) update(id string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, error) {
	b, ok := m.payments[id]
	if !ok {
		return payment.Payment{}, notFound()
	}
	p, err := decode(b)
	if err != nil {
		return p, err
	}
	events, err := fn(&p)
	if err != nil {
		return payment.Payment{}, err
	}
	if b, err = json.Marshal(p); err != nil {
		return payment.Payment{}, err
	}
	m.payments[id] = b
	m.Record(events...)
	return decode(b)
}

var _ paymentsvc.Store = (*MemStore)(nil)
