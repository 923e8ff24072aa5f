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
	"encoding/json"
	"fmt"
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
}

// New returns the store on db; committed (may be nil) runs after every
// commit that wrote events (it wakes the outbox relay).
func New(db *sqldb.DB, committed func()) *Store {
	return &Store{ModuleStore: sqldb.NewModuleStore(db, shipping.Module, Migrations(), committed)}
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

func getDoc[T any](ctx context.Context, q sqldb.Querier, table, what, rid, lock string) (T, error) {
	return sqldb.GetDoc[T](ctx, q, notFound(what), `SELECT doc FROM `+table+` WHERE id = ?`+lock, rid)
}

func docs[T any](ctx context.Context, q sqldb.Querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("shippingsql: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

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
	doc, err := json.Marshal(z)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shipping_zones (id, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			z.ID, string(doc), z.Version, z.CreatedAt, z.UpdatedAt); err != nil {
			return err
		}
		if err := writeCountries(ctx, tx, z); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, shipping.Module, events...)
	})
}

// GetZone implements shippingsvc.Store.
func (s *Store) GetZone(ctx context.Context, zid string) (shipping.Zone, error) {
	return getDoc[shipping.Zone](ctx, s.DB.Primary(), "shipping_zones", "shipping zone", zid, "")
}

// UpdateZone implements shippingsvc.Store.
func (s *Store) UpdateZone(ctx context.Context, zid string, fn func(*shipping.Zone) ([]event.Event, error)) (shipping.Zone, error) {
	var out shipping.Zone
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		z, err := getDoc[shipping.Zone](ctx, tx, "shipping_zones", "shipping zone", zid, tx.ForUpdate())
		if err != nil {
			return err
		}
		events, err := fn(&z)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(z)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shipping_zones SET doc = ?, version = ?, updated_at = ? WHERE id = ?`, string(doc), z.Version, z.UpdatedAt, z.ID); err != nil {
			return err
		}
		if err := writeCountries(ctx, tx, z); err != nil {
			return err
		}
		out = z
		return outbox.Write(ctx, tx, shipping.Module, events...)
	})
	return out, err
}

// DeleteZone implements shippingsvc.Store.
func (s *Store) DeleteZone(ctx context.Context, zid string, fn func(shipping.Zone, []shipping.Option) ([]event.Event, error)) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		z, err := getDoc[shipping.Zone](ctx, tx, "shipping_zones", "shipping zone", zid, tx.ForUpdate())
		if err != nil {
			return err
		}
		opts, err := docs[shipping.Option](ctx, tx, `SELECT doc FROM shipping_options WHERE zone_id = ? ORDER BY id`, zid)
		if err != nil {
			return err
		}
		events, err := fn(z, opts)
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM shipping_options WHERE zone_id = ?`, `DELETE FROM shipping_zone_countries WHERE zone_id = ?`, `DELETE FROM shipping_zones WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, q, zid); err != nil {
				return err
			}
		}
		return outbox.Write(ctx, tx, shipping.Module, events...)
	})
}

func page[T any](list []T, limit int, idOf func(T) string) shipping.Page[T] {
	p := shipping.Page[T]{Data: list}
	if len(list) > limit {
		p.Data = list[:limit]
		p.NextCursor = id.Cursor(idOf(list[limit-1]))
	}
	return p
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
	zs, err := docs[shipping.Zone](ctx, s.DB.Primary(), query+` ORDER BY id LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return shipping.Page[shipping.Zone]{}, err
	}
	return page(zs, q.Limit, func(z shipping.Zone) string { return z.ID }), nil
}

func writeOption(ctx context.Context, tx *sqldb.Tx, o shipping.Option, insert bool) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.ExecContext(ctx, `INSERT INTO shipping_options (id, zone_id, currency, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.ZoneID, o.Currency, string(doc), o.Version, o.CreatedAt, o.UpdatedAt)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE shipping_options SET currency = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?`,
			o.Currency, string(doc), o.Version, o.UpdatedAt, o.ID)
	}
	return err
}

// InsertOption implements shippingsvc.Store.
func (s *Store) InsertOption(ctx context.Context, o shipping.Option, events []event.Event) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		// Lock the zone, so that a concurrent DeleteZone cannot leave this
		// option behind.
		if _, err := getDoc[shipping.Zone](ctx, tx, "shipping_zones", "shipping zone", o.ZoneID, tx.ForUpdate()); err != nil {
			return err
		}
		if err := writeOption(ctx, tx, o, true); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, shipping.Module, events...)
	})
}

// GetOption implements shippingsvc.Store.
func (s *Store) GetOption(ctx context.Context, oid string) (shipping.Option, error) {
	return getDoc[shipping.Option](ctx, s.DB.Primary(), "shipping_options", "shipping option", oid, "")
}

// UpdateOption implements shippingsvc.Store.
func (s *Store) UpdateOption(ctx context.Context, oid string, fn func(*shipping.Option) ([]event.Event, error)) (shipping.Option, error) {
	var out shipping.Option
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		o, err := getDoc[shipping.Option](ctx, tx, "shipping_options", "shipping option", oid, tx.ForUpdate())
		if err != nil {
			return err
		}
		events, err := fn(&o)
		if err != nil {
			return err
		}
		if err := writeOption(ctx, tx, o, false); err != nil {
			return err
		}
		out = o
		return outbox.Write(ctx, tx, shipping.Module, events...)
	})
	return out, err
}

// DeleteOption implements shippingsvc.Store.
func (s *Store) DeleteOption(ctx context.Context, oid string, fn func(shipping.Option) ([]event.Event, error)) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		o, err := getDoc[shipping.Option](ctx, tx, "shipping_options", "shipping option", oid, tx.ForUpdate())
		if err != nil {
			return err
		}
		events, err := fn(o)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM shipping_options WHERE id = ?`, oid); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, shipping.Module, events...)
	})
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
	os, err := docs[shipping.Option](ctx, s.DB.Primary(), query+` ORDER BY id LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return shipping.Page[shipping.Option]{}, err
	}
	return page(os, q.Limit, func(o shipping.Option) string { return o.ID }), nil
}

// CountryOptions implements shippingsvc.Store. It may read from a replica.
func (s *Store) CountryOptions(ctx context.Context, country, currency string) ([]shipping.Option, error) {
	return docs[shipping.Option](ctx, s.DB.Read(),
		`SELECT o.doc FROM shipping_options o JOIN shipping_zone_countries c ON c.zone_id = o.zone_id WHERE c.country = ? AND o.currency = ? ORDER BY o.id`,
		country, currency)
}

var _ shippingsvc.Store = (*Store)(nil)
