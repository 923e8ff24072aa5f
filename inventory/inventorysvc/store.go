package inventorysvc

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/event"
)

// Scope names what one stock transaction loads: the items and levels of
// SKUs (the levels locked against other writers: FOR UPDATE on
// PostgreSQL), and reservations by id or by reference (locked too).
type Scope struct {
	SKUs           []string
	ReservationIDs []string
	References     []string
}

// Due is an active reservation past its expiry, with its SKUs.
type Due struct {
	ID   string
	SKUs []string
}

// LedgerSum is the sum of a level's ledger rows.
type LedgerSum struct {
	SKU        string
	LocationID string
	OnHand     int64
	Reserved   int64
	Committed  int64
	Entries    int64
}

// Store is inventory's private persistence, shaped by the service's use
// cases. Apply is the one write path for stock: it loads a State for a
// Scope inside one transaction, runs fn, and writes what fn changed (items,
// levels, reservations, ledger rows and outbox events) in the same
// transaction. fn may run more than once (the transaction is retried on
// serialization failures, deadlocks, busy databases and unique violations
// of concurrent inserts), so it must have no effect outside the State.
type Store interface {
	Apply(ctx context.Context, scope Scope, fn func(st *State) error) error

	// InsertLocation stores a new location with its events.
	InsertLocation(ctx context.Context, l inventory.Location, events []event.Event) error
	Locations(ctx context.Context) ([]inventory.Location, error)
	// Stock reads a SKU's item and levels (NotFound for an unknown SKU).
	Stock(ctx context.Context, sku string) (inventory.Item, []inventory.Level, error)
	// Reservation reads a reservation (NotFound when there is none).
	Reservation(ctx context.Context, id string) (inventory.Reservation, error)
	// DueReservations lists up to limit active reservations that expired
	// at now, oldest expiry first.
	DueReservations(ctx context.Context, now time.Time, limit int) ([]Due, error)
	// Ledger lists a SKU's ledger rows with seq > after, oldest first.
	Ledger(ctx context.Context, sku string, after int64, limit int) ([]inventory.LedgerEntry, error)
	// Snapshot reads, in one consistent read, every item, level, the sums
	// of the ledger per level and the units of active reservations per
	// level (for Reconcile).
	Snapshot(ctx context.Context) (Snapshot, error)
}

// Snapshot is everything Reconcile compares.
type Snapshot struct {
	Items  map[string]inventory.Item
	Levels []inventory.Level
	Sums   []LedgerSum
	// Held is the units of active reservations per level.
	Held map[LevelKey]int64
}
