package shippingtest

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"sync"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
)

// MemStore is an in-memory shippingsvc.Store with the same rules as the
// SQL store. It hands out copies and keeps the events of every successful
// write.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu      sync.Mutex
	zones   map[string]shipping.Zone
	options map[string]shipping.Option
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{zones: map[string]shipping.Zone{}, options: map[string]shipping.Option{}}
}

func clone[T any](v T) T {
	var out T
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &out)
	return out
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

// InsertZone implements shippingsvc.Store.
func (m *MemStore) InsertZone(_ context.Context, z shipping.Zone, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.zones[z.ID] = clone(z)
	m.Record(events...)
	return nil
}

// GetZone implements shippingsvc.Store.
func (m *MemStore) GetZone(_ context.Context, zid string) (shipping.Zone, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z, ok := m.zones[zid]
	if !ok {
		return z, notFound("shipping zone")
	}
	return clone(z), nil
}

// UpdateZone implements shippingsvc.Store.
func (m *MemStore) UpdateZone(_ context.Context, zid string, fn func(*shipping.Zone) ([]event.Event, error)) (shipping.Zone, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.zones[zid]
	if !ok {
		return cur, notFound("shipping zone")
	}
	z := clone(cur)
	events, err := fn(&z)
	if err != nil {
		return shipping.Zone{}, err
	}
	m.zones[zid] = clone(z)
	m.Record(events...)
	return z, nil
}

func (m *MemStore) sortedOptions(keep func(shipping.Option) bool) []shipping.Option {
	out := []shipping.Option{}
	for _, o := range m.options {
		if keep(o) {
			out = append(out, clone(o))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DeleteZone implements shippingsvc.Store.
func (m *MemStore) DeleteZone(_ context.Context, zid string, fn func(shipping.Zone, []shipping.Option) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	z, ok := m.zones[zid]
	if !ok {
		return notFound("shipping zone")
	}
	opts := m.sortedOptions(func(o shipping.Option) bool { return o.ZoneID == zid })
	events, err := fn(clone(z), opts)
	if err != nil {
		return err
	}
	for _, o := range opts {
		delete(m.options, o.ID)
	}
	delete(m.zones, zid)
	m.Record(events...)
	return nil
}

func page[T any](all []T, after string, limit int, idOf func(T) string) shipping.Page[T] {
	p := shipping.Page[T]{Data: []T{}}
	for _, v := range all {
		if idOf(v) <= after {
			continue
		}
		if len(p.Data) == limit {
			c := *id.Cursor(idOf(p.Data[limit-1]))
			p.NextCursor = &c
			break
		}
		p.Data = append(p.Data, v)
	}
	return p
}

// ListZones implements shippingsvc.Store.
func (m *MemStore) ListZones(_ context.Context, q shipping.ListZonesQuery) (shipping.Page[shipping.Zone], error) {
	after, err := id.After(q.Cursor, shippingsvc.ZonePrefix)
	if err != nil {
		return shipping.Page[shipping.Zone]{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []shipping.Zone
	for _, z := range m.zones {
		if q.Country == "" || slices.Contains(z.Countries, q.Country) {
			all = append(all, clone(z))
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return page(all, after, q.Limit, func(z shipping.Zone) string { return z.ID }), nil
}

// InsertOption implements shippingsvc.Store.
func (m *MemStore) InsertOption(_ context.Context, o shipping.Option, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.zones[o.ZoneID]; !ok {
		return notFound("shipping zone")
	}
	m.options[o.ID] = clone(o)
	m.Record(events...)
	return nil
}

// GetOption implements shippingsvc.Store.
func (m *MemStore) GetOption(_ context.Context, oid string) (shipping.Option, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.options[oid]
	if !ok {
		return o, notFound("shipping option")
	}
	return clone(o), nil
}

// UpdateOption implements shippingsvc.Store.
func (m *MemStore) UpdateOption(_ context.Context, oid string, fn func(*shipping.Option) ([]event.Event, error)) (shipping.Option, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.options[oid]
	if !ok {
		return cur, notFound("shipping option")
	}
	o := clone(cur)
	events, err := fn(&o)
	if err != nil {
		return shipping.Option{}, err
	}
	m.options[oid] = clone(o)
	m.Record(events...)
	return o, nil
}

// DeleteOption implements shippingsvc.Store.
func (m *MemStore) DeleteOption(_ context.Context, oid string, fn func(shipping.Option) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.options[oid]
	if !ok {
		return notFound("shipping option")
	}
	events, err := fn(clone(o))
	if err != nil {
		return err
	}
	delete(m.options, oid)
	m.Record(events...)
	return nil
}

// ListOptions implements shippingsvc.Store.
func (m *MemStore) ListOptions(_ context.Context, q shipping.ListOptionsQuery) (shipping.Page[shipping.Option], error) {
	after, err := id.After(q.Cursor, shippingsvc.OptionPrefix)
	if err != nil {
		return shipping.Page[shipping.Option]{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.sortedOptions(func(o shipping.Option) bool { return q.ZoneID == "" || o.ZoneID == q.ZoneID })
	return page(all, after, q.Limit, func(o shipping.Option) string { return o.ID }), nil
}

// CountryOptions implements shippingsvc.Store.
func (m *MemStore) CountryOptions(_ context.Context, country, currency string) ([]shipping.Option, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sortedOptions(func(o shipping.Option) bool {
		return o.Currency == currency && slices.Contains(m.zones[o.ZoneID].Countries, country)
	}), nil
}

var _ shippingsvc.Store = (*MemStore)(nil)
