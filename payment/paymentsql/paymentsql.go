// Package paymentsql is the payment's store on SQLite and PostgreSQL.
package paymentsql

import (
	"context"
	"embed"
	"io/fs"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentsvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the payment's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements paymentsvc.Store.
type Store struct {
	sqldb.ModuleStore
	payments *sqldb.Docs[payment.Payment]
}

// New returns the store on db; committed (may be nil) runs after commits.
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, payment.Module, Migrations(), committed)
	return &Store{ModuleStore: m, payments: sqldb.NewDocs(m, sqldb.DocTable[payment.Payment]{
		Name:     "payment_payments",
		NotFound: notFound,
		Insert: `INSERT INTO payment_payments (id, idem_key, reference, status, provider, provider_ref, doc, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		InsertArgs: func(p payment.Payment, doc string) []any {
			return []any{p.ID, p.Key, p.Reference, string(p.Status), p.Provider, p.ProviderRef, doc, p.Version, p.CreatedAt, p.UpdatedAt}
		},
		Update: `UPDATE payment_payments SET status = ?, provider = ?, provider_ref = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?`,
		UpdateArgs: func(p payment.Payment, doc string) []any {
			return []any{string(p.Status), p.Provider, p.ProviderRef, doc, p.Version, p.UpdatedAt, p.ID}
		},
		Outbox: outbox.Write,
	})}
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "payment not found") }

// Insert implements paymentsvc.Store.
func (s *Store) Insert(ctx context.Context, p payment.Payment, events []event.Event) error {
	err := s.payments.Insert(ctx, p, events)
	if sqldb.IsUnique(err) {
		return errs.E(errs.Conflict, payment.CodeKeyConflict, "a payment with this key exists")
	}
	return err
}

// Get implements paymentsvc.Store.
func (s *Store) Get(ctx context.Context, id string) (payment.Payment, error) {
	return s.payments.Get(ctx, id)
}

// GetByKey implements paymentsvc.Store.
func (s *Store) GetByKey(ctx context.Context, key string) (payment.Payment, error) {
	return sqldb.GetDoc[payment.Payment](ctx, s.DB.Primary(), notFound(), `SELECT doc FROM payment_payments WHERE idem_key = ?`, key)
}

// GetByProviderRef implements paymentsvc.Store.
func (s *Store) GetByProviderRef(ctx context.Context, provider, ref string) (payment.Payment, error) {
	if ref == "" {
		return payment.Payment{}, notFound()
	}
	return sqldb.GetDoc[payment.Payment](ctx, s.DB.Primary(), notFound(),
		`SELECT doc FROM payment_payments WHERE provider = ? AND provider_ref = ? ORDER BY created_at LIMIT 1`, provider, ref)
}

// Update implements paymentsvc.Store.
func (s *Store) Update(ctx context.Context, id string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, error) {
	out, _, err := s.update(ctx, id, "", "", fn)
	return out, err
}

// UpdateOnce implements paymentsvc.Store: the event is marked handled in
// the module's inbox in the same transaction as the change.
func (s *Store) UpdateOnce(ctx context.Context, id, consumer, eventID string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, bool, error) {
	return s.update(ctx, id, consumer, eventID, fn)
}

func (s *Store) update(ctx context.Context, id, consumer, eventID string, fn func(*payment.Payment) ([]event.Event, error)) (payment.Payment, bool, error) {
	var out payment.Payment
	first := true
	err := s.payments.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		p, err := s.payments.GetForUpdate(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if consumer != "" {
			if first, err = outbox.MarkHandled(ctx, tx, payment.Module, consumer, eventID); err != nil || !first {
				out = p
				return nil, err
			}
		}
		events, err := fn(&p)
		if err != nil {
			return nil, err
		}
		if err := s.payments.UpdateTx(ctx, tx, p); err != nil {
			return nil, err
		}
		out = p
		return events, nil
	})
	if err != nil {
		return payment.Payment{}, false, err
	}
	return out, first, nil
}

var _ paymentsvc.Store = (*Store)(nil)
