package inventorytest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/id"
)

// MemStore is an in-memory inventorysvc.Store: one mutex is its
// transaction. It hands out copies, and records the events it was given.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu        sync.Mutex
	locations []inventory.Location
	items     map[string]inventory.Item
	levels    map[inventorysvc.LevelKey]inventory.Level
	res       map[string]inventory.Reservation
	refs      map[string]string
	ledger    []inventory.LedgerEntry
	seq       int64
}

// NewMemStore returns an empty store with a default location.
func NewMemStore() *MemStore {
	return &MemStore{
		locations: []inventory.Location{{ID: id.New("loc"), Name: "Default", Default: true, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}},
		items:     map[string]inventory.Item{},
		levels:    map[inventorysvc.LevelKey]inventory.Level{},
		res:       map[string]inventory.Reservation{},
		refs:      map[string]string{},
	}
}

func cloneRes(r inventory.Reservation) inventory.Reservation {
	r.Lines = slices.Clone(r.Lines)
	r.Allocations = slices.Clone(r.Allocations)
	return r
}

// Apply implements inventorysvc.Store.
func (m *MemStore) Apply(ctx context.Context, scope inventorysvc.Scope, fn func(st *inventorysvc.State) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	items := map[string]*inventory.Item{}
	levels := map[inventorysvc.LevelKey]*inventory.Level{}
	for _, sku := range scope.SKUs {
		if it, ok := m.items[sku]; ok {
			items[sku] = &it
		}
		for _, loc := range m.locations {
			if l, ok := m.levels[inventorysvc.LevelKey{SKU: sku, LocationID: loc.ID}]; ok {
				levels[inventorysvc.LevelKey{SKU: sku, LocationID: loc.ID}] = &l
			}
		}
	}
	res := map[string]*inventory.Reservation{}
	for _, rid := range scope.ReservationIDs {
		if r, ok := m.res[rid]; ok {
			c := cloneRes(r)
			res[rid] = &c
		}
	}
	for _, ref := range scope.References {
		if rid, ok := m.refs[ref]; ok {
			c := cloneRes(m.res[rid])
			res[rid] = &c
		}
	}
	st := inventorysvc.NewState(slices.Clone(m.locations), items, levels, res)
	if err := fn(st); err != nil {
		return err
	}
	for _, sku := range append(slices.Clone(st.NewItems), st.ChangedItems...) {
		m.items[sku] = *st.Items[sku]
	}
	for _, k := range append(slices.Clone(st.NewLevels), st.ChangedLevels...) {
		m.levels[k] = *st.Levels[k]
	}
	for _, rid := range append(slices.Clone(st.NewReservations), st.ChangedReservations...) {
		r := cloneRes(*st.Reservations[rid])
		m.res[rid] = r
		if r.Reference != "" {
			m.refs[r.Reference] = rid
		}
	}
	for _, e := range st.Ledger {
		m.seq++
		e.Seq = m.seq
		m.ledger = append(m.ledger, e)
	}
	m.Record(st.Events...)
	return nil
}

// InsertLocation implements inventorysvc.Store.
func (m *MemStore) InsertLocation(ctx context.Context, l inventory.Location, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.locations = append(m.locations, l)
	m.Record(events...)
	return nil
}

// Locations implements inventorysvc.Store.
func (m *MemStore) Locations(ctx context.Context) ([]inventory.Location, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.locations), nil
}

// Stock implements inventorysvc.Store.
func (m *MemStore) Stock(ctx context.Context, sku string) (inventory.Item, []inventory.Level, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[sku]
	if !ok {
		return inventory.Item{}, nil, errs.E(errs.NotFound, "not_found", "unknown SKU: %s", sku)
	}
	var out []inventory.Level
	for k, l := range m.levels {
		if k.SKU == sku {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b inventory.Level) int { return compare(a.LocationID, b.LocationID) })
	return it, out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Reservation implements inventorysvc.Store.
func (m *MemStore) Reservation(ctx context.Context, rid string) (inventory.Reservation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.res[rid]
	if !ok {
		return inventory.Reservation{}, errs.E(errs.NotFound, "not_found", "reservation not found")
	}
	return cloneRes(r), nil
}

// DueReservations implements inventorysvc.Store.
func (m *MemStore) DueReservations(ctx context.Context, now time.Time, limit int) ([]inventorysvc.Due, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []inventory.Reservation
	for _, r := range m.res {
		if r.State == inventory.Active && !r.ExpiresAt.After(now) {
			due = append(due, r)
		}
	}
	slices.SortFunc(due, func(a, b inventory.Reservation) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	var out []inventorysvc.Due
	for _, r := range due[:min(limit, len(due))] {
		d := inventorysvc.Due{ID: r.ID}
		for _, ln := range r.Lines {
			d.SKUs = append(d.SKUs, ln.SKU)
		}
		out = append(out, d)
	}
	return out, nil
}

// Ledger implements inventorysvc.Store.
func (m *MemStore) Ledger(ctx context.Context, sku string, after int64, limit int) ([]inventory.LedgerEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []inventory.LedgerEntry
	for _, e := range m.ledger {
		if e.SKU == sku && e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// Snapshot implements inventorysvc.Store.
func (m *MemStore) Snapshot(ctx context.Context) (inventorysvc.Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	snap := inventorysvc.Snapshot{Items: map[string]inventory.Item{}, Held: map[inventorysvc.LevelKey]int64{}}
	for k, v := range m.items {
		snap.Items[k] = v
	}
	for _, l := range m.levels {
		snap.Levels = append(snap.Levels, l)
	}
	sums := map[inventorysvc.LevelKey]*inventorysvc.LedgerSum{}
	for _, e := range m.ledger {
		k := inventorysvc.LevelKey{SKU: e.SKU, LocationID: e.LocationID}
		sm := sums[k]
		if sm == nil {
			sm = &inventorysvc.LedgerSum{SKU: e.SKU, LocationID: e.LocationID}
			sums[k] = sm
		}
		sm.OnHand += e.OnHandDelta
		sm.Reserved += e.ReservedDelta
		sm.Committed += e.CommittedDelta
		sm.Entries++
	}
	for _, sm := range sums {
		snap.Sums = append(snap.Sums, *sm)
	}
	for _, r := range m.res {
		if r.State != inventory.Active {
			continue
		}
		for _, a := range r.Allocations {
			if a.Held {
				snap.Held[inventorysvc.LevelKey{SKU: a.SKU, LocationID: a.LocationID}] += a.Quantity
			}
		}
	}
	return snap, nil
}

// Corrupt sets a level's on_hand behind the ledger's back, so that tests
// can check that Reconcile notices.
func (m *MemStore) Corrupt(sku string, onHand int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, l := range m.levels {
		if k.SKU == sku {
			l.OnHand = onHand
			l.Available = l.OnHand - l.Reserved
			m.levels[k] = l
			return
		}
	}
}

var _ inventorysvc.Store = (*MemStore)(nil)
