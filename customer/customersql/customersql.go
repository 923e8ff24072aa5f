// Package customersql is the customer module's store on SQLite and
// PostgreSQL.
//
// A customer is one JSON document (never with its password) beside the
// columns its lookups use: the lower-cased email (unique; NULL once
// erased) and the argon2id password hash. Group memberships are rows of
// customer_group_members so that a group in use can be found; sessions and
// reset tokens are rows keyed by the SHA-256 of their secret. Every write
// of a customer appends its events to customer_outbox in the same
// transaction.
package customersql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"time"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customersvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the customer module's embedded migrations.
func Migrations() fs.FS { return sqldb.Embedded(migrations) }

// Store implements customersvc.Store.
type Store struct {
	sqldb.ModuleStore
	customers *sqldb.Docs[customer.Customer]
}

// New returns the store on db; committed (may be nil) runs after every
// commit that wrote events (it wakes the outbox relay).
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, customer.Module, Migrations(), committed)
	return &Store{ModuleStore: m, customers: sqldb.NewDocs(m, sqldb.DocTable[customer.Customer]{
		Name:     "customer_customers",
		ID:       func(c customer.Customer) string { return c.ID },
		NotFound: notFound,
		// Inserts are InsertCustomer's: the password hash is not in the document.
		Update:     `UPDATE customer_customers SET doc = ?, version = ?, updated_at = ? WHERE id = ?`,
		UpdateArgs: func(c customer.Customer, doc string) []any { return []any{doc, c.Version, c.UpdatedAt, c.ID} },
		Outbox:     outbox.Write,
	})}
}

// conflict returns unique violations as Conflict errors.
func conflict(err error) error {
	if err != nil && sqldb.IsUnique(err) {
		if strings.Contains(err.Error(), "customer_groups") {
			return errs.Wrap(err, errs.Conflict, customer.CodeGroupExists, "a customer group with this code exists")
		}
		return errs.Wrap(err, errs.Conflict, customer.CodeEmailTaken, "an account with this email exists")
	}
	return err
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "customer not found") }

func nullEmail(e string) any {
	if e == "" {
		return nil
	}
	return e
}

// InsertCustomer implements customersvc.Store.
func (s *Store) InsertCustomer(ctx context.Context, c customer.Customer, hash string, events []event.Event) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return conflict(s.customers.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_customers (id, email, password_hash, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, nullEmail(c.Email), hash, string(doc), c.Version, c.CreatedAt, c.UpdatedAt); err != nil {
			return nil, err
		}
		return events, writeGroups(ctx, tx, c)
	}))
}

// GetCustomer implements customersvc.Store.
func (s *Store) GetCustomer(ctx context.Context, cid string) (customer.Customer, error) {
	return s.customers.Get(ctx, cid)
}

// Credentials implements customersvc.Store.
func (s *Store) Credentials(ctx context.Context, email string) (string, string, error) {
	var cid, hash string
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT id, password_hash FROM customer_customers WHERE email = ?`, email).Scan(&cid, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", notFound()
	}
	return cid, hash, err
}

// PasswordHash implements customersvc.Store.
func (s *Store) PasswordHash(ctx context.Context, cid string) (string, error) {
	var hash string
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT password_hash FROM customer_customers WHERE id = ?`, cid).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound()
	}
	return hash, err
}

// writeGroups replaces the customer's memberships, checking that every
// group exists (its row is locked so that DeleteGroup waits).
func writeGroups(ctx context.Context, tx *sqldb.Tx, c customer.Customer) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_group_members WHERE customer_id = ?`, c.ID); err != nil {
		return err
	}
	if len(c.Groups) == 0 {
		return nil
	}
	args := make([]any, len(c.Groups))
	for i, g := range c.Groups {
		args[i] = g
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT code FROM customer_groups WHERE code IN (?`+strings.Repeat(", ?", len(args)-1)+`)`+tx.ForUpdate()+`) g`, args...).Scan(&n); err != nil {
		return err
	}
	if n != len(c.Groups) {
		return errs.E(errs.Invalid, customer.CodeUnknownGroup, "a customer group does not exist")
	}
	rows := make([][]any, len(c.Groups))
	for i, g := range c.Groups {
		rows[i] = []any{g, c.ID}
	}
	return tx.InsertMany(ctx, `INSERT INTO customer_group_members (group_code, customer_id)`, rows)
}

func (s *Store) change(ctx context.Context, cid string, fn func(*customer.Customer) ([]event.Event, error), extra func(tx *sqldb.Tx, c customer.Customer) error) (customer.Customer, error) {
	var out customer.Customer
	err := s.customers.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		c, err := s.customers.GetForUpdate(ctx, tx, cid)
		if err != nil {
			return nil, err
		}
		groups := strings.Join(c.Groups, ",")
		events, err := fn(&c)
		if err != nil {
			return nil, err
		}
		out = c
		if len(events) == 0 && extra == nil {
			return nil, nil // nothing changed
		}
		if err := s.customers.UpdateTx(ctx, tx, c); err != nil {
			return nil, err
		}
		if strings.Join(c.Groups, ",") != groups {
			if err := writeGroups(ctx, tx, c); err != nil {
				return nil, err
			}
		}
		if extra != nil {
			if err := extra(tx, c); err != nil {
				return nil, err
			}
		}
		return events, nil
	})
	return out, conflict(err)
}

// UpdateCustomer implements customersvc.Store.
func (s *Store) UpdateCustomer(ctx context.Context, cid string, fn func(*customer.Customer) ([]event.Event, error)) (customer.Customer, error) {
	return s.change(ctx, cid, fn, nil)
}

func setPassword(ctx context.Context, tx *sqldb.Tx, cid, hash, keep string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE customer_customers SET password_hash = ? WHERE id = ?`, hash, cid); err != nil {
		return err
	}
	if keep == "*" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE customer_sessions SET revoked_at = ? WHERE customer_id = ? AND id <> ? AND revoked_at IS NULL`, at, cid, keep); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM customer_reset_tokens WHERE customer_id = ?`, cid)
	return err
}

// SetPassword implements customersvc.Store.
func (s *Store) SetPassword(ctx context.Context, cid, hash, keep string, at time.Time, fn func(*customer.Customer) ([]event.Event, error)) error {
	if fn == nil {
		fn = func(*customer.Customer) ([]event.Event, error) { return nil, nil }
	}
	_, err := s.change(ctx, cid, fn, func(tx *sqldb.Tx, c customer.Customer) error {
		return setPassword(ctx, tx, c.ID, hash, keep, at)
	})
	return err
}

// ResetPassword implements customersvc.Store.
func (s *Store) ResetPassword(ctx context.Context, tokenHash string, now time.Time, hash string, fn func(*customer.Customer) ([]event.Event, error)) error {
	return conflict(s.customers.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		var cid string
		var expires time.Time
		err := tx.QueryRowContext(ctx, `SELECT customer_id, expires_at FROM customer_reset_tokens WHERE token_hash = ?`+tx.ForUpdate(), tokenHash).Scan(&cid, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !now.Before(expires)) {
			return nil, errs.E(errs.Invalid, customer.CodeInvalidResetToken, "the reset token is unknown, used or expired")
		}
		if err != nil {
			return nil, err
		}
		c, err := s.customers.GetForUpdate(ctx, tx, cid)
		if err != nil {
			return nil, err
		}
		events, err := fn(&c)
		if err != nil {
			return nil, err
		}
		if err := s.customers.UpdateTx(ctx, tx, c); err != nil {
			return nil, err
		}
		return events, setPassword(ctx, tx, cid, hash, "", now)
	}))
}

// EraseCustomer implements customersvc.Store.
func (s *Store) EraseCustomer(ctx context.Context, cid string, fn func(*customer.Customer) ([]event.Event, error)) (customer.Customer, error) {
	var out customer.Customer
	err := s.customers.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		c, err := s.customers.GetForUpdate(ctx, tx, cid)
		if err != nil {
			return nil, err
		}
		events, err := fn(&c)
		if err != nil {
			return nil, err
		}
		out = c
		if len(events) == 0 {
			return nil, nil
		}
		doc, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		for _, q := range []string{
			`DELETE FROM customer_sessions WHERE customer_id = ?`,
			`DELETE FROM customer_reset_tokens WHERE customer_id = ?`,
			`DELETE FROM customer_group_members WHERE customer_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, cid); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_customers SET email = NULL, password_hash = '', doc = ?, version = ?, updated_at = ? WHERE id = ?`,
			string(doc), c.Version, c.UpdatedAt, cid); err != nil {
			return nil, err
		}
		return events, nil
	})
	return out, conflict(err)
}

// ListCustomers implements customersvc.Store.
func (s *Store) ListCustomers(ctx context.Context, q customer.ListQuery) (customer.Page[customer.Customer], error) {
	after, err := id.After(q.Cursor, customersvc.IDPrefix)
	if err != nil {
		return customer.Page[customer.Customer]{}, err
	}
	query := `SELECT c.doc FROM customer_customers c WHERE c.id > ?`
	args := []any{after}
	if q.Email != "" {
		query += ` AND c.email = ?`
		args = append(args, q.Email)
	}
	if q.Group != "" {
		query += ` AND c.id IN (SELECT customer_id FROM customer_group_members WHERE group_code = ?)`
		args = append(args, q.Group)
	}
	cs, next, err := s.customers.Page(ctx, s.DB.Read(), q.Limit, query+` ORDER BY c.id LIMIT ?`, args...)
	if err != nil {
		return customer.Page[customer.Customer]{}, err
	}
	return customer.Page[customer.Customer]{Data: cs, NextCursor: next}, nil
}

// InsertSession implements customersvc.Store.
func (s *Store) InsertSession(ctx context.Context, r customersvc.SessionRecord) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO customer_sessions (id, customer_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		r.ID, r.CustomerID, r.Hash, r.CreatedAt, r.ExpiresAt)
	return err
}

func scanSession(sc interface{ Scan(...any) error }) (customersvc.SessionRecord, error) {
	var r customersvc.SessionRecord
	var revoked sql.NullTime
	if err := sc.Scan(&r.ID, &r.CustomerID, &r.Hash, &r.CreatedAt, &r.ExpiresAt, &revoked); err != nil {
		return r, err
	}
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		r.RevokedAt = &t
	}
	return r, nil
}

const sessionCols = `id, customer_id, token_hash, created_at, expires_at, revoked_at`

// Session implements customersvc.Store.
func (s *Store) Session(ctx context.Context, hash string) (customersvc.SessionRecord, error) {
	r, err := scanSession(s.DB.Primary().QueryRowContext(ctx, `SELECT `+sessionCols+` FROM customer_sessions WHERE token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.NotFound, "not_found", "session not found")
	}
	return r, err
}

// RevokeSession implements customersvc.Store.
func (s *Store) RevokeSession(ctx context.Context, sid string, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE customer_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at, sid)
	return err
}

// Sessions implements customersvc.Store.
func (s *Store) Sessions(ctx context.Context, cid string) ([]customersvc.SessionRecord, error) {
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT `+sessionCols+` FROM customer_sessions WHERE customer_id = ? ORDER BY id`, cid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customersvc.SessionRecord
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteExpiredSessions implements customersvc.Store.
func (s *Store) DeleteExpiredSessions(ctx context.Context, cutoff time.Time) (int, error) {
	var n int64
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM customer_sessions WHERE expires_at < ? OR revoked_at < ?`, cutoff, cutoff)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM customer_reset_tokens WHERE expires_at < ?`, cutoff)
		return err
	})
	return int(n), err
}

// InsertResetToken implements customersvc.Store.
func (s *Store) InsertResetToken(ctx context.Context, hash, cid string, expires time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO customer_reset_tokens (token_hash, customer_id, expires_at) VALUES (?, ?, ?)`, hash, cid, expires)
	return err
}

// InsertGroup implements customersvc.Store.
func (s *Store) InsertGroup(ctx context.Context, g customer.Group) error {
	return conflict(s.Tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO customer_groups (code, name, created_at) VALUES (?, ?, ?)`, g.Code, g.Name, g.CreatedAt)
		return err
	}))
}

// Groups implements customersvc.Store.
func (s *Store) Groups(ctx context.Context) ([]customer.Group, error) {
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT code, name, created_at FROM customer_groups ORDER BY code LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []customer.Group{}
	for rows.Next() {
		var g customer.Group
		if err := rows.Scan(&g.Code, &g.Name, &g.CreatedAt); err != nil {
			return nil, err
		}
		g.CreatedAt = g.CreatedAt.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// DeleteGroup implements customersvc.Store.
func (s *Store) DeleteGroup(ctx context.Context, code string) error {
	return conflict(s.Tx(ctx, func(tx *sqldb.Tx) error {
		var got string
		err := tx.QueryRowContext(ctx, `SELECT code FROM customer_groups WHERE code = ?`+tx.ForUpdate(), code).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "not_found", "customer group not found")
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_group_members WHERE group_code = ?`, code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, customer.CodeGroupInUse, "%d customers belong to the group", n)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM customer_groups WHERE code = ?`, code)
		return err
	}))
}

var _ customersvc.Store = (*Store)(nil)
