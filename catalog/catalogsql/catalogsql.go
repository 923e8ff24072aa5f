// Package catalogsql is the catalog's store on SQLite and PostgreSQL.
//
// A product is kept as one JSON document (so a product page is one indexed
// read) with the columns its queries filter on beside it; variants and
// category links have their own tables for uniqueness (SKUs) and filtering
// (products of a category). Every write appends its events to the
// catalog_outbox table in the same transaction.
package catalogsql

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the catalog's embedded migrations.
func Migrations() fs.FS {
	return sqldb.Embedded(migrations)
}

// Store implements catalogsvc.Store.
type Store struct {
	sqldb.ModuleStore
}

// New returns the store on db; committed (may be nil) runs after every
// commit that wrote events.
func New(db *sqldb.DB, committed func()) *Store {
	return &Store{ModuleStore: sqldb.NewModuleStore(db, catalog.Module, Migrations(), committed)}
}

func (s *Store) tx(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	return uniqueConflict(s.Tx(ctx, fn))
}

// uniqueConflict names the unique constraint a write violated.
func uniqueConflict(err error) error {
	if err == nil || !sqldb.IsUnique(err) {
		return err
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "sku"):
		return errs.Wrap(err, errs.Conflict, "sku_taken", "a variant with this SKU exists")
	case strings.Contains(msg, "catalog_categories"):
		return errs.Wrap(err, errs.Conflict, "handle_taken", "a category with this handle exists")
	case strings.Contains(msg, "catalog_collections"):
		return errs.Wrap(err, errs.Conflict, "handle_taken", "a collection with this handle exists")
	case strings.Contains(msg, "handle"):
		return errs.Wrap(err, errs.Conflict, "handle_taken", "a product with this handle exists")
	}
	return errs.Wrap(err, errs.Conflict, "conflict", "the change conflicts with existing data")
}

func channelsColumn(chs []string) string {
	if len(chs) == 0 {
		return ""
	}
	return "," + strings.Join(chs, ",") + ","
}

// InsertProducts writes new products and their events in one transaction,
// with one multi-row statement per table.
func (s *Store) InsertProducts(ctx context.Context, ps []catalog.Product, events []event.Event) error {
	// A product.created event carries the product exactly as it is stored:
	// its data is the document, encoded once.
	created := make(map[string]json.RawMessage, len(events))
	for _, e := range events {
		if e.Type == catalog.EventProductCreated {
			created[e.Subject] = e.Data
		}
	}
	prows := make([][]any, 0, len(ps))
	for i := range ps {
		p := &ps[i]
		doc, ok := created[p.ID]
		if !ok {
			var err error
			if doc, err = json.Marshal(p); err != nil {
				return err
			}
		}
		prows = append(prows, []any{p.ID, p.Handle, string(p.Status), strings.ToLower(p.Title), channelsColumn(p.Channels), string(doc), p.Version, p.CreatedAt, p.UpdatedAt})
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.InsertMany(ctx, `INSERT INTO catalog_products (id, handle, status, title_lc, channels, doc, version, created_at, updated_at)`, prows); err != nil {
			return err
		}
		if err := insertLinks(ctx, tx, ps...); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, catalog.Module, events...)
	})
}

// insertLinks writes the variant, category and collection rows of ps.
func insertLinks(ctx context.Context, tx *sqldb.Tx, ps ...catalog.Product) error {
	var vrows, crows, colrows [][]any
	var categorized []string // products with categories: their ancestor rows
	for _, p := range ps {
		for _, v := range p.Variants {
			var sku any
			if v.SKU != "" {
				sku = v.SKU
			}
			vrows = append(vrows, []any{v.ID, p.ID, sku})
		}
		for _, c := range p.CategoryIDs {
			crows = append(crows, []any{c, p.ID})
		}
		if len(p.CategoryIDs) > 0 {
			categorized = append(categorized, p.ID)
		}
		for _, c := range p.CollectionIDs {
			colrows = append(colrows, []any{c, p.ID})
		}
	}
	if err := tx.InsertMany(ctx, `INSERT INTO catalog_variants (id, product_id, sku)`, vrows); err != nil {
		return err
	}
	if err := tx.InsertMany(ctx, `INSERT INTO catalog_product_categories (category_id, product_id)`, crows); err != nil {
		return err
	}
	if err := linkAncestors(ctx, tx, categorized); err != nil {
		return err
	}
	return tx.InsertMany(ctx, `INSERT INTO catalog_product_collections (collection_id, product_id)`, colrows)
}

// chunk is how many ids one statement names at most (inChunks).
const chunk = 500

// linkAncestors writes the catalog_product_ancestors rows of pids from
// their catalog_product_categories rows and the category tree: each of
// their categories and every category above it.
func linkAncestors(ctx context.Context, tx *sqldb.Tx, pids []string) error {
	return inChunks(pids, func(list string, args []any) error {
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE up(category_id, product_id) AS (
	SELECT category_id, product_id FROM catalog_product_categories WHERE product_id IN (`+list+`)
	UNION SELECT c.parent_id, up.product_id FROM up JOIN catalog_categories c ON c.id = up.category_id WHERE c.parent_id IS NOT NULL)
INSERT INTO catalog_product_ancestors (category_id, product_id) SELECT category_id, product_id FROM up`, args...)
		return err
	})
}

// unlinkAncestors deletes the catalog_product_ancestors rows of pids.
func unlinkAncestors(ctx context.Context, tx *sqldb.Tx, pids []string) error {
	return inChunks(pids, func(list string, args []any) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM catalog_product_ancestors WHERE product_id IN (`+list+`)`, args...)
		return err
	})
}

// relinkAncestors rewrites the catalog_product_ancestors rows of pids
// after their categories or the tree above them changed.
func relinkAncestors(ctx context.Context, tx *sqldb.Tx, pids []string) error {
	if err := unlinkAncestors(ctx, tx, pids); err != nil {
		return err
	}
	return linkAncestors(ctx, tx, pids)
}

// productsUnder lists the products in category cid or below it.
func productsUnder(ctx context.Context, tx *sqldb.Tx, cid string) ([]string, error) {
	return queryStrings(ctx, tx, `SELECT product_id FROM catalog_product_ancestors WHERE category_id = ?`, cid)
}

// queryStrings runs a query of one text column and returns its values.
func queryStrings(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// inChunks calls fn with a placeholder list and its arguments for each
// chunk of ids.
func inChunks(ids []string, fn func(list string, args []any) error) error {
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		args := make([]any, len(part))
		for j, v := range part {
			args[j] = v
		}
		if err := fn("?"+strings.Repeat(",?", len(part)-1), args); err != nil {
			return err
		}
	}
	return nil
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

// GetProduct reads a product that is not deleted, by id or handle.
func (s *Store) GetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	return getProduct(ctx, s.DB.Primary(), idOrHandle, "")
}

// StoreGetProduct reads a product for the store, from a replica when there
// are replicas.
func (s *Store) StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	return getProduct(ctx, s.DB.Read(), idOrHandle, "")
}

func getProduct(ctx context.Context, q sqldb.Querier, idOrHandle, lock string) (catalog.Product, error) {
	col := "handle"
	if id.HasPrefix("prod", idOrHandle) {
		col = "id"
	}
	return sqldb.GetDoc[catalog.Product](ctx, q, notFound("product"), `SELECT doc FROM catalog_products WHERE `+col+` = ? AND deleted_at IS NULL`+lock, idOrHandle)
}

// UpdateProduct runs fn on the current product inside one transaction and
// stores the result with the events fn returns. A product fn marks deleted
// leaves every index (its handle and SKUs are free again).
func (s *Store) UpdateProduct(ctx context.Context, pid string, fn func(*catalog.Product) ([]event.Event, error)) (catalog.Product, error) {
	var out catalog.Product
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if !id.HasPrefix("prod", pid) {
			return notFound("product")
		}
		p, err := getProduct(ctx, tx, pid, tx.ForUpdate())
		if err != nil {
			return err
		}
		events, err := fn(&p)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_products SET handle = ?, status = ?, title_lc = ?, channels = ?, doc = ?, version = ?, updated_at = ?, deleted_at = ? WHERE id = ?`,
			p.Handle, string(p.Status), strings.ToLower(p.Title), channelsColumn(p.Channels), string(doc), p.Version, p.UpdatedAt, p.DeletedAt, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_variants WHERE product_id = ?`, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_product_categories WHERE product_id = ?`, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_product_ancestors WHERE product_id = ?`, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_product_collections WHERE product_id = ?`, p.ID); err != nil {
			return err
		}
		if p.DeletedAt == nil {
			if err := insertLinks(ctx, tx, p); err != nil {
				return err
			}
		}
		out = p
		return outbox.Write(ctx, tx, catalog.Module, events...)
	})
	return out, err
}

// productsOf starts a listing of products newest first: of all products,
// or of those in categoryID and its sub-categories. The latter reads the
// closure key (catalog_product_ancestors) from the newest product down
// and stops at the page's end, so a page costs the same in a category of
// ten products and in one of a million. It returns the column that orders
// the products and takes the cursor.
func productsOf(b *strings.Builder, args []any, categoryID string) ([]any, string) {
	if categoryID == "" {
		b.WriteString(`SELECT p.id, p.doc FROM catalog_products p WHERE `)
		return args, "p.id"
	}
	b.WriteString(`SELECT p.id, p.doc FROM catalog_product_ancestors a JOIN catalog_products p ON p.id = a.product_id WHERE a.category_id = ? AND `)
	return append(args, categoryID), "a.product_id"
}

// ListProducts lists products newest first; categoryID (resolved by the
// service) includes its sub-categories.
func (s *Store) ListProducts(ctx context.Context, q catalog.ListProductsQuery, categoryID string) (catalog.Page[catalog.Product], error) {
	after, err := id.After(q.Cursor, "prod")
	if err != nil {
		return catalog.Page[catalog.Product]{}, err
	}
	var b strings.Builder
	args, key := productsOf(&b, nil, categoryID)
	if q.Deleted {
		b.WriteString(`p.deleted_at IS NOT NULL`)
	} else {
		b.WriteString(`p.deleted_at IS NULL`)
	}
	if q.Status != "" {
		b.WriteString(` AND p.status = ?`)
		args = append(args, string(q.Status))
	}
	if q.Query != "" {
		b.WriteString(` AND p.title_lc LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(strings.ToLower(q.Query))+"%")
	}
	if q.SKU != "" {
		b.WriteString(` AND p.id IN (SELECT product_id FROM catalog_variants WHERE sku = ?)`)
		args = append(args, q.SKU)
	}
	if after != "" {
		b.WriteString(` AND ` + key + ` < ?`)
		args = append(args, after)
	}
	b.WriteString(` ORDER BY ` + key + ` DESC LIMIT ?`)
	args = append(args, q.Limit+1)
	return listDocs[catalog.Product](ctx, s.DB.Primary(), b.String(), args, q.Limit, func(p catalog.Product) string { return p.ID })
}

// StoreProducts lists published products of a channel, newest first.
func (s *Store) StoreProducts(ctx context.Context, q catalog.StoreListQuery, categoryID string) (catalog.Page[catalog.Product], error) {
	after, err := id.After(q.Cursor, "prod")
	if err != nil {
		return catalog.Page[catalog.Product]{}, err
	}
	var b strings.Builder
	args, key := productsOf(&b, nil, categoryID)
	b.WriteString(`p.status = 'published' AND p.deleted_at IS NULL AND (p.channels = '' OR p.channels LIKE ?)`)
	args = append(args, "%,"+likeEscape(q.Channel)+",%")
	if after != "" {
		b.WriteString(` AND ` + key + ` < ?`)
		args = append(args, after)
	}
	b.WriteString(` ORDER BY ` + key + ` DESC LIMIT ?`)
	args = append(args, q.Limit+1)
	return listDocs[catalog.Product](ctx, s.DB.Read(), b.String(), args, q.Limit, func(p catalog.Product) string { return p.ID })
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func listDocs[T any](ctx context.Context, q sqldb.Querier, query string, args []any, limit int, idOf func(T) string) (catalog.Page[T], error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return catalog.Page[T]{}, err
	}
	defer rows.Close()
	page := catalog.Page[T]{Data: make([]T, 0, limit)}
	for rows.Next() {
		var rid, doc string
		if err := rows.Scan(&rid, &doc); err != nil {
			return page, err
		}
		if len(page.Data) == limit {
			page.NextCursor = id.Cursor(idOf(page.Data[limit-1]))
			break
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return page, fmt.Errorf("catalogsql: %s: %w", rid, err)
		}
		page.Data = append(page.Data, v)
	}
	return page, rows.Err()
}

// MissingCategories returns those of ids that are not categories.
func (s *Store) MissingCategories(ctx context.Context, ids []string) ([]string, error) {
	return missing(ctx, s.DB.Primary(), "catalog_categories", ids)
}

// MissingCollections returns those of ids that are not collections.
func (s *Store) MissingCollections(ctx context.Context, ids []string) ([]string, error) {
	return missing(ctx, s.DB.Primary(), "catalog_collections", ids)
}

func missing(ctx context.Context, q sqldb.Querier, table string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	found := map[string]bool{}
	err := inChunks(ids, func(list string, args []any) error {
		rows, err := q.QueryContext(ctx, `SELECT id FROM `+table+` WHERE id IN (`+list+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			found[v] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range ids {
		if !found[v] {
			out = append(out, v)
		}
	}
	return out, nil
}

// InsertCategory writes a new category and its events.
func (s *Store) InsertCategory(ctx context.Context, c catalog.Category, events []event.Event) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := writeCategory(ctx, tx, c, true); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, catalog.Module, events...)
	})
}

// InsertCategories writes many categories (parents before children) in one
// transaction, with their events.
func (s *Store) InsertCategories(ctx context.Context, cs []catalog.Category, events []event.Event) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		for _, c := range cs {
			if err := writeCategory(ctx, tx, c, true); err != nil {
				return err
			}
		}
		return outbox.Write(ctx, tx, catalog.Module, events...)
	})
}

func writeCategory(ctx context.Context, tx *sqldb.Tx, c catalog.Category, insert bool) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var parent any
	if c.ParentID != "" {
		parent = c.ParentID
	}
	if insert {
		_, err = tx.ExecContext(ctx, `INSERT INTO catalog_categories (id, handle, parent_id, position, doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Handle, parent, c.Position, string(doc), c.Version, c.CreatedAt, c.UpdatedAt)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE catalog_categories SET handle = ?, parent_id = ?, position = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?`,
			c.Handle, parent, c.Position, string(doc), c.Version, c.UpdatedAt, c.ID)
	}
	return err
}

// GetCategory reads a category by id or handle.
func (s *Store) GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error) {
	return getCategory(ctx, s.DB.Primary(), idOrHandle, "")
}

func getCategory(ctx context.Context, q sqldb.Querier, idOrHandle, lock string) (catalog.Category, error) {
	col := "handle"
	if id.HasPrefix("cat", idOrHandle) {
		col = "id"
	}
	return sqldb.GetDoc[catalog.Category](ctx, q, notFound("category"), `SELECT doc FROM catalog_categories WHERE `+col+` = ?`+lock, idOrHandle)
}

// Ancestors returns the ids from id up to its root, id first.
func (s *Store) Ancestors(ctx context.Context, cid string) ([]string, error) {
	return queryStrings(ctx, s.DB.Primary(), `WITH RECURSIVE up(id, parent_id, depth) AS (
		SELECT id, parent_id, 0 FROM catalog_categories WHERE id = ?
		UNION ALL SELECT c.id, c.parent_id, up.depth + 1 FROM catalog_categories c JOIN up ON c.id = up.parent_id WHERE up.depth < 64)
		SELECT id FROM up ORDER BY depth`, cid)
}

// UpdateCategory runs fn on the category inside one transaction.
func (s *Store) UpdateCategory(ctx context.Context, cid string, fn func(*catalog.Category) ([]event.Event, error)) (catalog.Category, error) {
	var out catalog.Category
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if !id.HasPrefix("cat", cid) {
			return notFound("category")
		}
		c, err := getCategory(ctx, tx, cid, tx.ForUpdate())
		if err != nil {
			return err
		}
		parent := c.ParentID
		events, err := fn(&c)
		if err != nil {
			return err
		}
		if err := writeCategory(ctx, tx, c, false); err != nil {
			return err
		}
		if c.ParentID != parent {
			// The categories above the subtree changed for every product in it.
			pids, err := productsUnder(ctx, tx, cid)
			if err != nil {
				return err
			}
			if err := relinkAncestors(ctx, tx, pids); err != nil {
				return err
			}
		}
		out = c
		return outbox.Write(ctx, tx, catalog.Module, events...)
	})
	return out, err
}

// DeleteCategory deletes a category without children and unlinks its
// products (whose documents lose the category id, with product.updated).
func (s *Store) DeleteCategory(ctx context.Context, cid string, now time.Time, deleted func(catalog.Category) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		if !id.HasPrefix("cat", cid) {
			return notFound("category")
		}
		c, err := getCategory(ctx, tx, cid, tx.ForUpdate())
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_categories WHERE parent_id = ?`, cid).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "category_has_children", "the category has %d sub-categories; move or delete them first", n)
		}
		pids, err := productsUnder(ctx, tx, cid)
		if err != nil {
			return err
		}
		events, err := unlinkProducts(ctx, tx, "catalog_product_categories", "category_id", cid, now, updated, func(p *catalog.Product) {
			p.CategoryIDs = without(p.CategoryIDs, cid)
		})
		if err != nil {
			return err
		}
		if err := relinkAncestors(ctx, tx, pids); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_categories WHERE id = ?`, cid); err != nil {
			return err
		}
		e, err := deleted(c)
		if err != nil {
			return err
		}
		return outbox.Write(ctx, tx, catalog.Module, append(events, e)...)
	})
}

// unlinkProducts removes the link of every product linked to target in the
// link table, rewriting their documents with edit and emitting updated.
func unlinkProducts(ctx context.Context, tx *sqldb.Tx, table, col, target string, now time.Time, updated func(catalog.Product) (event.Event, error), edit func(*catalog.Product)) ([]event.Event, error) {
	pids, err := queryStrings(ctx, tx, `SELECT product_id FROM `+table+` WHERE `+col+` = ?`, target)
	if err != nil {
		return nil, err
	}
	var events []event.Event
	for _, pid := range pids {
		p, err := getProduct(ctx, tx, pid, "")
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		edit(&p)
		p.Version++
		p.UpdatedAt = now
		doc, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_products SET doc = ?, version = ?, updated_at = ? WHERE id = ?`, string(doc), p.Version, p.UpdatedAt, p.ID); err != nil {
			return nil, err
		}
		e, err := updated(p)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, target); err != nil {
		return nil, err
	}
	return events, nil
}

func without(list []string, v string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// ListCategories lists categories ordered by id.
func (s *Store) ListCategories(ctx context.Context, q catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error) {
	after, err := id.After(q.Cursor, "cat")
	if err != nil {
		return catalog.Page[catalog.Category]{}, err
	}
	query := `SELECT id, doc FROM catalog_categories WHERE id > ?`
	args := []any{after}
	if q.ParentID != "" {
		query += ` AND parent_id = ?`
		args = append(args, q.ParentID)
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, q.Limit+1)
	return listDocs[catalog.Category](ctx, s.DB.Primary(), query, args, q.Limit, func(c catalog.Category) string { return c.ID })
}

// AllCategories returns every category ordered by parent and position.
func (s *Store) AllCategories(ctx context.Context) ([]catalog.Category, error) {
	page, err := listDocs[catalog.Category](ctx, s.DB.Read(), `SELECT id, doc FROM catalog_categories ORDER BY position, id LIMIT ?`, []any{1_000_000}, 1_000_000, func(c catalog.Category) string { return c.ID })
	return page.Data, err
}

// InsertCollection writes a new collection and its events.
func (s *Store) InsertCollection(ctx context.Context, c catalog.Collection, events []event.Event) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		doc, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_collections (id, handle, doc, created_at) VALUES (?, ?, ?, ?)`, c.ID, c.Handle, string(doc), c.CreatedAt); err != nil {
			return err
		}
		return outbox.Write(ctx, tx, catalog.Module, events...)
	})
}

// GetCollection reads a collection by id or handle.
func (s *Store) GetCollection(ctx context.Context, idOrHandle string) (catalog.Collection, error) {
	return getCollection(ctx, s.DB.Primary(), idOrHandle)
}

func getCollection(ctx context.Context, q sqldb.Querier, idOrHandle string) (catalog.Collection, error) {
	col := "handle"
	if id.HasPrefix("col", idOrHandle) {
		col = "id"
	}
	return sqldb.GetDoc[catalog.Collection](ctx, q, notFound("collection"), `SELECT doc FROM catalog_collections WHERE `+col+` = ?`, idOrHandle)
}

// DeleteCollection deletes a collection and unlinks its products (with
// product.updated for each).
func (s *Store) DeleteCollection(ctx context.Context, cid string, now time.Time, deleted func(catalog.Collection) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		c, err := getCollection(ctx, tx, cid)
		if err != nil || c.ID != cid {
			return notFound("collection")
		}
		events, err := unlinkProducts(ctx, tx, "catalog_product_collections", "collection_id", cid, now, updated, func(p *catalog.Product) {
			p.CollectionIDs = without(p.CollectionIDs, cid)
		})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_collections WHERE id = ?`, cid); err != nil {
			return err
		}
		e, err := deleted(c)
		if err != nil {
			return err
		}
		return outbox.Write(ctx, tx, catalog.Module, append(events, e)...)
	})
}

// ListCollections lists collections ordered by id.
func (s *Store) ListCollections(ctx context.Context, q catalog.ListCollectionsQuery) (catalog.Page[catalog.Collection], error) {
	after, err := id.After(q.Cursor, "col")
	if err != nil {
		return catalog.Page[catalog.Collection]{}, err
	}
	return listDocs[catalog.Collection](ctx, s.DB.Primary(), `SELECT id, doc FROM catalog_collections WHERE id > ? ORDER BY id LIMIT ?`, []any{after, q.Limit + 1}, q.Limit, func(c catalog.Collection) string { return c.ID })
}

// ApplyStock implements catalogsvc.Store.
func (s *Store) ApplyStock(ctx context.Context, consumer, eventID, sku string, sellable bool, at time.Time) error {
	return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		first, err := outbox.MarkHandled(ctx, tx, catalog.Module, consumer, eventID)
		if err != nil || !first {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO catalog_stock (sku, sellable, changed_at) VALUES (?, ?, ?)
			ON CONFLICT (sku) DO UPDATE SET sellable = excluded.sellable, changed_at = excluded.changed_at
			WHERE catalog_stock.changed_at <= excluded.changed_at`, sku, sellable, at)
		return err
	})
}

// StockStates implements catalogsvc.Store.
func (s *Store) StockStates(ctx context.Context, skus []string) (map[string]catalogsvc.StockState, error) {
	out := map[string]catalogsvc.StockState{}
	for i := 0; i < len(skus); i += 500 {
		chunk := skus[i:min(i+500, len(skus))]
		args := make([]any, len(chunk))
		for j, v := range chunk {
			args[j] = v
		}
		rows, err := s.DB.Read().QueryContext(ctx, `SELECT sku, sellable, changed_at FROM catalog_stock WHERE sku IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var sku string
			var st catalogsvc.StockState
			if err := rows.Scan(&sku, &st.Sellable, &st.At); err != nil {
				rows.Close()
				return nil, err
			}
			out[sku] = st
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var _ catalogsvc.Store = (*Store)(nil)
