package taxtest

import (
	"context"
	"encoding/json"
	"sort"
	"sync"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxsvc"
)

// MemStore is an in-memory taxsvc.Store with the same rules as the SQL
// store. It hands out copies, so callers never share its state, and keeps
// the events of every successful write.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu      sync.Mutex
	regions map[string]tax.Region
	classes map[string]tax.Class
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{regions: map[string]tax.Region{}, classes: map[string]tax.Class{}}
}

func clone(r tax.Region) tax.Region {
	var out tax.Region
	b, _ := json.Marshal(r)
	_ = json.Unmarshal(b, &out)
	return out
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

func (m *MemStore) checkClasses(rates []tax.Rate) error {
	v := &errs.Validator{}
	for _, r := range rates {
		if _, ok := m.classes[r.TaxClass]; !ok && r.TaxClass != tax.StandardClass {
			v.Add("rates", "tax class %s does not exist", r.TaxClass)
		}
	}
	return v.Err()
}

func (m *MemStore) scopeTaken(r tax.Region) error {
	for _, o := range m.regions {
		if o.ID != r.ID && o.Country == r.Country && o.Subdivision == r.Subdivision && o.PostalPrefix == r.PostalPrefix {
			return errs.E(errs.Conflict, "region_exists", "a tax region of this country, subdivision and postal prefix exists")
		}
	}
	return nil
}

// InsertRegion implements taxsvc.Store.
func (m *MemStore) InsertRegion(_ context.Context, r tax.Region, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkClasses(r.Rates); err != nil {
		return err
	}
	if err := m.scopeTaken(r); err != nil {
		return err
	}
	m.regions[r.ID] = clone(r)
	m.Record(events...)
	return nil
}

// GetRegion implements taxsvc.Store.
func (m *MemStore) GetRegion(_ context.Context, rid string) (tax.Region, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.regions[rid]
	if !ok {
		return tax.Region{}, notFound("tax region")
	}
	return clone(r), nil
}

// UpdateRegion implements taxsvc.Store.
func (m *MemStore) UpdateRegion(_ context.Context, rid string, fn func(*tax.Region) ([]event.Event, error)) (tax.Region, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.regions[rid]
	if !ok {
		return tax.Region{}, notFound("tax region")
	}
	r := clone(cur)
	events, err := fn(&r)
	if err != nil {
		return tax.Region{}, err
	}
	if err := m.checkClasses(r.Rates); err != nil {
		return tax.Region{}, err
	}
	if err := m.scopeTaken(r); err != nil {
		return tax.Region{}, err
	}
	m.regions[rid] = clone(r)
	m.Record(events...)
	return clone(r), nil
}

// DeleteRegion implements taxsvc.Store.
func (m *MemStore) DeleteRegion(_ context.Context, rid string, fn func(tax.Region) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.regions[rid]
	if !ok {
		return notFound("tax region")
	}
	events, err := fn(clone(r))
	if err != nil {
		return err
	}
	delete(m.regions, rid)
	m.Record(events...)
	return nil
}

func (m *MemStore) sorted() []tax.Region {
	out := make([]tax.Region, 0, len(m.regions))
	for _, r := range m.regions {
		out = append(out, clone(r))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ListRegions implements taxsvc.Store.
func (m *MemStore) ListRegions(_ context.Context, q tax.ListRegionsQuery) (tax.Page[tax.Region], error) {
	after, err := id.After(q.Cursor, taxsvc.IDPrefix)
	if err != nil {
		return tax.Page[tax.Region]{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	page := tax.Page[tax.Region]{Data: []tax.Region{}}
	for _, r := range m.sorted() {
		if r.ID <= after || (q.Country != "" && r.Country != q.Country) {
			continue
		}
		if len(page.Data) == q.Limit {
			page.NextCursor = id.Cursor(page.Data[len(page.Data)-1].ID)
			break
		}
		page.Data = append(page.Data, r)
	}
	return page, nil
}

// CountryRegions implements taxsvc.Store.
func (m *MemStore) CountryRegions(_ context.Context, country string) ([]tax.Region, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []tax.Region{}
	for _, r := range m.sorted() {
		if r.Country == country {
			out = append(out, r)
		}
	}
	return out, nil
}

// InsertClass implements taxsvc.Store.
func (m *MemStore) InsertClass(_ context.Context, c tax.Class, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.classes[c.Code]; ok {
		return errs.E(errs.Conflict, "class_exists", "a tax class with this code exists")
	}
	m.classes[c.Code] = c
	m.Record(events...)
	return nil
}

// Classes implements taxsvc.Store.
func (m *MemStore) Classes(context.Context) ([]tax.Class, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []tax.Class{}
	for _, c := range m.classes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// DeleteClass implements taxsvc.Store.
func (m *MemStore) DeleteClass(_ context.Context, code string, fn func(tax.Class) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.classes[code]
	if !ok {
		return notFound("tax class")
	}
	used := 0
	for _, r := range m.regions {
		for _, rt := range r.Rates {
			if rt.TaxClass == code {
				used++
			}
		}
	}
	if used > 0 {
		return errs.E(errs.Conflict, "class_in_use", "%d tax regions have a rate for the class %s", used, code)
	}
	events, err := fn(c)
	if err != nil {
		return err
	}
	delete(m.classes, code)
	m.Record(events...)
	return nil
}

var _ taxsvc.Store = (*MemStore)(nil)
