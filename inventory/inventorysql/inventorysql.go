// Package inventorysql is inventory's store on SQLite and PostgreSQL.
//
// Levels are one row per SKU and location; a stock transaction locks the
// level rows of its SKUs (SELECT … FOR UPDATE on PostgreSQL, the single
// writer on SQLite) before it reads reservations, so that writers in
// several processes serialize per SKU and never deadlock on the order of
// their locks. Every write appends its ledger rows and its events (to
// inventory_outbox) in the same transaction.
package inventorysql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorysvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are inventory's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements inventorysvc.Store.
type Store struct {
	sqldb.ModuleStore
}

// New returns the store on db; committed (may be nil) runs after every
// commit that wrote events (it wakes the outbox relay).
func New(db *sqldb.DB, committed func()) *Store {
	return &Store{ModuleStore: sqldb.NewModuleStore(db, inventory.Module, Migrations(), committed)}
}

// Writers is the number of coalescing writers that suits the database
// (inventorysvc.Config.Writers): 1 on SQLite, whose single writer
// connection serializes all transactions, so one group commit for all SKUs
// is fastest; 4 on PostgreSQL, where transactions on different rows run in
// parallel but each commit costs a WAL flush.
func (s *Store) Writers() int {
	if s.DB.Dialect() == sqldb.SQLite {
		return 1
	}
	return 4
}

// Migrate applies inventory's migrations and creates the default location
// when there is none (safe when several processes start at once).
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.ModuleStore.Migrate(ctx); err != nil {
		return err
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM inventory_locations WHERE is_default`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO inventory_locations (id, name, priority, is_default, created_at) VALUES (?, ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
		id.New("loc"), "Default", true, time.Now().UTC().Truncate(time.Microsecond))
	return err
}

// maxAttempts bounds the runs of one Apply after unique violations (two
// processes inserting the same new level, item or reference at once: the
// loser runs again and then sees the winner's row).
const maxAttempts = 5

// Apply implements inventorysvc.Store.
func (s *Store) Apply(ctx context.Context, scope inventorysvc.Scope, fn func(st *inventorysvc.State) error) error {
	var err error
	for range maxAttempts {
		wrote := false
		err = s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			st, err := load(ctx, tx, scope)
			if err != nil {
				return err
			}
			if err := fn(st); err != nil {
				return err
			}
			wrote = len(st.Events) > 0
			return write(ctx, tx, st)
		})
		if err == nil {
			if wrote {
				s.Notify()
			}
			return nil
		}
		if !sqldb.IsUnique(err) {
			return err
		}
	}
	return err
}

// in returns "(?, ?, …)" and the args of list.
func in(list []string) (string, []any) {
	args := make([]any, len(list))
	for i, s := range list {
		args[i] = s
	}
	return "(?" + strings.Repeat(", ?", len(list)-1) + ")", args
}

// chunks splits list so that every IN list stays small.
func chunks(list []string) [][]string {
	var out [][]string
	for len(list) > 0 {
		n := min(len(list), 500)
		out = append(out, list[:n])
		list = list[n:]
	}
	return out
}

const levelCols = `sku, location_id, on_hand, reserved, committed, version, updated_at`

func scanLevel(rows *sql.Rows) (inventory.Level, error) {
	var l inventory.Level
	err := rows.Scan(&l.SKU, &l.LocationID, &l.OnHand, &l.Reserved, &l.Committed, &l.Version, &l.UpdatedAt)
	l.UpdatedAt = l.UpdatedAt.UTC()
	l.Available = l.OnHand - l.Reserved
	return l, err
}

const resCols = `id, reference, owner, state, order_id, doc, expires_at, created_at, updated_at`

type resDoc struct {
	Lines       []inventory.Line       `json:"lines"`
	Allocations []inventory.Allocation `json:"allocations"`
}

func scanRes(row interface{ Scan(...any) error }) (inventory.Reservation, error) {
	var r inventory.Reservation
	var ref sql.NullString
	var doc string
	if err := row.Scan(&r.ID, &ref, &r.Owner, &r.State, &r.OrderID, &doc, &r.ExpiresAt, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.Reference = ref.String
	r.ExpiresAt, r.CreatedAt, r.UpdatedAt = r.ExpiresAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	var d resDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return r, fmt.Errorf("inventorysql: reservation %s: %w", r.ID, err)
	}
	r.Lines, r.Allocations = d.Lines, d.Allocations
	return r, nil
}

func locations(ctx context.Context, q sqldb.Querier) ([]inventory.Location, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, priority, is_default, created_at FROM inventory_locations ORDER BY priority, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inventory.Location
	for rows.Next() {
		var l inventory.Location
		if err := rows.Scan(&l.ID, &l.Name, &l.Priority, &l.Default, &l.CreatedAt); err != nil {
			return nil, err
		}
		l.CreatedAt = l.CreatedAt.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

func scanItems(rows *sql.Rows, into map[string]*inventory.Item) error {
	defer rows.Close()
	for rows.Next() {
		var it inventory.Item
		if err := rows.Scan(&it.SKU, &it.TrackInventory, &it.AllowBackorder, &it.CreatedAt, &it.UpdatedAt); err != nil {
			return err
		}
		it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
		into[it.SKU] = &it
	}
	return rows.Err()
}

const itemCols = `sku, track_inventory, allow_backorder, created_at, updated_at`

// load reads and locks what scope names: levels first (in SKU order), then
// reservations, so every writer takes its locks in the same order.
func load(ctx context.Context, tx *sqldb.Tx, scope inventorysvc.Scope) (*inventorysvc.State, error) {
	locs, err := locations(ctx, tx)
	if err != nil {
		return nil, err
	}
	items := map[string]*inventory.Item{}
	levels := map[inventorysvc.LevelKey]*inventory.Level{}
	for _, c := range chunks(scope.SKUs) {
		list, args := in(c)
		rows, err := tx.QueryContext(ctx, `SELECT `+levelCols+` FROM inventory_levels WHERE sku IN `+list+` ORDER BY sku, location_id`+tx.ForUpdate(), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			l, err := scanLevel(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			levels[inventorysvc.LevelKey{SKU: l.SKU, LocationID: l.LocationID}] = &l
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+itemCols+` FROM inventory_items WHERE sku IN `+list, args...)
		if err != nil {
			return nil, err
		}
		if err := scanItems(rows, items); err != nil {
			return nil, err
		}
	}
	res := map[string]*inventory.Reservation{}
	for _, q := range []struct {
		col  string
		list []string
	}{{"id", scope.ReservationIDs}, {"reference", scope.References}} {
		for _, c := range chunks(q.list) {
			list, args := in(c)
			rows, err := tx.QueryContext(ctx, `SELECT `+resCols+` FROM inventory_reservations WHERE `+q.col+` IN `+list+` ORDER BY id`+tx.ForUpdate(), args...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				r, err := scanRes(rows)
				if err != nil {
					rows.Close()
					return nil, err
				}
				res[r.ID] = &r
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return nil, err
			}
		}
	}
	return inventorysvc.NewState(locs, items, levels, res), nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// write stores what the state says changed.
func write(ctx context.Context, tx *sqldb.Tx, st *inventorysvc.State) error {
	var rows [][]any
	for _, sku := range st.NewItems {
		it := st.Items[sku]
		rows = append(rows, []any{it.SKU, it.TrackInventory, it.AllowBackorder, it.CreatedAt, it.UpdatedAt})
	}
	if err := tx.InsertMany(ctx, `INSERT INTO inventory_items (`+itemCols+`)`, rows); err != nil {
		return err
	}
	newItem := map[string]bool{}
	for _, sku := range st.NewItems {
		newItem[sku] = true
	}
	for _, sku := range st.ChangedItems {
		if newItem[sku] {
			continue
		}
		it := st.Items[sku]
		if _, err := tx.ExecContext(ctx, `UPDATE inventory_items SET track_inventory = ?, allow_backorder = ?, updated_at = ? WHERE sku = ?`,
			it.TrackInventory, it.AllowBackorder, it.UpdatedAt, sku); err != nil {
			return err
		}
	}
	rows = rows[:0]
	for _, k := range st.NewLevels {
		l := st.Levels[k]
		rows = append(rows, []any{l.SKU, l.LocationID, l.OnHand, l.Reserved, l.Committed, l.Version, l.UpdatedAt})
	}
	if err := tx.InsertMany(ctx, `INSERT INTO inventory_levels (`+levelCols+`)`, rows); err != nil {
		return err
	}
	for _, k := range st.ChangedLevels {
		if st.IsNewLevel(k) {
			continue
		}
		l := st.Levels[k]
		if _, err := tx.ExecContext(ctx, `UPDATE inventory_levels SET on_hand = ?, reserved = ?, committed = ?, version = ?, updated_at = ? WHERE sku = ? AND location_id = ?`,
			l.OnHand, l.Reserved, l.Committed, l.Version, l.UpdatedAt, l.SKU, l.LocationID); err != nil {
			return err
		}
	}
	rows = rows[:0]
	for _, rid := range st.NewReservations {
		r := st.Reservations[rid]
		doc, err := json.Marshal(resDoc{Lines: r.Lines, Allocations: r.Allocations})
		if err != nil {
			return err
		}
		rows = append(rows, []any{r.ID, nullable(r.Reference), r.Owner, string(r.State), r.OrderID, string(doc), r.ExpiresAt, r.CreatedAt, r.UpdatedAt})
	}
	if err := tx.InsertMany(ctx, `INSERT INTO inventory_reservations (`+resCols+`)`, rows); err != nil {
		return err
	}
	for _, rid := range st.ChangedReservations {
		r := st.Reservations[rid]
		if _, err := tx.ExecContext(ctx, `UPDATE inventory_reservations SET state = ?, order_id = ?, updated_at = ? WHERE id = ?`,
			string(r.State), r.OrderID, r.UpdatedAt, r.ID); err != nil {
			return err
		}
	}
	rows = rows[:0]
	for _, e := range st.Ledger {
		rows = append(rows, []any{e.SKU, e.LocationID, e.OnHandDelta, e.ReservedDelta, e.CommittedDelta, e.Reason, e.Reference, e.CreatedAt})
	}
	if err := tx.InsertMany(ctx, `INSERT INTO inventory_ledger (sku, location_id, on_hand_delta, reserved_delta, committed_delta, reason, reference, created_at)`, rows); err != nil {
		return err
	}
	if len(st.Events) == 0 {
		return nil
	}
	return outbox.Write(ctx, tx, inventory.Module, st.Events...)
}

// InsertLocation implements inventorysvc.Store.
func (s *Store) InsertLocation(ctx context.Context, l inventory.Location, events []event.Event) error {
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO inventory_locations (id, name, priority, is_default, created_at) VALUES (?, ?, ?, ?, ?)`,
			l.ID, l.Name, l.Priority, l.Default, l.CreatedAt); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, inventory.Module, events...)
	})
	if err == nil {
		s.Notify()
	}
	return err
}

// Locations implements inventorysvc.Store.
func (s *Store) Locations(ctx context.Context) ([]inventory.Location, error) {
	return locations(ctx, s.DB.Primary())
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

// Stock implements inventorysvc.Store.
func (s *Store) Stock(ctx context.Context, sku string) (inventory.Item, []inventory.Level, error) {
	q := s.DB.Primary()
	rows, err := q.QueryContext(ctx, `SELECT `+itemCols+` FROM inventory_items WHERE sku = ?`, sku)
	if err != nil {
		return inventory.Item{}, nil, err
	}
	items := map[string]*inventory.Item{}
	if err := scanItems(rows, items); err != nil {
		return inventory.Item{}, nil, err
	}
	it, ok := items[sku]
	if !ok {
		return inventory.Item{}, nil, errs.E(errs.NotFound, "not_found", "unknown SKU: %s", sku)
	}
	rows, err = q.QueryContext(ctx, `SELECT `+levelCols+` FROM inventory_levels WHERE sku = ? ORDER BY location_id`, sku)
	if err != nil {
		return inventory.Item{}, nil, err
	}
	defer rows.Close()
	var out []inventory.Level
	for rows.Next() {
		l, err := scanLevel(rows)
		if err != nil {
			return inventory.Item{}, nil, err
		}
		out = append(out, l)
	}
	return *it, out, rows.Err()
}

// Reservation implements inventorysvc.Store.
func (s *Store) Reservation(ctx context.Context, rid string) (inventory.Reservation, error) {
	r, err := scanRes(s.DB.Primary().QueryRowContext(ctx, `SELECT `+resCols+` FROM inventory_reservations WHERE id = ?`, rid))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("reservation")
	}
	return r, err
}

// DueReservations implements inventorysvc.Store.
func (s *Store) DueReservations(ctx context.Context, now time.Time, limit int) ([]inventorysvc.Due, error) {
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT `+resCols+` FROM inventory_reservations WHERE state = ? AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
		string(inventory.Active), now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inventorysvc.Due
	for rows.Next() {
		r, err := scanRes(rows)
		if err != nil {
			return nil, err
		}
		d := inventorysvc.Due{ID: r.ID}
		for _, ln := range r.Lines {
			d.SKUs = append(d.SKUs, ln.SKU)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Ledger implements inventorysvc.Store.
func (s *Store) Ledger(ctx context.Context, sku string, after int64, limit int) ([]inventory.LedgerEntry, error) {
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT seq, sku, location_id, on_hand_delta, reserved_delta, committed_delta, reason, reference, created_at
		FROM inventory_ledger WHERE sku = ? AND seq > ? ORDER BY seq LIMIT ?`, sku, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inventory.LedgerEntry
	for rows.Next() {
		var e inventory.LedgerEntry
		if err := rows.Scan(&e.Seq, &e.SKU, &e.LocationID, &e.OnHandDelta, &e.ReservedDelta, &e.CommittedDelta, &e.Reason, &e.Reference, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Snapshot implements inventorysvc.Store: one transaction (repeatable read
// on PostgreSQL; the write lock on SQLite) so that levels, ledger and
// reservations are read at one point in time.
func (s *Store) Snapshot(ctx context.Context) (inventorysvc.Snapshot, error) {
	var snap inventorysvc.Snapshot
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		snap = inventorysvc.Snapshot{Items: map[string]inventory.Item{}, Held: map[inventorysvc.LevelKey]int64{}}
		if tx.Dialect() == sqldb.Postgres {
			if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+itemCols+` FROM inventory_items`)
		if err != nil {
			return err
		}
		items := map[string]*inventory.Item{}
		if err := scanItems(rows, items); err != nil {
			return err
		}
		for k, v := range items {
			snap.Items[k] = *v
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+levelCols+` FROM inventory_levels ORDER BY sku, location_id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			l, err := scanLevel(rows)
			if err != nil {
				rows.Close()
				return err
			}
			snap.Levels = append(snap.Levels, l)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT sku, location_id, CAST(SUM(on_hand_delta) AS BIGINT), CAST(SUM(reserved_delta) AS BIGINT), CAST(SUM(committed_delta) AS BIGINT), COUNT(*)
			FROM inventory_ledger GROUP BY sku, location_id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sm inventorysvc.LedgerSum
			if err := rows.Scan(&sm.SKU, &sm.LocationID, &sm.OnHand, &sm.Reserved, &sm.Committed, &sm.Entries); err != nil {
				rows.Close()
				return err
			}
			snap.Sums = append(snap.Sums, sm)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+resCols+` FROM inventory_reservations WHERE state = ?`, string(inventory.Active))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRes(rows)
			if err != nil {
				return err
			}
			for _, a := range r.Allocations {
				if a.Held {
					snap.Held[inventorysvc.LevelKey{SKU: a.SKU, LocationID: a.LocationID}] += a.Quantity
				}
			}
		}
		return rows.Err()
	})
	return snap, err
}

var _ inventorysvc.Store = (*Store)(nil)
