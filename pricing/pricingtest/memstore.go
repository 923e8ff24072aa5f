// Package pricingtest holds pricing's in-memory fake and the contract suite
// every pricing.Service implementation passes.
package pricingtest

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/pricing/pricingsvc"
)

// MemStore is an in-memory pricingsvc.Store.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu       sync.Mutex
	lists    map[string]pricing.PriceList
	prices   map[string]map[string]int64 // list → variant → amount
	products map[string]int64            // product → version
	variants map[string]pricingsvc.BaseVariant
	handled  map[string]bool
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{lists: map[string]pricing.PriceList{}, prices: map[string]map[string]int64{},
		products: map[string]int64{}, variants: map[string]pricingsvc.BaseVariant{}, handled: map[string]bool{}}
}

// NewFake returns the pricing service over a new MemStore.
func NewFake() (*pricingsvc.Service, *MemStore) {
	st := NewMemStore()
	return pricingsvc.New(st, pricingsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now), st
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "price list not found") }

func (m *MemStore) setPrices(listID string, prices []pricing.ListPrice) {
	if m.prices[listID] == nil {
		m.prices[listID] = map[string]int64{}
	}
	for _, p := range prices {
		if p.Amount < 0 {
			delete(m.prices[listID], p.VariantID)
		} else {
			m.prices[listID][p.VariantID] = p.Amount
		}
	}
}

// InsertList implements pricingsvc.Store.
func (m *MemStore) InsertList(_ context.Context, pl pricing.PriceList, prices []pricing.ListPrice, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists[pl.ID] = pl
	m.setPrices(pl.ID, prices)
	m.Record(events...)
	return nil
}

// GetList implements pricingsvc.Store.
func (m *MemStore) GetList(_ context.Context, id string) (pricing.PriceList, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pl, ok := m.lists[id]
	if !ok {
		return pricing.PriceList{}, notFound()
	}
	return pl, nil
}

// UpdateList implements pricingsvc.Store.
func (m *MemStore) UpdateList(_ context.Context, id string, fn func(*pricing.PriceList) ([]event.Event, error)) (pricing.PriceList, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pl, ok := m.lists[id]
	if !ok {
		return pricing.PriceList{}, notFound()
	}
	events, err := fn(&pl)
	if err != nil {
		return pricing.PriceList{}, err
	}
	m.lists[id] = pl
	m.Record(events...)
	return pl, nil
}

// DeleteList implements pricingsvc.Store.
func (m *MemStore) DeleteList(_ context.Context, id string, fn func(pricing.PriceList) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	pl, ok := m.lists[id]
	if !ok {
		return notFound()
	}
	events, err := fn(pl)
	if err != nil {
		return err
	}
	delete(m.lists, id)
	delete(m.prices, id)
	m.Record(events...)
	return nil
}

// ListLists implements pricingsvc.Store.
func (m *MemStore) ListLists(_ context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error) {
	after, err := id.After(q.Cursor, "pl")
	if err != nil {
		return pricing.Page[pricing.PriceList]{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []pricing.PriceList
	for _, pl := range m.lists {
		if pl.ID > after && (q.Currency == "" || pl.Currency == q.Currency) {
			all = append(all, pl)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	page := pricing.Page[pricing.PriceList]{Data: []pricing.PriceList{}}
	for _, pl := range all {
		if len(page.Data) == q.Limit {
			page.NextCursor = id.Cursor(page.Data[q.Limit-1].ID)
			break
		}
		page.Data = append(page.Data, pl)
	}
	return page, nil
}

// SetPrices implements pricingsvc.Store.
func (m *MemStore) SetPrices(_ context.Context, listID string, prices []pricing.ListPrice, fn func(*pricing.PriceList) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	pl, ok := m.lists[listID]
	if !ok {
		return notFound()
	}
	events, err := fn(&pl)
	if err != nil {
		return err
	}
	m.lists[listID] = pl
	m.setPrices(listID, prices)
	m.Record(events...)
	return nil
}

// ListPrices implements pricingsvc.Store.
func (m *MemStore) ListPrices(_ context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error) {
	after, err := id.After(q.Cursor, "var")
	if err != nil {
		return pricing.Page[pricing.ListPrice]{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []pricing.ListPrice
	for v, a := range m.prices[q.ListID] {
		if v > after {
			all = append(all, pricing.ListPrice{VariantID: v, Amount: a})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].VariantID < all[j].VariantID })
	page := pricing.Page[pricing.ListPrice]{Data: []pricing.ListPrice{}}
	for _, p := range all {
		if len(page.Data) == q.Limit {
			page.NextCursor = id.Cursor(page.Data[q.Limit-1].VariantID)
			break
		}
		page.Data = append(page.Data, p)
	}
	return page, nil
}

// Candidates implements pricingsvc.Store.
func (m *MemStore) Candidates(_ context.Context, currency, channel string, groups []string, at time.Time, variantIDs []string) ([]pricingsvc.Candidate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []pricingsvc.Candidate
	for _, pl := range m.lists {
		if pl.Currency != currency || !pl.Active || (pl.Channel != "" && pl.Channel != channel) || (pl.CustomerGroup != "" && !slices.Contains(groups, pl.CustomerGroup)) ||
			(pl.StartsAt != nil && pl.StartsAt.After(at)) || (pl.EndsAt != nil && !pl.EndsAt.After(at)) {
			continue
		}
		for _, v := range variantIDs {
			if a, ok := m.prices[pl.ID][v]; ok {
				out = append(out, pricingsvc.Candidate{ListID: pl.ID, VariantID: v, Amount: a, TaxInclusive: pl.TaxInclusive, Priority: pl.Priority})
			}
		}
	}
	return out, nil
}

// ListedPrices implements pricingsvc.Store.
func (m *MemStore) ListedPrices(_ context.Context, currency string, variantIDs []string) ([]pricingsvc.ListedPrice, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []pricingsvc.ListedPrice
	for _, pl := range m.lists {
		if pl.Currency != currency || !pl.Active {
			continue
		}
		for _, v := range variantIDs {
			if a, ok := m.prices[pl.ID][v]; ok {
				out = append(out, pricingsvc.ListedPrice{
					Candidate: pricingsvc.Candidate{ListID: pl.ID, VariantID: v, Amount: a, TaxInclusive: pl.TaxInclusive, Priority: pl.Priority},
					Channel:   pl.Channel, CustomerGroup: pl.CustomerGroup, StartsAt: pl.StartsAt, EndsAt: pl.EndsAt,
				})
			}
		}
	}
	return out, nil
}

// BaseVariants implements pricingsvc.Store.
func (m *MemStore) BaseVariants(_ context.Context, variantIDs []string) (map[string]pricingsvc.BaseVariant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]pricingsvc.BaseVariant{}
	for _, v := range variantIDs {
		if b, ok := m.variants[v]; ok {
			b.Version = m.products[b.ProductID]
			out[v] = b
		}
	}
	return out, nil
}

// ApplyProduct implements pricingsvc.Store.
func (m *MemStore) ApplyProduct(_ context.Context, consumer, eventID string, p pricingsvc.BaseProduct) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := consumer + "\x00" + eventID
	if m.handled[key] {
		return false, nil
	}
	m.handled[key] = true
	if have, ok := m.products[p.ProductID]; ok && have >= p.Version {
		return false, nil
	}
	m.products[p.ProductID] = p.Version
	for id, v := range m.variants {
		if v.ProductID == p.ProductID {
			delete(m.variants, id)
		}
	}
	if !p.Deleted {
		for _, v := range p.Variants {
			m.variants[v.VariantID] = v
		}
	}
	return true, nil
}

var _ pricingsvc.Store = (*MemStore)(nil)
