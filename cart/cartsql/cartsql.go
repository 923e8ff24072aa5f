// Package cartsql is the cart's store on SQLite and PostgreSQL.
package cartsql

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the cart's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements cartsvc.Store.
type Store struct {
	sqldb.ModuleStore
}

// New returns the store on db; committed (may be nil) runs after commits
// that wrote events.
func New(db *sqldb.DB, committed func()) *Store {
	return &Store{ModuleStore: sqldb.NewModuleStore(db, cart.Module, Migrations(), committed)}
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "cart not found") }

// Insert implements cartsvc.Store.
func (s *Store) Insert(ctx context.Context, c cart.Cart, events []event.Event) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cart_carts (id, status, currency, customer_id, doc, version, created_at, updated_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, string(c.Status), c.Currency, c.CustomerID, string(doc), c.Version, c.CreatedAt, c.UpdatedAt, c.ExpiresAt); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, cart.Module, events...)
	})
}

func get(ctx context.Context, q sqldb.Querier, cartID, lock string) (cart.Cart, error) {
	return sqldb.GetDoc[cart.Cart](ctx, q, notFound(), `SELECT doc FROM cart_carts WHERE id = ?`+lock, cartID)
}

// Get implements cartsvc.Store.
func (s *Store) Get(ctx context.Context, cartID string) (cart.Cart, error) {
	return get(ctx, s.DB.Primary(), cartID, "")
}

// Save implements cartsvc.Store.
func (s *Store) Save(ctx context.Context, c cart.Cart, prev int64, events []event.Event) (bool, error) {
	doc, err := json.Marshal(c)
	if err != nil {
		return false, err
	}
	saved := false
	err = s.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cart_carts SET status = ?, customer_id = ?, doc = ?, version = ?, updated_at = ?, expires_at = ? WHERE id = ? AND version = ?`,
			string(c.Status), c.CustomerID, string(doc), c.Version, c.UpdatedAt, c.ExpiresAt, c.ID, prev)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		saved = true
		return outbox.Write(ctx, tx, cart.Module, events...)
	})
	return saved && err == nil, err
}

// DeleteExpired implements cartsvc.Store.
func (s *Store) DeleteExpired(ctx context.Context, before time.Time, limit int) (int, error) {
	n := 0
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cart_carts WHERE id IN (SELECT id FROM cart_carts WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`, before, limit)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		n = int(m)
		return err
	})
	return n, err
}

var _ cartsvc.Store = (*Store)(nil)
