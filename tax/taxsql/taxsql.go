// Package taxsql is the tax module's store on SQLite and PostgreSQL.
//
// A region is kept as one JSON document with the columns its lookups
// filter on beside it (country, subdivision, postal prefix, unique
// together); its rates also have rows in tax_rates so that a class in use
// can be found. Classes created by the admin are rows of tax_classes (the
// built-in standard class is not stored). Every write appends its events
// to the tax_outbox table in the same transaction.
package taxsql

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strings"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxsvc"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the tax module's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements taxsvc.Store.
type Store struct {
	sqldb.ModuleStore
	regions *sqldb.Docs[tax.Region]
}

// New returns the store on db; committed (may be nil) runs after every
// commit that wrote events (it wakes the outbox relay).
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, tax.Module, Migrations(), committed)
	return &Store{ModuleStore: m, regions: sqldb.NewDocs(m, sqldb.DocTable[tax.Region]{
		Name:     "tax_regions",
		ID:       func(r tax.Region) string { return r.ID },
		NotFound: func() error { return notFound("tax region") },
		Insert:   `INSERT INTO tax_regions (id, country, subdivision, postal_prefix, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		InsertArgs: func(r tax.Region, doc string) []any {
			return []any{r.ID, r.Country, r.Subdivision, r.PostalPrefix, doc, r.Version, r.CreatedAt, r.UpdatedAt}
		},
		Update: `UPDATE tax_regions SET country = ?, subdivision = ?, postal_prefix = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?`,
		UpdateArgs: func(r tax.Region, doc string) []any {
			return []any{r.Country, r.Subdivision, r.PostalPrefix, doc, r.Version, r.UpdatedAt, r.ID}
		},
		Derived: writeRates,
		Outbox:  outbox.Write,
	})}
}

// conflict returns unique violations as Conflict errors.
func conflict(err error) error {
	if err == nil {
		return nil
	}
	if sqldb.IsUnique(err) {
		if strings.Contains(err.Error(), "tax_classes") {
			return errs.Wrap(err, errs.Conflict, "class_exists", "a tax class with this code exists")
		}
		return errs.Wrap(err, errs.Conflict, "region_exists", "a tax region of this country, subdivision and postal prefix exists")
	}
	return err
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

// checkClasses reports, inside tx, rates of classes that do not exist. It
// locks the classes' rows so that a concurrent DeleteClass waits for tx.
func checkClasses(ctx context.Context, tx *sqldb.Tx, rates []tax.Rate) error {
	var codes []any
	for _, r := range rates {
		if r.TaxClass != tax.StandardClass {
			codes = append(codes, r.TaxClass)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT code FROM tax_classes WHERE code IN (?`+strings.Repeat(", ?", len(codes)-1)+`)`+tx.ForUpdate(), codes...)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		have[c] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	v := &errs.Validator{}
	for _, c := range codes {
		if !have[c.(string)] {
			v.Add("rates", "tax class %s does not exist", c)
		}
	}
	return v.Err()
}

func writeRates(ctx context.Context, tx *sqldb.Tx, r tax.Region) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tax_rates WHERE region_id = ?`, r.ID); err != nil {
		return err
	}
	rows := make([][]any, 0, len(r.Rates))
	for _, rt := range r.Rates {
		rows = append(rows, []any{r.ID, rt.TaxClass, rt.PPM})
	}
	return tx.InsertMany(ctx, `INSERT INTO tax_rates (region_id, tax_class, ppm)`, rows)
}

// InsertRegion implements taxsvc.Store.
func (s *Store) InsertRegion(ctx context.Context, r tax.Region, events []event.Event) error {
	return conflict(s.regions.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		if err := checkClasses(ctx, tx, r.Rates); err != nil {
			return nil, err
		}
		return events, s.regions.InsertTx(ctx, tx, r)
	}))
}

// GetRegion implements taxsvc.Store.
func (s *Store) GetRegion(ctx context.Context, rid string) (tax.Region, error) {
	return s.regions.Get(ctx, rid)
}

// UpdateRegion implements taxsvc.Store.
func (s *Store) UpdateRegion(ctx context.Context, rid string, fn func(*tax.Region) ([]event.Event, error)) (tax.Region, error) {
	r, err := s.regions.Update(ctx, rid, func(tx *sqldb.Tx, r *tax.Region) ([]event.Event, error) {
		events, err := fn(r)
		if err != nil {
			return nil, err
		}
		return events, checkClasses(ctx, tx, r.Rates)
	})
	return r, conflict(err)
}

// DeleteRegion implements taxsvc.Store.
func (s *Store) DeleteRegion(ctx context.Context, rid string, fn func(tax.Region) ([]event.Event, error)) error {
	return conflict(s.regions.Delete(ctx, rid, func(tx *sqldb.Tx, r tax.Region) ([]event.Event, error) {
		events, err := fn(r)
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tax_rates WHERE region_id = ?`, rid)
		return events, err
	}))
}

// ListRegions implements taxsvc.Store.
func (s *Store) ListRegions(ctx context.Context, q tax.ListRegionsQuery) (tax.Page[tax.Region], error) {
	after, err := id.After(q.Cursor, taxsvc.IDPrefix)
	if err != nil {
		return tax.Page[tax.Region]{}, err
	}
	query := `SELECT doc FROM tax_regions WHERE id > ?`
	args := []any{after}
	if q.Country != "" {
		query += ` AND country = ?`
		args = append(args, q.Country)
	}
	rs, next, err := s.regions.Page(ctx, s.DB.Primary(), q.Limit, query+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return tax.Page[tax.Region]{}, err
	}
	return tax.Page[tax.Region]{Data: rs, NextCursor: next}, nil
}

// CountryRegions implements taxsvc.Store. It may read from a replica.
func (s *Store) CountryRegions(ctx context.Context, country string) ([]tax.Region, error) {
	return s.regions.List(ctx, s.DB.Read(), `SELECT doc FROM tax_regions WHERE country = ? ORDER BY id`, country)
}

// InsertClass implements taxsvc.Store.
func (s *Store) InsertClass(ctx context.Context, c tax.Class, events []event.Event) error {
	return conflict(s.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tax_classes (code, name, created_at) VALUES (?, ?, ?)`, c.Code, c.Name, c.CreatedAt); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, tax.Module, events...)
	}))
}

// Classes implements taxsvc.Store.
func (s *Store) Classes(ctx context.Context) ([]tax.Class, error) {
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT code, name, created_at FROM tax_classes ORDER BY code LIMIT ?`, tax.MaxClasses)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tax.Class{}
	for rows.Next() {
		var c tax.Class
		if err := rows.Scan(&c.Code, &c.Name, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteClass implements taxsvc.Store.
func (s *Store) DeleteClass(ctx context.Context, code string, fn func(tax.Class) ([]event.Event, error)) error {
	return conflict(s.Tx(ctx, func(tx *sqldb.Tx) error {
		var c tax.Class
		err := tx.QueryRowContext(ctx, `SELECT code, name, created_at FROM tax_classes WHERE code = ?`+tx.ForUpdate(), code).Scan(&c.Code, &c.Name, &c.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("tax class")
		}
		if err != nil {
			return err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tax_rates WHERE tax_class = ?`, code).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return errs.E(errs.Conflict, "class_in_use", "%d tax regions have a rate for the class %s", used, code)
		}
		events, err := fn(c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tax_classes WHERE code = ?`, code); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, tax.Module, events...)
	}))
}

var _ taxsvc.Store = (*Store)(nil)
