// Package shippingsql is the shipping module's store on SQLite and
// PostgreSQL.
//
// Zones and options are kept as JSON documents with the columns their
// lookups filter on beside them; a zone's countries also have rows in
// shipping_zone_countries, so that the options for a country are one
// indexed join. Every write appends its events to the shipping_outbox
// table in the same transaction.
package shippingsql

import (
	"context"
	"embed"
	"io/fs"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippingsvc"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the shipping module's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements shippingsvc.Store.
type Store struct {
	sqldb.ModuleStore
	zones   *sqldb.Docs[shipping.Zone]
	options *sqldb.Docs[shipping.Option]
}

// New returns the store on db; committed (may be nil) runs after every
// commit that wrote events (it wakes the outbox relay).
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, shipping.Module, Migrations(), committed)
	return &Store{
		ModuleStore: m,
		zones: sqldb.NewDocs(m, sqldb.DocTable[shipping.Zone]{
			Name:     "shipping_zones",
			ID:       func(z shipping.Zone) string { return z.ID },
			NotFound: func() error { return errs.E(errs.NotFound, "not_found", "shipping zone not found") },
			Insert:   `INSERT INTO shipping_zones (id, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			InsertArgs: func(z shipping.Zone, doc string) []any {
				return []any{z.ID, doc, z.Version, z.CreatedAt, z.UpdatedAt}
			},
			Update:     `UPDATE shipping_zones SET doc = ?, version = ?, updated_at = ? WHERE id = ?`,
			UpdateArgs: func(z shipping.Zone, doc string) []any { return []any{doc, z.Version, z.UpdatedAt, z.ID} },
			Derived:    writeCountries,
			Outbox:     outbox.Write,
		}),
		options: sqldb.NewDocs(m, sqldb.DocTable[shipping.Option]{
			Name:     "shipping_options",
			ID:       func(o shipping.Option) string { return o.ID },
			NotFound: func() error { return errs.E(errs.NotFound, "not_found", "shipping option not found") },
			Insert:   `INSERT INTO shipping_options (id, zone_id, currency, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			InsertArgs: func(o shipping.Option, doc string) []any {
				return []any{o.ID, o.ZoneID, o.Currency, doc, o.Version, o.CreatedAt, o.UpdatedAt}
			},
			Update: `UPDATE shipping_options SET currency = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?`,
			UpdateArgs: func(o shipping.Option, doc string) []any {
				return []any{o.Currency, doc, o.Version, o.UpdatedAt, o.ID}
			},
			Outbox: outbox.Write,
		}),
	}
}

// writeCountries replaces the rows of a zone's countries.
func writeCountries(ctx context.Context, tx *sqldb.Tx, z shipping.Zone) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM shipping_zone_countries WHERE zone_id = ?`, z.ID); err != nil {
		return err
	}
	rows := make([][]any, 0, len(z.Countries))
	for _, c := range z.Countries {
		rows = append(rows, []any{z.ID, c})
	}
	return tx.InsertMany(ctx, `INSERT INTO shipping_zone_countries (zone_id, country)`, rows)
}

// InsertZone implements shippingsvc.Store.
func (s *Store) InsertZone(ctx context.Context, z shipping.Zone, events []event.Event) error {
	return s.zones.Insert(ctx, z, events)
}

// GetZone implements shippingsvc.Store.
func (s *Store) GetZone(ctx context.Context, zid string) (shipping.Zone, error) {
	return s.zones.Get(ctx, zid)
}

// UpdateZone implements shippingsvc.Store.
func (s *Store) UpdateZone(ctx context.Context, zid string, fn func(*shipping.Zone) ([]event.Event, error)) (shipping.Zone, error) {
	return s.zones.Update(ctx, zid, func(_ *sqldb.Tx, z *shipping.Zone) ([]event.Event, error) { return fn(z) })
}

// DeleteZone implements shippingsvc.Store.
func (s *Store) DeleteZone(ctx context.Context, zid string, fn func(shipping.Zone, []shipping.Option) ([]event.Event, error)) error {
	return s.zones.Delete(ctx, zid, func(tx *sqldb.Tx, z shipping.Zone) ([]event.Event, error) {
		opts, err := s.options.List(ctx, tx, `SELECT doc FROM shipping_options WHERE zone_id = ? ORDER BY id`, zid)
		if err != nil {
			return nil, err
		}
		events, err := fn(z, opts)
		if err != nil {
			return nil, err
		}
		for _, q := range []string{`DELETE FROM shipping_options WHERE zone_id = ?`, `DELETE FROM shipping_zone_countries WHERE zone_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, zid); err != nil {
				return nil, err
			}
		}
		return events, nil
	})
}

// ListZones implements shippingsvc.Store.
func (s *Store) ListZones(ctx context.Context, q shipping.ListZonesQuery) (shipping.Page[shipping.Zone], error) {
	after, err := id.After(q.Cursor, shippingsvc.ZonePrefix)
	if err != nil {
		return shipping.Page[shipping.Zone]{}, err
	}
	query := `SELECT doc FROM shipping_zones WHERE id > ?`
	args := []any{after}
	if q.Country != "" {
		query += ` AND id IN (SELECT zone_id FROM shipping_zone_countries WHERE country = ?)`
		args = append(args, q.Country)
	}
	zs, next, err := s.zones.Page(ctx, s.DB.Primary(), q.Limit, query+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return shipping.Page[shipping.Zone]{}, err
	}
	return shipping.Page[shipping.Zone]{Data: zs, NextCursor: next}, nil
}

// InsertOption implements shippingsvc.Store.
func (s *Store) InsertOption(ctx context.Context, o shipping.Option, events []event.Event) error {
	return s.options.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		// Lock the zone, so that a concurrent DeleteZone cannot leave this
		// option behind.
		if _, err := s.zones.GetForUpdate(ctx, tx, o.ZoneID); err != nil {
			return nil, err
		}
		return events, s.options.InsertTx(ctx, tx, o)
	})
}

// GetOption implements shippingsvc.Store.
func (s *Store) GetOption(ctx context.Context, oid string) (shipping.Option, error) {
	return s.options.Get(ctx, oid)
}

// UpdateOption implements shippingsvc.Store.
func (s *Store) UpdateOption(ctx context.Context, oid string, fn func(*shipping.Option) ([]event.Event, error)) (shipping.Option, error) {
	return s.options.Update(ctx, oid, func(_ *sqldb.Tx, o *shipping.Option) ([]event.Event, error) { return fn(o) })
}

// DeleteOption implements shippingsvc.Store.
func (s *Store) DeleteOption(ctx context.Context, oid string, fn func(shipping.Option) ([]event.Event, error)) error {
	return s.options.Delete(ctx, oid, func(_ *sqldb.Tx, o shipping.Option) ([]event.Event, error) { return fn(o) })
}

// ListOptions implements shippingsvc.Store.
func (s *Store) ListOptions(ctx context.Context, q shipping.ListOptionsQuery) (shipping.Page[shipping.Option], error) {
	after, err := id.After(q.Cursor, shippingsvc.OptionPrefix)
	if err != nil {
		return shipping.Page[shipping.Option]{}, err
	}
	query := `SELECT doc FROM shipping_options WHERE id > ?`
	args := []any{after}
	if q.ZoneID != "" {
		query += ` AND zone_id = ?`
		args = append(args, q.ZoneID)
	}
	os, next, err := s.options.Page(ctx, s.DB.Primary(), q.Limit, query+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return shipping.Page[shipping.Option]{}, err
	}
	return shipping.Page[shipping.Option]{Data: os, NextCursor: next}, nil
}

// CountryOptions implements shippingsvc.Store. It may read from a replica.
func (s *Store) CountryOptions(ctx context.Context, country, currency string) ([]shipping.Option, error) {
	return s.options.List(ctx, s.DB.Read(),
		`SELECT o.doc FROM shipping_options o JOIN shipping_zone_countries c ON c.zone_id = o.zone_id WHERE c.country = ? AND o.currency = ? ORDER BY o.id`,
		country, currency)
}

var _ shippingsvc.Store = (*Store)(nil)
