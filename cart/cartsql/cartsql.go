// Package cartsql is the cart's store on SQLite and PostgreSQL.
package cartsql

import (
	"context"
	"embed"
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
	carts *sqldb.Docs[cart.Cart]
}

// New returns the store on db; committed (may be nil) runs after commits
// that wrote events.
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, cart.Module, Migrations(), committed)
	return &Store{ModuleStore: m, carts: sqldb.NewDocs(m, sqldb.DocTable[cart.Cart]{
		Name:     "cart_carts",
		NotFound: func() error { return errs.E(errs.NotFound, "not_found", "cart not found") },
		Insert: `INSERT INTO cart_carts (id, status, currency, customer_id, doc, version, created_at, updated_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		InsertArgs: func(c cart.Cart, doc string) []any {
			return []any{c.ID, string(c.Status), c.Currency, c.CustomerID, doc, c.Version, c.CreatedAt, c.UpdatedAt, c.ExpiresAt}
		},
		Update: `UPDATE cart_carts SET status = ?, customer_id = ?, doc = ?, version = ?, updated_at = ?, expires_at = ? WHERE id = ? AND version = ?`,
		UpdateArgs: func(c cart.Cart, doc string) []any {
			return []any{string(c.Status), c.CustomerID, doc, c.Version, c.UpdatedAt, c.ExpiresAt, c.ID}
		},
		Outbox: outbox.Write,
	})}
}

// Insert implements cartsvc.Store.
func (s *Store) Insert(ctx context.Context, c cart.Cart, events []event.Event) error {
	return s.carts.Insert(ctx, c, events)
}

// Get implements cartsvc.Store.
func (s *Store) Get(ctx context.Context, cartID string) (cart.Cart, error) {
	return s.carts.Get(ctx, cartID)
}

// Save implements cartsvc.Store.
func (s *Store) Save(ctx context.Context, c cart.Cart, prev int64, events []event.Event) (bool, error) {
	return s.carts.Save(ctx, c, prev, events)
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
