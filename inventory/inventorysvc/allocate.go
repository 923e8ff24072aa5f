package inventorysvc

import "github.com/agoracommerce/agora/inventory"

// Allocator chooses the locations that hold a line of a tracked SKU. It
// gets the locations in allocation order (priority, then the default
// location, then id) and the SKU's levels at those locations (a location
// without a level has none). It returns the allocations (quantities > 0
// that add up to the line's quantity) and true, or false when the line
// cannot be held. For a SKU that allows backorder it may allocate more than
// is available. Allocators are pure functions of their arguments.
type Allocator interface {
	Allocate(line inventory.Line, item inventory.Item, locations []inventory.Location, levels map[string]inventory.Level) ([]inventory.Allocation, bool)
}

// WholeThenSplit is the default Allocator: the first location that can
// ship the whole line, else the line split over the locations in order,
// each giving what it has; with backorder the rest goes to the first
// location.
type WholeThenSplit struct{}

// Allocate implements Allocator.
func (WholeThenSplit) Allocate(line inventory.Line, item inventory.Item, locations []inventory.Location, levels map[string]inventory.Level) ([]inventory.Allocation, bool) {
	avail := func(loc string) int64 { return max(0, levels[loc].Available) }
	for _, loc := range locations {
		if avail(loc.ID) >= line.Quantity {
			return []inventory.Allocation{{SKU: line.SKU, LocationID: loc.ID, Quantity: line.Quantity, Held: true}}, true
		}
	}
	var out []inventory.Allocation
	rest := line.Quantity
	for _, loc := range locations {
		if a := min(avail(loc.ID), rest); a > 0 {
			out = append(out, inventory.Allocation{SKU: line.SKU, LocationID: loc.ID, Quantity: a, Held: true})
			rest -= a
		}
	}
	if rest == 0 {
		return out, true
	}
	if !item.AllowBackorder || len(locations) == 0 {
		return nil, false
	}
	first := locations[0].ID
	for i := range out {
		if out[i].LocationID == first {
			out[i].Quantity += rest
			return out, true
		}
	}
	return append([]inventory.Allocation{{SKU: line.SKU, LocationID: first, Quantity: rest, Held: true}}, out...), true
}

var _ Allocator = WholeThenSplit{}
