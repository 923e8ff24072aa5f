package inventorysvc

import (
	"slices"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/event"
)

// LevelKey names a level.
type LevelKey struct{ SKU, LocationID string }

// State is what one stock transaction loaded. The service changes it
// through its methods, which record what changed; the store then writes
// exactly the changes.
type State struct {
	Locations    []inventory.Location
	Items        map[string]*inventory.Item
	Levels       map[LevelKey]*inventory.Level
	Reservations map[string]*inventory.Reservation // by id

	byRef map[string]*inventory.Reservation

	// What changed, for the store.
	NewItems            []string
	ChangedItems        []string
	NewLevels           []LevelKey
	ChangedLevels       []LevelKey
	NewReservations     []string
	ChangedReservations []string
	Ledger              []inventory.LedgerEntry
	Events              []event.Event

	touched []string // SKUs whose levels or settings changed, in order
	marks   map[any]bool
}

// NewState returns a state over what a store loaded; the maps it is given
// become the state's.
func NewState(locs []inventory.Location, items map[string]*inventory.Item, levels map[LevelKey]*inventory.Level, res map[string]*inventory.Reservation) *State {
	st := &State{Locations: locs, Items: items, Levels: levels, Reservations: res,
		byRef: map[string]*inventory.Reservation{}, marks: map[any]bool{}}
	if st.Items == nil {
		st.Items = map[string]*inventory.Item{}
	}
	if st.Levels == nil {
		st.Levels = map[LevelKey]*inventory.Level{}
	}
	if st.Reservations == nil {
		st.Reservations = map[string]*inventory.Reservation{}
	}
	for _, r := range st.Reservations {
		if r.Reference != "" {
			st.byRef[r.Reference] = r
		}
	}
	return st
}

func (st *State) mark(kind string, key any, list *[]string, s string) {
	k := [2]any{kind, key}
	if !st.marks[k] {
		st.marks[k] = true
		*list = append(*list, s)
	}
}

func (st *State) touch(sku string) {
	k := [2]any{"touch", sku}
	if !st.marks[k] {
		st.marks[k] = true
		st.touched = append(st.touched, sku)
	}
}

// defaultLocation is the default location, or the first one.
func (st *State) defaultLocation() (inventory.Location, bool) {
	for _, l := range st.Locations {
		if l.Default {
			return l, true
		}
	}
	if len(st.Locations) > 0 {
		return st.Locations[0], true
	}
	return inventory.Location{}, false
}

func (st *State) location(id string) (inventory.Location, bool) {
	for _, l := range st.Locations {
		if l.ID == id {
			return l, true
		}
	}
	return inventory.Location{}, false
}

// levelsOf returns the loaded levels of sku, ordered like Locations.
func (st *State) levelsOf(sku string) []inventory.Level {
	var out []inventory.Level
	for _, loc := range st.Locations {
		if l, ok := st.Levels[LevelKey{sku, loc.ID}]; ok {
			out = append(out, *l)
		}
	}
	return out
}

func (st *State) totals(sku string) inventory.Totals {
	var t inventory.Totals
	for _, l := range st.levelsOf(sku) {
		t.Add(l)
	}
	return t
}

// putItem records a new or changed item.
func (st *State) putItem(it inventory.Item) {
	if old, ok := st.Items[it.SKU]; ok {
		*old = it
		st.mark("item", it.SKU, &st.ChangedItems, it.SKU)
	} else {
		c := it
		st.Items[it.SKU] = &c
		st.mark("newitem", it.SKU, &st.NewItems, it.SKU)
	}
	st.touch(it.SKU)
}

// level returns the level of key, creating an empty one (recorded as new).
func (st *State) level(key LevelKey, now time.Time) *inventory.Level {
	if l, ok := st.Levels[key]; ok {
		return l
	}
	l := &inventory.Level{SKU: key.SKU, LocationID: key.LocationID, UpdatedAt: now}
	st.Levels[key] = l
	if !st.marks[[2]any{"newlevel", key}] {
		st.marks[[2]any{"newlevel", key}] = true
		st.NewLevels = append(st.NewLevels, key)
	}
	st.touch(key.SKU)
	return l
}

// change applies deltas to a level and appends the ledger row.
func (st *State) change(key LevelKey, dOnHand, dReserved, dCommitted int64, reason, ref string, now time.Time) *inventory.Level {
	l := st.level(key, now)
	if dOnHand == 0 && dReserved == 0 && dCommitted == 0 {
		return l
	}
	l.OnHand += dOnHand
	l.Reserved += dReserved
	l.Committed += dCommitted
	l.Available = l.OnHand - l.Reserved
	l.Version++
	l.UpdatedAt = now
	if !st.marks[[2]any{"level", key}] {
		st.marks[[2]any{"level", key}] = true
		st.ChangedLevels = append(st.ChangedLevels, key)
	}
	st.Ledger = append(st.Ledger, inventory.LedgerEntry{SKU: key.SKU, LocationID: key.LocationID,
		OnHandDelta: dOnHand, ReservedDelta: dReserved, CommittedDelta: dCommitted, Reason: reason, Reference: ref, CreatedAt: now})
	st.touch(key.SKU)
	return l
}

// IsNewLevel reports whether the level of key did not exist before.
func (st *State) IsNewLevel(key LevelKey) bool { return st.marks[[2]any{"newlevel", key}] }

func (st *State) addReservation(r *inventory.Reservation) {
	st.Reservations[r.ID] = r
	if r.Reference != "" {
		st.byRef[r.Reference] = r
	}
	st.mark("newres", r.ID, &st.NewReservations, r.ID)
}

func (st *State) changedReservation(id string) {
	if st.marks[[2]any{"newres", id}] {
		return
	}
	st.mark("res", id, &st.ChangedReservations, id)
}

// sortedSKUs returns the sorted, distinct SKUs.
func sortedSKUs(skus []string) []string {
	out := slices.Clone(skus)
	slices.Sort(out)
	return slices.Compact(out)
}
