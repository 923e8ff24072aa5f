package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
)

// GetDoc runs query, which selects one JSON document column of at most one
// row, and decodes the document into a T. No row is the error missing
// (the caller's NotFound error).
func GetDoc[T any](ctx context.Context, q Querier, missing error, query string, args ...any) (T, error) {
	return getDoc[T](ctx, q, func() error { return missing }, query, args...)
}

func getDoc[T any](ctx context.Context, q Querier, missing func() error, query string, args ...any) (T, error) {
	var v T
	var doc string
	err := q.QueryRowContext(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return v, missing()
	}
	if err != nil {
		return v, Translate(err)
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, fmt.Errorf("sqldb: decode %T: %w", v, err)
	}
	return v, nil
}

// DocTable describes a table of JSON documents of type T: one row per
// document, its id in column id, its JSON in column doc, and beside them
// the columns that its queries filter on, which only the store's own
// statements name.
type DocTable[T any] struct {
	// Name is the table.
	Name string
	// ID returns a document's id (the cursor of Page).
	ID func(T) string
	// NotFound returns the error of a document that does not exist.
	NotFound func() error
	// Insert is the INSERT of a new document; InsertArgs returns its
	// arguments, given the document and its JSON.
	Insert     string
	InsertArgs func(v T, doc string) []any
	// Update is the UPDATE of a changed document; UpdateArgs returns its
	// arguments, given the document and its JSON. It ends in
	// "WHERE id = ?" for Update and UpdateTx, or in
	// "WHERE id = ? AND version = ?" for Save and SaveTx, which bind the
	// expected version after UpdateArgs.
	Update     string
	UpdateArgs func(v T, doc string) []any
	// Derived, if set, writes the rows derived from a document (a zone's
	// countries, a region's rates) after each insert and update of it, in
	// the same transaction.
	Derived func(ctx context.Context, tx *Tx, v T) error
	// Outbox appends events to the module's outbox in tx: outbox.Write,
	// which imports this package and so is passed in.
	Outbox func(ctx context.Context, tx *Tx, module string, events ...event.Event) error
}

// Docs is a module's table of JSON documents. It reads and decodes them,
// and encodes and writes them in the same transaction as the events that
// describe the change. Its statements are built once, so that each runs
// on its cached prepared statement.
type Docs[T any] struct {
	m              ModuleStore
	t              DocTable[T]
	get, lock, del string
}

// NewDocs returns the table t of the module store m.
func NewDocs[T any](m ModuleStore, t DocTable[T]) *Docs[T] {
	get := "SELECT doc FROM " + t.Name + " WHERE id = ?"
	lock := get
	if m.DB.Dialect() == Postgres {
		lock += " FOR UPDATE"
	}
	return &Docs[T]{m: m, t: t, get: get, lock: lock, del: "DELETE FROM " + t.Name + " WHERE id = ?"}
}

// Get reads the document docID from the primary, so it sees every committed
// write; NotFound when there is none.
func (d *Docs[T]) Get(ctx context.Context, docID string) (T, error) {
	return getDoc[T](ctx, d.m.DB.Primary(), d.t.NotFound, d.get, docID)
}

// GetForUpdate reads the document docID in tx and locks its row until tx
// ends; NotFound when there is none.
func (d *Docs[T]) GetForUpdate(ctx context.Context, tx *Tx, docID string) (T, error) {
	return getDoc[T](ctx, tx, d.t.NotFound, d.lock, docID)
}

// List runs query, which selects one column, the document of a row of this
// table, and decodes the documents in the order of the rows; an empty list
// is not nil.
func (d *Docs[T]) List(ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	out, _, err := d.list(ctx, q, -1, query, args...)
	return out, err
}

// Page runs query, a List query ordered by id whose last placeholder is its
// LIMIT, with limit+1 bound to it, and returns the first limit documents
// and the cursor of the page after them (nil on the last page).
func (d *Docs[T]) Page(ctx context.Context, q Querier, limit int, query string, args ...any) ([]T, *string, error) {
	out, more, err := d.list(ctx, q, limit, query, append(args, limit+1)...)
	if err != nil || !more {
		return out, nil, err
	}
	return out, id.Cursor(d.t.ID(out[len(out)-1])), nil
}

// list decodes up to limit documents (all when limit < 0) and reports
// whether more rows followed.
func (d *Docs[T]) list(ctx context.Context, q Querier, limit int, query string, args ...any) (out []T, more bool, err error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out = []T{}
	for rows.Next() {
		if len(out) == limit {
			return out, true, nil
		}
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, false, err
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, false, fmt.Errorf("sqldb: decode %T: %w", v, err)
		}
		out = append(out, v)
	}
	return out, false, rows.Err()
}

func encode[T any](v T) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqldb: encode %T: %w", v, err)
	}
	return string(b), nil
}

// InsertTx inserts v in tx, then its derived rows.
func (d *Docs[T]) InsertTx(ctx context.Context, tx *Tx, v T) error {
	doc, err := encode(v)
	if err != nil {
		return err
	}
	return d.insert(ctx, tx, v, doc)
}

func (d *Docs[T]) insert(ctx context.Context, tx *Tx, v T, doc string) error {
	if _, err := tx.ExecContext(ctx, d.t.Insert, d.t.InsertArgs(v, doc)...); err != nil {
		return err
	}
	return d.derived(ctx, tx, v)
}

// UpdateTx writes the changed v in tx, then its derived rows.
func (d *Docs[T]) UpdateTx(ctx context.Context, tx *Tx, v T) error {
	doc, err := encode(v)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.t.Update, d.t.UpdateArgs(v, doc)...); err != nil {
		return err
	}
	return d.derived(ctx, tx, v)
}

// SaveTx writes v in tx if its row still has the version prev, then its
// derived rows. It reports false, having written nothing, when the row has
// another version or does not exist.
func (d *Docs[T]) SaveTx(ctx context.Context, tx *Tx, v T, prev int64) (bool, error) {
	doc, err := encode(v)
	if err != nil {
		return false, err
	}
	return d.save(ctx, tx, v, doc, prev)
}

func (d *Docs[T]) save(ctx context.Context, tx *Tx, v T, doc string, prev int64) (bool, error) {
	res, err := tx.ExecContext(ctx, d.t.Update, append(d.t.UpdateArgs(v, doc), prev)...)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, d.derived(ctx, tx, v)
}

func (d *Docs[T]) derived(ctx context.Context, tx *Tx, v T) error {
	if d.t.Derived == nil {
		return nil
	}
	return d.t.Derived(ctx, tx, v)
}

// Tx runs fn in a write transaction and appends the events it returns to
// the module's outbox in the same transaction; after the commit it runs
// the store's committed hook (ModuleStore.Tx). fn may run more than once
// (DB.Tx).
func (d *Docs[T]) Tx(ctx context.Context, fn func(tx *Tx) ([]event.Event, error)) error {
	return d.m.Tx(ctx, func(tx *Tx) error {
		events, err := fn(tx)
		if err != nil || len(events) == 0 {
			return err
		}
		return d.t.Outbox(ctx, tx, d.m.module, events...)
	})
}

// Insert inserts v with its derived rows and events in one transaction.
// A taken id or unique column is ErrUnique.
func (d *Docs[T]) Insert(ctx context.Context, v T, events []event.Event) error {
	doc, err := encode(v) // once, outside the transaction
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *Tx) ([]event.Event, error) {
		return events, d.insert(ctx, tx, v, doc)
	})
}

// Save writes v with its derived rows and events in one transaction if its
// row still has the version prev. It reports false, having written
// nothing, when the row has another version or does not exist.
func (d *Docs[T]) Save(ctx context.Context, v T, prev int64, events []event.Event) (bool, error) {
	doc, err := encode(v) // once, outside the transaction
	if err != nil {
		return false, err
	}
	saved := false
	err = d.Tx(ctx, func(tx *Tx) ([]event.Event, error) {
		var err error
		saved, err = d.save(ctx, tx, v, doc, prev)
		if !saved {
			return nil, err
		}
		return events, err
	})
	return saved && err == nil, err
}

// Update reads the document docID with its row locked, lets fn change it in
// the same transaction, writes it with its derived rows and appends the
// events fn returns to the outbox. It returns the document as written; the
// error of fn (nothing is written), or NotFound when there is no document.
func (d *Docs[T]) Update(ctx context.Context, docID string, fn func(tx *Tx, v *T) ([]event.Event, error)) (T, error) {
	var out T
	err := d.Tx(ctx, func(tx *Tx) ([]event.Event, error) {
		v, err := d.GetForUpdate(ctx, tx, docID)
		if err != nil {
			return nil, err
		}
		events, err := fn(tx, &v)
		if err != nil {
			return nil, err
		}
		if err := d.UpdateTx(ctx, tx, v); err != nil {
			return nil, err
		}
		out = v
		return events, nil
	})
	return out, err
}

// Delete reads the document docID with its row locked, lets fn decide in the
// same transaction (and delete the rows that belong to it), deletes it and
// appends the events fn returns to the outbox. It returns the error of fn
// (nothing is deleted), or NotFound when there is no document.
func (d *Docs[T]) Delete(ctx context.Context, docID string, fn func(tx *Tx, v T) ([]event.Event, error)) error {
	return d.Tx(ctx, func(tx *Tx) ([]event.Event, error) {
		v, err := d.GetForUpdate(ctx, tx, docID)
		if err != nil {
			return nil, err
		}
		events, err := fn(tx, v)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, d.del, docID); err != nil {
			return nil, err
		}
		return events, nil
	})
}
