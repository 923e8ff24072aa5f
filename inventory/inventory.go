// Package inventory is the contract of Agora's inventory module.
//
// Inventory owns stock locations, inventory items (one per SKU: whether its
// stock is tracked and whether it may be backordered), stock levels per SKU
// and location, reservations with a time to live, and the append-only stock
// ledger from which every level can be recomputed (Reconcile). It does not
// own products or variants (catalog does) nor orders (order does): a SKU is
// an opaque string here.
//
// # Quantities
//
// A level holds on_hand (units in stock and not yet sold), reserved (units
// held by live reservations) and committed (units sold out of this level by
// committed reservations; a commit moves them out of on_hand). Available is
// on_hand − reserved.
//
// # Invariant
//
// For a tracked item without backorder, at every location and under any
// concurrency (many goroutines, many processes on one PostgreSQL):
// 0 ≤ reserved ≤ on_hand, that is available ≥ 0: the units held by live
// reservations never exceed the units in stock, and the units sold
// (committed) never exceed the units received. Every change to a level is
// a ledger row in the same transaction, so the sums of the ledger equal
// the levels (Reconcile reports any difference).
//
// # Concurrency
//
// Reservations of one SKU are coalesced: one writer per hot SKU gathers the
// concurrent calls and applies them as one transaction, each caller getting
// its own answer. Reserve is all-or-nothing across its lines.
//
// Events emitted (through the module's outbox): inventory.reserved,
// inventory.committed, inventory.released, inventory.expired (data: the
// Reservation), inventory.level_changed (data: LevelChanged, once per SKU
// and transaction), inventory.out_of_stock and inventory.restocked (data:
// LevelChanged, when a SKU's available total crosses zero). It consumes no
// events.
package inventory

import (
	"context"
	"time"
)

// Module is the module's name: its tables are prefixed "inventory_", its
// events come from "agora/inventory".
const Module = "inventory"

// Event types.
const (
	EventReserved     = "inventory.reserved"
	EventCommitted    = "inventory.committed"
	EventReleased     = "inventory.released"
	EventExpired      = "inventory.expired"
	EventLevelChanged = "inventory.level_changed"
	EventOutOfStock   = "inventory.out_of_stock"
	EventRestocked    = "inventory.restocked"
)

// Limits on what inventory accepts.
const (
	MaxSKU        = 100
	MaxText       = 200
	MaxLines      = 100
	MaxQuantity   = 1_000_000     // per reservation line
	MaxOnHand     = 1_000_000_000 // per level
	MaxTTL        = 7 * 24 * time.Hour
	DefaultTTL    = 15 * time.Minute
	MaxLocations  = 1000
	MaxListLimit  = 100 // API.md: lists take ?limit= up to 100, 20 by default
	DefaultLimit  = 20
	MaxReferences = 200 // length of a reference or owner
)

// Location is a place that holds stock (a warehouse, a store).
type Location struct {
	ID   string `json:"id" doc:"Location id (loc_…)"`
	Name string `json:"name"`
	// Priority orders locations for allocation: lower first.
	Priority  int       `json:"priority"`
	Default   bool      `json:"default" doc:"The location used when none is named"`
	CreatedAt time.Time `json:"created_at"`
}

// Item is the inventory settings of one SKU.
type Item struct {
	SKU string `json:"sku"`
	// TrackInventory false means "do not track": the SKU can always be
	// reserved and its levels do not move.
	TrackInventory bool `json:"track_inventory"`
	// AllowBackorder lets reservations exceed the stock (available < 0).
	AllowBackorder bool      `json:"allow_backorder"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Level is the stock of one SKU at one location.
type Level struct {
	SKU        string    `json:"sku"`
	LocationID string    `json:"location_id"`
	OnHand     int64     `json:"on_hand" doc:"Units in stock, not yet sold"`
	Reserved   int64     `json:"reserved" doc:"Units held by live reservations"`
	Committed  int64     `json:"committed" doc:"Units sold out of this level (taken from on_hand by commits)"`
	Available  int64     `json:"available" doc:"on_hand − reserved"`
	Version    int64     `json:"version" doc:"Incremented by every change"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Totals sums the levels of a SKU over its locations.
type Totals struct {
	OnHand    int64 `json:"on_hand"`
	Reserved  int64 `json:"reserved"`
	Committed int64 `json:"committed"`
	Available int64 `json:"available"`
}

// Add adds l to t.
func (t *Totals) Add(l Level) {
	t.OnHand += l.OnHand
	t.Reserved += l.Reserved
	t.Committed += l.Committed
	t.Available += l.Available
}

// Stock is a SKU's settings with its levels per location and their totals.
type Stock struct {
	Item
	Levels []Level `json:"levels"`
	Totals Totals  `json:"totals"`
}

// State is the state of a reservation.
type State string

// The states. Active reservations hold stock; the others are final.
const (
	Active    State = "active"
	Committed State = "committed"
	Released  State = "released"
	Expired   State = "expired"
)

// Line is one SKU and quantity of a reservation request.
type Line struct {
	SKU      string `json:"sku" minLength:"1" maxLength:"100"`
	Quantity int64  `json:"quantity" minimum:"1" maximum:"1000000"`
}

// Allocation is the part of a line held at one location.
type Allocation struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	Quantity   int64  `json:"quantity"`
	// Held is false for a SKU whose stock is not tracked: no level holds
	// its units.
	Held bool `json:"held"`
}

// Reservation holds stock for an owner (a cart, a checkout) until it is
// committed, released or expires.
type Reservation struct {
	ID string `json:"id" doc:"Reservation id (res_…)"`
	// Reference is the caller's idempotency reference: a Reserve with a
	// reference that exists returns that reservation.
	Reference string `json:"reference,omitempty"`
	Owner     string `json:"owner,omitempty" doc:"What holds the stock, e.g. a cart or checkout id"`
	State     State  `json:"state" enum:"active,committed,released,expired"`
	Lines     []Line `json:"lines"`
	// Allocations say where each line's units are held.
	Allocations []Allocation `json:"allocations"`
	OrderID     string       `json:"order_id,omitempty" doc:"The order a commit named"`
	ExpiresAt   time.Time    `json:"expires_at"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// LedgerEntry is one change of one level. The ledger is append-only.
type LedgerEntry struct {
	Seq            int64     `json:"seq"`
	SKU            string    `json:"sku"`
	LocationID     string    `json:"location_id"`
	OnHandDelta    int64     `json:"on_hand_delta"`
	ReservedDelta  int64     `json:"reserved_delta"`
	CommittedDelta int64     `json:"committed_delta"`
	Reason         string    `json:"reason" doc:"reserved, released, expired, committed, or the reason an admin gave"`
	Reference      string    `json:"reference,omitempty" doc:"Reservation id, or the admin's reference"`
	CreatedAt      time.Time `json:"created_at"`
}

// LevelChanged is the data of level events: a SKU's levels and totals
// after a transaction.
type LevelChanged struct {
	SKU            string  `json:"sku"`
	TrackInventory bool    `json:"track_inventory"`
	AllowBackorder bool    `json:"allow_backorder"`
	Levels         []Level `json:"levels"`
	Totals         Totals  `json:"totals"`
}

// Difference is a level that disagrees with the sums of its ledger.
type Difference struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	Field      string `json:"field" enum:"on_hand,reserved,committed,level_missing"`
	Level      int64  `json:"level"`
	Ledger     int64  `json:"ledger"`
}

// Violation is a level of a tracked SKU without backorder that breaks the
// invariant (reserved > on_hand, or a negative quantity), or a SKU whose
// active reservations do not add up to its reserved units.
type Violation struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	Problem    string `json:"problem"`
}

// ReconcileReport is the result of Reconcile.
type ReconcileReport struct {
	Levels      int          `json:"levels" doc:"Levels checked"`
	Entries     int64        `json:"entries" doc:"Ledger rows summed"`
	Differences []Difference `json:"differences"`
	Violations  []Violation  `json:"violations"`
	OK          bool         `json:"ok" doc:"No differences and no violations"`
}

// Page is one page of a list; NextCursor is empty on the last page.
type Page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// CreateLocationCommand creates a stock location.
type CreateLocationCommand struct {
	Name     string `json:"name" minLength:"1" maxLength:"200"`
	Priority int    `json:"priority,omitempty" minimum:"0" maximum:"1000000" doc:"Allocation order: lower first"`
}

// UpdateItemCommand sets a SKU's settings, creating its item if needed.
type UpdateItemCommand struct {
	SKU            string `json:"sku"`
	TrackInventory *bool  `json:"track_inventory,omitempty" doc:"Default true for a new item"`
	AllowBackorder *bool  `json:"allow_backorder,omitempty" doc:"Default false for a new item"`
}

// SetLevelCommand sets the on-hand units of a SKU at a location (the
// default location when LocationID is empty), creating the item (tracked,
// no backorder) and the level if needed.
type SetLevelCommand struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id,omitempty"`
	OnHand     int64  `json:"on_hand"`
	Reason     string `json:"reason,omitempty"`
	Reference  string `json:"reference,omitempty"`
}

// AdjustCommand adds Delta (may be negative) to the on-hand units of a
// SKU at a location, with a reason.
type AdjustCommand struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id,omitempty"`
	Delta      int64  `json:"delta"`
	Reason     string `json:"reason"`
	Reference  string `json:"reference,omitempty"`
}

// ReserveCommand reserves every line or nothing.
type ReserveCommand struct {
	// Reference makes the call idempotent: a retry with the same reference
	// returns the first reservation (Conflict reference_conflict when its
	// lines differ). Optional.
	Reference string `json:"reference,omitempty" maxLength:"200"`
	Owner     string `json:"owner,omitempty" maxLength:"200" doc:"What holds the stock, e.g. a cart or checkout id"`
	Lines     []Line `json:"lines" minItems:"1" maxItems:"100"`
	// TTLSeconds is how long the reservation holds stock (default 900).
	TTLSeconds int64 `json:"ttl_seconds,omitempty" minimum:"1" maximum:"604800" doc:"How long the reservation holds stock (default 900 s)"`
}

// CommitCommand turns an active reservation into sold stock.
type CommitCommand struct {
	ReservationID string `json:"reservation_id"`
	OrderID       string `json:"order_id,omitempty" maxLength:"200"`
}

// ReleaseCommand gives a reservation's stock back.
type ReleaseCommand struct {
	ReservationID string `json:"reservation_id"`
}

// ExpireCommand releases the active reservations that expired (the
// sweeper's step); Limit bounds how many (default 1000).
type ExpireCommand struct {
	Limit int `json:"limit,omitempty" minimum:"1" maximum:"1000"`
}

// ExpireResult says how many reservations expired.
type ExpireResult struct {
	Expired int `json:"expired"`
}

// LedgerQuery lists a SKU's ledger, oldest first.
type LedgerQuery struct {
	SKU    string
	Limit  int
	Cursor string
}

// Service is the inventory module.
//
// Errors: Invalid (validation_failed, with fields) for malformed input;
// NotFound (not_found) for an unknown SKU, location or reservation;
// Conflict with out_of_stock (Reserve: the fields name the lines that
// cannot be held, and nothing was reserved), reference_conflict,
// reservation_committed, reservation_released, reservation_expired,
// below_reserved (a level cannot go under its reserved units).
type Service interface {
	CreateLocation(ctx context.Context, cmd CreateLocationCommand) (Location, error)
	ListLocations(ctx context.Context) ([]Location, error)

	// UpdateItem sets a SKU's settings; it creates the item when needed.
	UpdateItem(ctx context.Context, cmd UpdateItemCommand) (Item, error)
	// GetStock reads a SKU's levels and totals (NotFound for an unknown SKU).
	GetStock(ctx context.Context, sku string) (Stock, error)
	// Availability is GetStock for advisory checks such as a cart's "is
	// there enough": it may come from memory, and then holds every write
	// of this process and those of other processes once their events
	// arrive (at most seconds). Reserve is always exact. The answer is
	// shared: it must not be modified.
	Availability(ctx context.Context, sku string) (Stock, error)
	// SetLevel sets on_hand; Adjust adds to it. Both write a ledger row.
	SetLevel(ctx context.Context, cmd SetLevelCommand) (Level, error)
	Adjust(ctx context.Context, cmd AdjustCommand) (Level, error)

	// Reserve holds every line or nothing (Conflict out_of_stock).
	Reserve(ctx context.Context, cmd ReserveCommand) (Reservation, error)
	// Commit is idempotent for a committed reservation; it accepts an
	// active reservation even past its expiry if the sweeper has not
	// released it yet.
	Commit(ctx context.Context, cmd CommitCommand) (Reservation, error)
	// Release is idempotent: a released or expired reservation is
	// returned unchanged; a committed one is Conflict.
	Release(ctx context.Context, cmd ReleaseCommand) (Reservation, error)
	GetReservation(ctx context.Context, id string) (Reservation, error)
	// ExpireReservations expires the active reservations past their time.
	ExpireReservations(ctx context.Context, cmd ExpireCommand) (ExpireResult, error)

	// Ledger lists a SKU's ledger rows, oldest first.
	Ledger(ctx context.Context, q LedgerQuery) (Page[LedgerEntry], error)
	// Reconcile recomputes every level from the ledger and reports the
	// differences and invariant violations.
	Reconcile(ctx context.Context) (ReconcileReport, error)
}
