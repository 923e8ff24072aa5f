// Package ordersql is the order module's store on SQLite and PostgreSQL:
// the saga log (order_checkouts), orders, their access tokens and the
// order number sequence.
package ordersql

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strconv"
	"time"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/ordersvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the order module's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements ordersvc.Store.
type Store struct {
	sqldb.ModuleStore
	checkouts *sqldb.Docs[ordersvc.Checkout]
	orders    *sqldb.Docs[order.Order]
}

// New returns the store on db; committed (may be nil) runs after commits.
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, order.Module, Migrations(), committed)
	return &Store{
		ModuleStore: m,
		checkouts: sqldb.NewDocs(m, sqldb.DocTable[ordersvc.Checkout]{
			Name:     "order_checkouts",
			NotFound: func() error { return errs.E(errs.NotFound, "not_found", "checkout not found") },
			Insert: `INSERT INTO order_checkouts (id, cart_id, idem_key, step, state, reservation_id, payment_id, order_id, active_cart, doc, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			InsertArgs: func(c ordersvc.Checkout, doc string) []any {
				return []any{c.ID, c.CartID, c.Key, string(c.Step), string(c.State), c.ReservationID, c.PaymentID, c.OrderID,
					activeCart(c), doc, c.Version, c.CreatedAt, c.UpdatedAt}
			},
			Update: `UPDATE order_checkouts SET step = ?, state = ?, reservation_id = ?, payment_id = ?, order_id = ?, active_cart = ?, doc = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`,
			UpdateArgs: func(c ordersvc.Checkout, doc string) []any {
				return []any{string(c.Step), string(c.State), c.ReservationID, c.PaymentID, c.OrderID, activeCart(c), doc, c.Version, c.UpdatedAt, c.ID}
			},
			Outbox: outbox.Write,
		}),
		orders: sqldb.NewDocs(m, sqldb.DocTable[order.Order]{
			Name:     "order_orders",
			NotFound: func() error { return errs.E(errs.NotFound, "not_found", "order not found") },
			Insert:   `INSERT INTO order_orders (id, number, status, cart_id, doc, version, created_at, updated_at, cancel_step, customer_id, payment_op) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			InsertArgs: func(o order.Order, doc string) []any {
				n, _ := strconv.ParseInt(o.Number, 10, 64)
				return []any{o.ID, n, string(o.Status), o.CartID, doc, o.Version, o.CreatedAt, o.UpdatedAt, cancelStep(o), o.CustomerID, paymentOp(o)}
			},
			Update: `UPDATE order_orders SET status = ?, doc = ?, version = ?, updated_at = ?, cancel_step = ?, payment_op = ? WHERE id = ?`,
			UpdateArgs: func(o order.Order, doc string) []any {
				return []any{string(o.Status), doc, o.Version, o.UpdatedAt, cancelStep(o), paymentOp(o), o.ID}
			},
			Outbox: outbox.Write,
		}),
	}
}

func inProgress() error {
	return errs.E(errs.Conflict, order.CodeInProgress, "a checkout of this cart is in progress")
}

func activeCart(c ordersvc.Checkout) any {
	if c.State == ordersvc.Compensated {
		return nil
	}
	return c.CartID
}

// InsertCheckout implements ordersvc.Store.
func (s *Store) InsertCheckout(ctx context.Context, c ordersvc.Checkout) error {
	err := s.checkouts.Insert(ctx, c, nil)
	if sqldb.IsUnique(err) {
		return inProgress()
	}
	return err
}

// saveCheckout writes c in tx over its previous version.
func (s *Store) saveCheckout(ctx context.Context, tx *sqldb.Tx, c ordersvc.Checkout) error {
	saved, err := s.checkouts.SaveTx(ctx, tx, c, c.Version-1)
	if err == nil && !saved {
		return errs.E(errs.Conflict, order.CodeInProgress, "the checkout was changed by another process")
	}
	return err
}

// SaveCheckout implements ordersvc.Store.
func (s *Store) SaveCheckout(ctx context.Context, c ordersvc.Checkout, events []event.Event) error {
	return s.checkouts.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		return events, s.saveCheckout(ctx, tx, c)
	})
}

// GetCheckout implements ordersvc.Store.
func (s *Store) GetCheckout(ctx context.Context, id string) (ordersvc.Checkout, error) {
	return s.checkouts.Get(ctx, id)
}

// CheckoutsOfCart implements ordersvc.Store.
func (s *Store) CheckoutsOfCart(ctx context.Context, cartID string) ([]ordersvc.Checkout, error) {
	return s.checkouts.List(ctx, s.DB.Primary(), `SELECT doc FROM order_checkouts WHERE cart_id = ? ORDER BY id`, cartID)
}

// Unfinished implements ordersvc.Store.
func (s *Store) Unfinished(ctx context.Context, before time.Time, limit int) ([]ordersvc.Checkout, error) {
	return s.checkouts.List(ctx, s.DB.Primary(), `SELECT doc FROM order_checkouts WHERE state = ? AND updated_at <= ? ORDER BY updated_at LIMIT ?`,
		string(ordersvc.Running), before, limit)
}

// cancelStep is the cancel_step column: the next step of a running
// cancellation, or ”.
func cancelStep(o order.Order) string {
	if !o.Cancellation.Pending() {
		return ""
	}
	return string(o.Cancellation.Step)
}

// paymentOp is the payment_op column: the kind of the capture or refund
// in flight, or ”.
func paymentOp(o order.Order) string {
	if o.PaymentOp == nil {
		return ""
	}
	return o.PaymentOp.Kind
}

// CreateOrder implements ordersvc.Store.
func (s *Store) CreateOrder(ctx context.Context, o order.Order, tokenHash string, c ordersvc.Checkout) (order.Order, error) {
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, `UPDATE order_sequences SET value = value + 1 WHERE name = 'order_number' RETURNING value`).Scan(&n); err != nil {
			return err
		}
		o.Number = strconv.FormatInt(n, 10)
		if err := s.orders.InsertTx(ctx, tx, o); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_access_tokens (token_hash, order_id) VALUES (?, ?)`, tokenHash, o.ID); err != nil {
			return err
		}
		return s.saveCheckout(ctx, tx, c)
	})
	return o, err
}

// AddToken implements ordersvc.Store.
func (s *Store) AddToken(ctx context.Context, orderID, tokenHash string) error {
	return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO order_access_tokens (token_hash, order_id) VALUES (?, ?)`, tokenHash, orderID)
		return err
	})
}

// HasToken implements ordersvc.Store.
func (s *Store) HasToken(ctx context.Context, orderID, tokenHash string) (bool, error) {
	var got string
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT order_id FROM order_access_tokens WHERE token_hash = ?`, tokenHash).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && got == orderID, err
}

// GetOrder implements ordersvc.Store.
func (s *Store) GetOrder(ctx context.Context, id string) (order.Order, error) {
	return s.orders.Get(ctx, id)
}

// UpdateOrder implements ordersvc.Store.
func (s *Store) UpdateOrder(ctx context.Context, id string, fn func(*order.Order) ([]event.Event, error)) (order.Order, error) {
	return s.orders.Update(ctx, id, func(_ *sqldb.Tx, o *order.Order) ([]event.Event, error) { return fn(o) })
}

// PendingCancels implements ordersvc.Store.
func (s *Store) PendingCancels(ctx context.Context, before time.Time, limit int) ([]order.Order, error) {
	return s.orders.List(ctx, s.DB.Primary(), `SELECT doc FROM order_orders WHERE cancel_step <> '' AND updated_at <= ? ORDER BY updated_at LIMIT ?`, before, limit)
}

// PendingPayments implements ordersvc.Store.
func (s *Store) PendingPayments(ctx context.Context, before time.Time, limit int) ([]order.Order, error) {
	return s.orders.List(ctx, s.DB.Primary(), `SELECT doc FROM order_orders WHERE payment_op <> '' AND updated_at <= ? ORDER BY updated_at LIMIT ?`, before, limit)
}

// ListOrders implements ordersvc.Store.
func (s *Store) ListOrders(ctx context.Context, status order.Status, customerID, before string, limit int) ([]order.Order, error) {
	q := `SELECT doc FROM order_orders WHERE 1 = 1`
	var args []any
	if customerID != "" {
		q += ` AND customer_id = ?`
		args = append(args, customerID)
	}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, string(status))
	}
	if before != "" {
		q += ` AND id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	return s.orders.List(ctx, s.DB.Read(), q, args...)
}

var _ ordersvc.Store = (*Store)(nil)
