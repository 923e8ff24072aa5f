// Package pricingsql is pricing's store on SQLite and PostgreSQL.
package pricingsql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/pricing/pricingsvc"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are pricing's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements pricingsvc.Store.
type Store struct {
	sqldb.ModuleStore
	lists *sqldb.Docs[pricing.PriceList]
}

// New returns the store on db; committed (may be nil) runs after commits
// that wrote events.
func New(db *sqldb.DB, committed func()) *Store {
	m := sqldb.NewModuleStore(db, pricing.Module, Migrations(), committed)
	return &Store{ModuleStore: m, lists: sqldb.NewDocs(m, sqldb.DocTable[pricing.PriceList]{
		Name:     "pricing_price_lists",
		ID:       func(pl pricing.PriceList) string { return pl.ID },
		NotFound: func() error { return errs.E(errs.NotFound, "not_found", "price list not found") },
		Insert: `INSERT INTO pricing_price_lists (id, currency, channel, customer_group, starts_at, ends_at, active, tax_inclusive, priority, doc, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		InsertArgs: func(pl pricing.PriceList, doc string) []any {
			return []any{pl.ID, pl.Currency, pl.Channel, pl.CustomerGroup, pl.StartsAt, pl.EndsAt, pl.Active, pl.TaxInclusive, pl.Priority, doc, pl.Version, pl.CreatedAt, pl.UpdatedAt}
		},
		Update: `UPDATE pricing_price_lists SET channel = ?, customer_group = ?, starts_at = ?, ends_at = ?, active = ?, tax_inclusive = ?, priority = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?`,
		UpdateArgs: func(pl pricing.PriceList, doc string) []any {
			return []any{pl.Channel, pl.CustomerGroup, pl.StartsAt, pl.EndsAt, pl.Active, pl.TaxInclusive, pl.Priority, doc, pl.Version, pl.UpdatedAt, pl.ID}
		},
		Outbox: outbox.Write,
	})}
}

func upsertPrices(ctx context.Context, tx *sqldb.Tx, listID string, prices []pricing.ListPrice) error {
	var rows [][]any
	for _, p := range prices {
		if _, err := tx.ExecContext(ctx, `DELETE FROM pricing_list_prices WHERE list_id = ? AND variant_id = ?`, listID, p.VariantID); err != nil {
			return err
		}
		if p.Amount >= 0 {
			rows = append(rows, []any{listID, p.VariantID, p.Amount})
		}
	}
	return tx.InsertMany(ctx, `INSERT INTO pricing_list_prices (list_id, variant_id, amount)`, rows)
}

// InsertList implements pricingsvc.Store.
func (s *Store) InsertList(ctx context.Context, pl pricing.PriceList, prices []pricing.ListPrice, events []event.Event) error {
	return s.lists.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		if err := s.lists.InsertTx(ctx, tx, pl); err != nil {
			return nil, err
		}
		return events, upsertPrices(ctx, tx, pl.ID, prices)
	})
}

// GetList implements pricingsvc.Store.
func (s *Store) GetList(ctx context.Context, plID string) (pricing.PriceList, error) {
	return s.lists.Get(ctx, plID)
}

// UpdateList implements pricingsvc.Store.
func (s *Store) UpdateList(ctx context.Context, plID string, fn func(*pricing.PriceList) ([]event.Event, error)) (pricing.PriceList, error) {
	return s.lists.Update(ctx, plID, func(_ *sqldb.Tx, pl *pricing.PriceList) ([]event.Event, error) { return fn(pl) })
}

// DeleteList implements pricingsvc.Store.
func (s *Store) DeleteList(ctx context.Context, plID string, fn func(pricing.PriceList) ([]event.Event, error)) error {
	return s.lists.Delete(ctx, plID, func(tx *sqldb.Tx, pl pricing.PriceList) ([]event.Event, error) {
		events, err := fn(pl)
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM pricing_list_prices WHERE list_id = ?`, plID)
		return events, err
	})
}

// ListLists implements pricingsvc.Store.
func (s *Store) ListLists(ctx context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error) {
	after, err := id.After(q.Cursor, "pl")
	if err != nil {
		return pricing.Page[pricing.PriceList]{}, err
	}
	query := `SELECT doc FROM pricing_price_lists WHERE id > ?`
	args := []any{after}
	if q.Currency != "" {
		query += ` AND currency = ?`
		args = append(args, q.Currency)
	}
	pls, next, err := s.lists.Page(ctx, s.DB.Primary(), q.Limit, query+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return pricing.Page[pricing.PriceList]{}, err
	}
	return pricing.Page[pricing.PriceList]{Data: pls, NextCursor: next}, nil
}

// SetPrices implements pricingsvc.Store.
func (s *Store) SetPrices(ctx context.Context, listID string, prices []pricing.ListPrice, fn func(*pricing.PriceList) ([]event.Event, error)) error {
	return s.lists.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
		pl, err := s.lists.GetForUpdate(ctx, tx, listID)
		if err != nil {
			return nil, err
		}
		events, err := fn(&pl)
		if err != nil {
			return nil, err
		}
		if err := s.lists.UpdateTx(ctx, tx, pl); err != nil {
			return nil, err
		}
		return events, upsertPrices(ctx, tx, listID, prices)
	})
}

// ListPrices implements pricingsvc.Store.
func (s *Store) ListPrices(ctx context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error) {
	after, err := id.After(q.Cursor, "var")
	if err != nil {
		return pricing.Page[pricing.ListPrice]{}, err
	}
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT variant_id, amount FROM pricing_list_prices WHERE list_id = ? AND variant_id > ? ORDER BY variant_id LIMIT ?`,
		q.ListID, after, q.Limit+1)
	if err != nil {
		return pricing.Page[pricing.ListPrice]{}, err
	}
	defer rows.Close()
	page := pricing.Page[pricing.ListPrice]{Data: []pricing.ListPrice{}}
	for rows.Next() {
		var p pricing.ListPrice
		if err := rows.Scan(&p.VariantID, &p.Amount); err != nil {
			return page, err
		}
		if len(page.Data) == q.Limit {
			page.NextCursor = id.Cursor(page.Data[q.Limit-1].VariantID)
			break
		}
		page.Data = append(page.Data, p)
	}
	return page, rows.Err()
}

func inArgs(ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, v := range ids {
		args[i] = v
	}
	return "(?" + strings.Repeat(",?", len(ids)-1) + ")", args
}

// Candidates implements pricingsvc.Store.
func (s *Store) Candidates(ctx context.Context, currency, channel string, groups []string, at time.Time, variantIDs []string) ([]pricingsvc.Candidate, error) {
	if len(variantIDs) == 0 {
		return nil, nil
	}
	in, idArgs := inArgs(variantIDs)
	groupIn, groupArgs := inArgs(append([]string{""}, groups...))
	args := append([]any{currency, channel}, groupArgs...)
	args = append(args, at, at)
	args = append(args, idArgs...)
	rows, err := s.DB.Read().QueryContext(ctx, `SELECT l.id, p.variant_id, p.amount, l.tax_inclusive, l.priority
		FROM pricing_list_prices p JOIN pricing_price_lists l ON l.id = p.list_id
		WHERE l.currency = ? AND l.active = TRUE AND (l.channel = '' OR l.channel = ?) AND l.customer_group IN `+groupIn+`
		  AND (l.starts_at IS NULL OR l.starts_at <= ?) AND (l.ends_at IS NULL OR l.ends_at > ?)
		  AND p.variant_id IN `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pricingsvc.Candidate
	for rows.Next() {
		var c pricingsvc.Candidate
		if err := rows.Scan(&c.ListID, &c.VariantID, &c.Amount, &c.TaxInclusive, &c.Priority); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListedPrices implements pricingsvc.Store.
func (s *Store) ListedPrices(ctx context.Context, currency string, variantIDs []string) ([]pricingsvc.ListedPrice, error) {
	if len(variantIDs) == 0 {
		return nil, nil
	}
	in, idArgs := inArgs(variantIDs)
	rows, err := s.DB.Read().QueryContext(ctx, `SELECT l.id, p.variant_id, p.amount, l.tax_inclusive, l.priority, l.channel, l.customer_group, l.starts_at, l.ends_at
		FROM pricing_list_prices p JOIN pricing_price_lists l ON l.id = p.list_id
		WHERE l.currency = ? AND l.active = TRUE AND p.variant_id IN `+in, append([]any{currency}, idArgs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pricingsvc.ListedPrice
	for rows.Next() {
		var p pricingsvc.ListedPrice
		var starts, ends sql.NullTime
		if err := rows.Scan(&p.ListID, &p.VariantID, &p.Amount, &p.TaxInclusive, &p.Priority, &p.Channel, &p.CustomerGroup, &starts, &ends); err != nil {
			return nil, err
		}
		if starts.Valid {
			t := starts.Time.UTC()
			p.StartsAt = &t
		}
		if ends.Valid {
			t := ends.Time.UTC()
			p.EndsAt = &t
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// BaseVariants implements pricingsvc.Store.
func (s *Store) BaseVariants(ctx context.Context, variantIDs []string) (map[string]pricingsvc.BaseVariant, error) {
	out := make(map[string]pricingsvc.BaseVariant, len(variantIDs))
	if len(variantIDs) == 0 {
		return out, nil
	}
	in, args := inArgs(variantIDs)
	rows, err := s.DB.Read().QueryContext(ctx, `SELECT v.variant_id, v.product_id, v.sku, v.prices, p.version
		FROM pricing_base_variants v JOIN pricing_base_products p ON p.product_id = v.product_id
		WHERE v.variant_id IN `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b pricingsvc.BaseVariant
		var prices string
		if err := rows.Scan(&b.VariantID, &b.ProductID, &b.SKU, &prices, &b.Version); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(prices), &b.Prices); err != nil {
			return nil, err
		}
		out[b.VariantID] = b
	}
	return out, rows.Err()
}

// ApplyProduct implements pricingsvc.Store.
func (s *Store) ApplyProduct(ctx context.Context, consumer, eventID string, p pricingsvc.BaseProduct) (bool, error) {
	changed := false
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		changed = false
		first, err := outbox.MarkHandled(ctx, tx, pricing.Module, consumer, eventID)
		if err != nil || !first {
			return err
		}
		var have int64
		err = tx.QueryRowContext(ctx, `SELECT version FROM pricing_base_products WHERE product_id = ?`+tx.ForUpdate(), p.ProductID).Scan(&have)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && have >= p.Version {
			return nil // an older or repeated version
		}
		// Conditional, so that two versions applied at once (a consumer
		// may handle events concurrently) never let the older one win.
		res, err := tx.ExecContext(ctx, `INSERT INTO pricing_base_products (product_id, version, deleted) VALUES (?, ?, ?)
			ON CONFLICT (product_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted
			WHERE pricing_base_products.version < excluded.version`, p.ProductID, p.Version, p.Deleted)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // a newer version landed meanwhile
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pricing_base_variants WHERE product_id = ?`, p.ProductID); err != nil {
			return err
		}
		if !p.Deleted {
			rows := make([][]any, 0, len(p.Variants))
			for _, v := range p.Variants {
				prices := v.Prices
				if prices == nil {
					prices = []money.Money{}
				}
				b, err := json.Marshal(prices)
				if err != nil {
					return err
				}
				rows = append(rows, []any{v.VariantID, p.ProductID, v.SKU, string(b)})
			}
			if err := tx.InsertMany(ctx, `INSERT INTO pricing_base_variants (variant_id, product_id, sku, prices)`, rows); err != nil {
				return err
			}
		}
		changed = true
		return nil
	})
	return changed, err
}

var _ pricingsvc.Store = (*Store)(nil)
