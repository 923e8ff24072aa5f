// Package ordersql is the order module's store on SQLite and PostgreSQL:
// the saga log (order_checkouts), orders, their access tokens and the
// order number sequence.
package ordersql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
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
}

// New returns the store on db; committed (may be nil) runs after commits.
func New(db *sqldb.DB, committed func()) *Store {
	return &Store{ModuleStore: sqldb.NewModuleStore(db, order.Module, Migrations(), committed)}
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "order not found") }

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
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	err = s.Tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO order_checkouts (id, cart_id, idem_key, step, state, reservation_id, payment_id, order_id, active_cart, doc, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.CartID, c.Key, string(c.Step), string(c.State), c.ReservationID, c.PaymentID, c.OrderID,
			activeCart(c), string(doc), c.Version, c.CreatedAt, c.UpdatedAt)
		return err
	})
	if sqldb.IsUnique(err) {
		return inProgress()
	}
	return err
}

func saveCheckout(ctx context.Context, tx *sqldb.Tx, c ordersvc.Checkout, events []event.Event) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE order_checkouts SET step = ?, state = ?, reservation_id = ?, payment_id = ?, order_id = ?, active_cart = ?, doc = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`, string(c.Step), string(c.State), c.ReservationID, c.PaymentID, c.OrderID, activeCart(c), string(doc), c.Version, c.UpdatedAt,
		c.ID, c.Version-1)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errs.E(errs.Conflict, order.CodeInProgress, "the checkout was changed by another process")
	}
	return outbox.Write(ctx, tx, order.Module, events...)
}

// SaveCheckout implements ordersvc.Store.
func (s *Store) SaveCheckout(ctx context.Context, c ordersvc.Checkout, events []event.Event) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error { return saveCheckout(ctx, tx, c, events) })
}

func scanCheckouts(rows *sql.Rows, err error) ([]ordersvc.Checkout, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ordersvc.Checkout
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var c ordersvc.Checkout
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetCheckout implements ordersvc.Store.
func (s *Store) GetCheckout(ctx context.Context, id string) (ordersvc.Checkout, error) {
	list, err := scanCheckouts(s.DB.Primary().QueryContext(ctx, `SELECT doc FROM order_checkouts WHERE id = ?`, id))
	if err != nil {
		return ordersvc.Checkout{}, err
	}
	if len(list) == 0 {
		return ordersvc.Checkout{}, errs.E(errs.NotFound, "not_found", "checkout not found")
	}
	return list[0], nil
}

// CheckoutsOfCart implements ordersvc.Store.
func (s *Store) CheckoutsOfCart(ctx context.Context, cartID string) ([]ordersvc.Checkout, error) {
	return scanCheckouts(s.DB.Primary().QueryContext(ctx, `SELECT doc FROM order_checkouts WHERE cart_id = ? ORDER BY id`, cartID))
}

// Unfinished implements ordersvc.Store.
func (s *Store) Unfinished(ctx context.Context, before time.Time, limit int) ([]ordersvc.Checkout, error) {
	return scanCheckouts(s.DB.Primary().QueryContext(ctx, `SELECT doc FROM order_checkouts WHERE state = ? AND updated_at <= ? ORDER BY updated_at LIMIT ?`,
		string(ordersvc.Running), before, limit))
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

func writeOrder(ctx context.Context, tx *sqldb.Tx, o order.Order, insert bool) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if insert {
		n, _ := strconv.ParseInt(o.Number, 10, 64)
		_, err = tx.ExecContext(ctx, `INSERT INTO order_orders (id, number, status, cart_id, doc, version, created_at, updated_at, cancel_step, customer_id, payment_op) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, n, string(o.Status), o.CartID, string(doc), o.Version, o.CreatedAt, o.UpdatedAt, cancelStep(o), o.CustomerID, paymentOp(o))
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE order_orders SET status = ?, doc = ?, version = ?, updated_at = ?, cancel_step = ?, payment_op = ? WHERE id = ?`,
		string(o.Status), string(doc), o.Version, o.UpdatedAt, cancelStep(o), paymentOp(o), o.ID)
	return err
}

// CreateOrder implements ordersvc.Store.
func (s *Store) CreateOrder(ctx context.Context, o order.Order, tokenHash string, c ordersvc.Checkout) (order.Order, error) {
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, `UPDATE order_sequences SET value = value + 1 WHERE name = 'order_number' RETURNING value`).Scan(&n); err != nil {
			return err
		}
		o.Number = strconv.FormatInt(n, 10)
		if err := writeOrder(ctx, tx, o, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_access_tokens (token_hash, order_id) VALUES (?, ?)`, tokenHash, o.ID); err != nil {
			return err
		}
		return saveCheckout(ctx, tx, c, nil)
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

func getOrder(ctx context.Context, q sqldb.Querier, id, lock string) (order.Order, error) {
	return sqldb.GetDoc[order.Order](ctx, q, notFound(), `SELECT doc FROM order_orders WHERE id = ?`+lock, id)
}

// GetOrder implements ordersvc.Store.
func (s *Store) GetOrder(ctx context.Context, id string) (order.Order, error) {
	return getOrder(ctx, s.DB.Primary(), id, "")
}

// UpdateOrder implements ordersvc.Store.
func (s *Store) UpdateOrder(ctx context.Context, id string, fn func(*order.Order) ([]event.Event, error)) (order.Order, error) {
	var out order.Order
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		o, err := getOrder(ctx, tx, id, tx.ForUpdate())
		if err != nil {
			return err
		}
		events, err := fn(&o)
		if err != nil {
			return err
		}
		if err := writeOrder(ctx, tx, o, false); err != nil {
			return err
		}
		out = o
		return outbox.Write(ctx, tx, order.Module, events...)
	})
	return out, err
}

// PendingCancels implements ordersvc.Store.
func (s *Store) PendingCancels(ctx context.Context, before time.Time, limit int) ([]order.Order, error) {
	return s.orders(ctx, s.DB.Primary(), `SELECT doc FROM order_orders WHERE cancel_step <> '' AND updated_at <= ? ORDER BY updated_at LIMIT ?`, before, limit)
}

// PendingPayments implements ordersvc.Store.
func (s *Store) PendingPayments(ctx context.Context, before time.Time, limit int) ([]order.Order, error) {
	return s.orders(ctx, s.DB.Primary(), `SELECT doc FROM order_orders WHERE payment_op <> '' AND updated_at <= ? ORDER BY updated_at LIMIT ?`, before, limit)
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
	return s.orders(ctx, s.DB.Read(), q, args...)
}

func (s *Store) orders(ctx context.Context, db sqldb.Querier, q string, args ...any) ([]order.Order, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []order.Order{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var o order.Order
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

var _ ordersvc.Store = (*Store)(nil)
