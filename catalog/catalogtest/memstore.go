// Package catalogtest is the catalog's test kit: an in-memory store and
// fake service (NewMemStore, NewFake), the contract suite that every
// implementation of catalog.Service must pass (TestService), and helpers
// that open the test databases of the store tests (SQLite, PostgreSQL).
//
// Other modules use NewFake in their tests instead of a real catalog.
package catalogtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/id"
)

// MemStore is an in-memory catalogsvc.Store. It keeps the contract of the
// SQL store: every write is atomic (all or nothing, under one lock) and
// records its events; product handles are unique among products that are
// not deleted, SKUs among variants of products that are not deleted,
// category and collection handles globally. Values are stored and returned
// as deep copies (through JSON, like the SQL store's documents), so a
// caller can never change what the store holds.
//
// It is safe for concurrent use.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu          sync.Mutex
	products    map[string]catalog.Product // by id, deleted ones included
	handles     map[string]string          // handle → id of a product not deleted
	skus        map[string]string          // SKU → id of a product not deleted
	categories  map[string]catalog.Category
	catHandles  map[string]string
	collections map[string]catalog.Collection
	colHandles  map[string]string
	stock       map[string]stockState // SKU → what inventory last said
	handled     map[string]bool       // consumer + event id
}

// NewMemStore returns an empty in-memory store.
func NewMemStore() *MemStore {
	return &MemStore{
		products:    map[string]catalog.Product{},
		handles:     map[string]string{},
		skus:        map[string]string{},
		categories:  map[string]catalog.Category{},
		catHandles:  map[string]string{},
		collections: map[string]catalog.Collection{},
		colHandles:  map[string]string{},
	}
}

// clone deep-copies v the way the SQL store does: through its JSON document.
func clone[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("catalogtest: encode %T: %v", v, err))
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("catalogtest: decode %T: %v", v, err))
	}
	return out
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

func handleTaken(what string) error {
	return errs.E(errs.Conflict, "handle_taken", "a %s with this handle exists", what)
}

func skuTaken() error { return errs.E(errs.Conflict, "sku_taken", "a variant with this SKU exists") }

// checkProduct reports a unique violation of p against the indexes, not
// counting the product with p's id itself, nor the handles and SKUs in
// taken (those of earlier products of the same batch).
func (s *MemStore) checkProduct(p catalog.Product, taken map[string]bool) error {
	if p.DeletedAt != nil {
		return nil
	}
	if other, ok := s.handles[p.Handle]; (ok && other != p.ID) || taken["h:"+p.Handle] {
		return handleTaken("product")
	}
	seen := map[string]bool{}
	for _, v := range p.Variants {
		if v.SKU == "" {
			continue
		}
		if other, ok := s.skus[v.SKU]; (ok && other != p.ID) || taken["s:"+v.SKU] || seen[v.SKU] {
			return skuTaken()
		}
		seen[v.SKU] = true
	}
	return nil
}

// index adds (or, with add false, removes) the handle and SKUs of p.
func (s *MemStore) index(p catalog.Product, add bool) {
	if p.DeletedAt != nil {
		return
	}
	if add {
		s.handles[p.Handle] = p.ID
	} else if s.handles[p.Handle] == p.ID {
		delete(s.handles, p.Handle)
	}
	for _, v := range p.Variants {
		if v.SKU == "" {
			continue
		}
		if add {
			s.skus[v.SKU] = p.ID
		} else if s.skus[v.SKU] == p.ID {
			delete(s.skus, v.SKU)
		}
	}
}

// InsertProducts implements catalogsvc.Store.
func (s *MemStore) InsertProducts(ctx context.Context, ps []catalog.Product, events []event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := map[string]bool{}
	for _, p := range ps {
		if _, ok := s.products[p.ID]; ok {
			return errs.E(errs.Conflict, "conflict", "the change conflicts with existing data")
		}
		if err := s.checkProduct(p, taken); err != nil {
			return err
		}
		if p.DeletedAt == nil {
			taken["h:"+p.Handle] = true
			for _, v := range p.Variants {
				if v.SKU != "" {
					taken["s:"+v.SKU] = true
				}
			}
		}
	}
	for _, p := range ps {
		p = clone(p)
		s.products[p.ID] = p
		s.index(p, true)
	}
	s.Record(events...)
	return nil
}

// get returns the product with id or handle that is not deleted.
func (s *MemStore) get(idOrHandle string) (catalog.Product, bool) {
	pid := idOrHandle
	if !id.HasPrefix("prod", idOrHandle) {
		var ok bool
		if pid, ok = s.handles[idOrHandle]; !ok {
			return catalog.Product{}, false
		}
	}
	p, ok := s.products[pid]
	if !ok || p.DeletedAt != nil {
		return catalog.Product{}, false
	}
	return p, true
}

// GetProduct implements catalogsvc.Store.
func (s *MemStore) GetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.get(idOrHandle)
	if !ok {
		return catalog.Product{}, notFound("product")
	}
	return clone(p), nil
}

// ApplyStock implements catalogsvc.Store.
func (s *MemStore) ApplyStock(_ context.Context, consumer, eventID, sku string, sellable bool, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stock == nil {
		s.stock = map[string]stockState{}
		s.handled = map[string]bool{}
	}
	key := consumer + "\x00" + eventID
	if s.handled[key] {
		return nil
	}
	s.handled[key] = true
	if have, ok := s.stock[sku]; ok && have.at.After(at) {
		return nil
	}
	s.stock[sku] = stockState{sellable: sellable, at: at}
	return nil
}

// StockStates implements catalogsvc.Store.
func (s *MemStore) StockStates(_ context.Context, skus []string) (map[string]catalogsvc.StockState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]catalogsvc.StockState{}
	for _, sku := range skus {
		if st, ok := s.stock[sku]; ok {
			out[sku] = catalogsvc.StockState{Sellable: st.sellable, At: st.at}
		}
	}
	return out, nil
}

type stockState struct {
	sellable bool
	at       time.Time
}

// StoreGetProduct implements catalogsvc.Store.
func (s *MemStore) StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	return s.GetProduct(ctx, idOrHandle)
}

// UpdateProduct implements catalogsvc.Store. fn runs under the store's lock
// (it must not call the store).
func (s *MemStore) UpdateProduct(ctx context.Context, pid string, fn func(*catalog.Product) ([]event.Event, error)) (catalog.Product, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !id.HasPrefix("prod", pid) {
		return catalog.Product{}, notFound("product")
	}
	old, ok := s.get(pid)
	if !ok {
		return catalog.Product{}, notFound("product")
	}
	p := clone(old)
	events, err := fn(&p)
	if err != nil {
		return catalog.Product{}, err
	}
	p.ID = old.ID
	if err := s.checkProduct(p, nil); err != nil {
		return catalog.Product{}, err
	}
	p = clone(p)
	s.index(old, false)
	s.products[p.ID] = p
	s.index(p, true)
	s.Record(events...)
	return clone(p), nil
}

// descendants returns the ids of the category cid and of every category
// under it (64 levels at most, like the SQL store).
func (s *MemStore) descendants(cid string) map[string]bool {
	out := map[string]bool{}
	if _, ok := s.categories[cid]; !ok {
		return out
	}
	out[cid] = true
	level := []string{cid}
	for depth := 0; depth < 64 && len(level) > 0; depth++ {
		var next []string
		for _, c := range s.categories {
			if c.ParentID != "" && slices.Contains(level, c.ParentID) && !out[c.ID] {
				out[c.ID] = true
				next = append(next, c.ID)
			}
		}
		level = next
	}
	return out
}

func inAny(ids []string, set map[string]bool) bool {
	for _, v := range ids {
		if set[v] {
			return true
		}
	}
	return false
}

// page sorts ps newest first (by id), skips those up to the cursor and
// returns at most limit of them.
func page[T any](all []T, idOf func(T) string, after string, desc bool, limit int) catalog.Page[T] {
	slices.SortFunc(all, func(a, b T) int {
		if desc {
			return strings.Compare(idOf(b), idOf(a))
		}
		return strings.Compare(idOf(a), idOf(b))
	})
	out := catalog.Page[T]{Data: make([]T, 0, min(limit, len(all)))}
	for _, v := range all {
		if after != "" && ((desc && idOf(v) >= after) || (!desc && idOf(v) <= after)) {
			continue
		}
		if len(out.Data) == limit {
			out.NextCursor = id.Cursor(idOf(out.Data[limit-1]))
			break
		}
		out.Data = append(out.Data, clone(v))
	}
	return out
}

func productID(p catalog.Product) string { return p.ID }

// ListProducts implements catalogsvc.Store.
func (s *MemStore) ListProducts(ctx context.Context, q catalog.ListProductsQuery, categoryID string) (catalog.Page[catalog.Product], error) {
	after, err := id.After(q.Cursor, "prod")
	if err != nil {
		return catalog.Page[catalog.Product]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cats map[string]bool
	if categoryID != "" {
		cats = s.descendants(categoryID)
	}
	query := strings.ToLower(q.Query)
	var all []catalog.Product
	for _, p := range s.products {
		deleted := p.DeletedAt != nil
		switch {
		case deleted != q.Deleted,
			q.Status != "" && p.Status != q.Status,
			query != "" && !strings.Contains(strings.ToLower(p.Title), query),
			// Like the SQL store, a deleted product has no SKUs or
			// category links left to match.
			q.SKU != "" && (deleted || !slices.ContainsFunc(p.Variants, func(v catalog.Variant) bool { return v.SKU == q.SKU })),
			cats != nil && (deleted || !inAny(p.CategoryIDs, cats)):
			continue
		}
		all = append(all, p)
	}
	return page(all, productID, after, true, q.Limit), nil
}

// StoreProducts implements catalogsvc.Store.
func (s *MemStore) StoreProducts(ctx context.Context, q catalog.StoreListQuery, categoryID string) (catalog.Page[catalog.Product], error) {
	after, err := id.After(q.Cursor, "prod")
	if err != nil {
		return catalog.Page[catalog.Product]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cats map[string]bool
	if categoryID != "" {
		cats = s.descendants(categoryID)
	}
	var all []catalog.Product
	for _, p := range s.products {
		if p.Status != catalog.Published || p.DeletedAt != nil ||
			(len(p.Channels) > 0 && !slices.Contains(p.Channels, q.Channel)) ||
			(cats != nil && !inAny(p.CategoryIDs, cats)) {
			continue
		}
		all = append(all, p)
	}
	return page(all, productID, after, true, q.Limit), nil
}

// MissingCategories implements catalogsvc.Store.
func (s *MemStore) MissingCategories(ctx context.Context, ids []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range ids {
		if _, ok := s.categories[v]; !ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// MissingCollections implements catalogsvc.Store.
func (s *MemStore) MissingCollections(ctx context.Context, ids []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range ids {
		if _, ok := s.collections[v]; !ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// InsertCategory implements catalogsvc.Store.
func (s *MemStore) InsertCategory(ctx context.Context, c catalog.Category, events []event.Event) error {
	return s.InsertCategories(ctx, []catalog.Category{c}, events)
}

// InsertCategories implements catalogsvc.Store.
func (s *MemStore) InsertCategories(ctx context.Context, cs []catalog.Category, events []event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	handles := map[string]bool{}
	ids := map[string]bool{}
	for _, c := range cs {
		if _, ok := s.categories[c.ID]; ok || ids[c.ID] {
			return errs.E(errs.Conflict, "conflict", "the change conflicts with existing data")
		}
		if _, ok := s.catHandles[c.Handle]; ok || handles[c.Handle] {
			return handleTaken("category")
		}
		handles[c.Handle], ids[c.ID] = true, true
	}
	for _, c := range cs {
		c = clone(c)
		s.categories[c.ID] = c
		s.catHandles[c.Handle] = c.ID
	}
	s.Record(events...)
	return nil
}

func (s *MemStore) getCategory(idOrHandle string) (catalog.Category, bool) {
	cid := idOrHandle
	if !id.HasPrefix("cat", idOrHandle) {
		var ok bool
		if cid, ok = s.catHandles[idOrHandle]; !ok {
			return catalog.Category{}, false
		}
	}
	c, ok := s.categories[cid]
	return c, ok
}

// GetCategory implements catalogsvc.Store.
func (s *MemStore) GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.getCategory(idOrHandle)
	if !ok {
		return catalog.Category{}, notFound("category")
	}
	return clone(c), nil
}

// Ancestors implements catalogsvc.Store: the ids from cid up to its root,
// cid first; none when cid is not a category.
func (s *MemStore) Ancestors(ctx context.Context, cid string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for depth := 0; depth <= 64; depth++ {
		c, ok := s.categories[cid]
		if !ok {
			break
		}
		out = append(out, c.ID)
		if c.ParentID == "" {
			break
		}
		cid = c.ParentID
	}
	return out, nil
}

// UpdateCategory implements catalogsvc.Store.
func (s *MemStore) UpdateCategory(ctx context.Context, cid string, fn func(*catalog.Category) ([]event.Event, error)) (catalog.Category, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.categories[cid]
	if !id.HasPrefix("cat", cid) || !ok {
		return catalog.Category{}, notFound("category")
	}
	c := clone(old)
	events, err := fn(&c)
	if err != nil {
		return catalog.Category{}, err
	}
	c.ID = old.ID
	if other, ok := s.catHandles[c.Handle]; ok && other != c.ID {
		return catalog.Category{}, handleTaken("category")
	}
	c = clone(c)
	delete(s.catHandles, old.Handle)
	s.categories[c.ID] = c
	s.catHandles[c.Handle] = c.ID
	s.Record(events...)
	return clone(c), nil
}

// unlink prepares the products (not deleted) that edit changes, with their
// version bumped and their product.updated events; nothing is stored yet.
func (s *MemStore) unlink(now time.Time, linked func(catalog.Product) bool, edit func(*catalog.Product), updated func(catalog.Product) (event.Event, error)) ([]catalog.Product, []event.Event, error) {
	var ps []catalog.Product
	var events []event.Event
	ids := make([]string, 0)
	for pid, p := range s.products {
		if p.DeletedAt == nil && linked(p) {
			ids = append(ids, pid)
		}
	}
	slices.Sort(ids)
	for _, pid := range ids {
		p := clone(s.products[pid])
		edit(&p)
		p.Version++
		p.UpdatedAt = now
		e, err := updated(p)
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, p)
		events = append(events, e)
	}
	return ps, events, nil
}

// DeleteCategory implements catalogsvc.Store.
func (s *MemStore) DeleteCategory(ctx context.Context, cid string, now time.Time, deleted func(catalog.Category) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.categories[cid]
	if !id.HasPrefix("cat", cid) || !ok {
		return notFound("category")
	}
	n := 0
	for _, o := range s.categories {
		if o.ParentID == cid {
			n++
		}
	}
	if n > 0 {
		return errs.E(errs.Conflict, "category_has_children", "the category has %d sub-categories; move or delete them first", n)
	}
	ps, events, err := s.unlink(now,
		func(p catalog.Product) bool { return slices.Contains(p.CategoryIDs, cid) },
		func(p *catalog.Product) { p.CategoryIDs = without(p.CategoryIDs, cid) }, updated)
	if err != nil {
		return err
	}
	e, err := deleted(clone(c))
	if err != nil {
		return err
	}
	for _, p := range ps {
		s.products[p.ID] = p
	}
	delete(s.categories, cid)
	delete(s.catHandles, c.Handle)
	s.Record(events...)
	s.Record(e)
	return nil
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

// ListCategories implements catalogsvc.Store.
func (s *MemStore) ListCategories(ctx context.Context, q catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error) {
	after, err := id.After(q.Cursor, "cat")
	if err != nil {
		return catalog.Page[catalog.Category]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []catalog.Category
	for _, c := range s.categories {
		if q.ParentID == "" || c.ParentID == q.ParentID {
			all = append(all, c)
		}
	}
	return page(all, func(c catalog.Category) string { return c.ID }, after, false, q.Limit), nil
}

// AllCategories implements catalogsvc.Store: every category, ordered by
// position, then id.
func (s *MemStore) AllCategories(ctx context.Context) ([]catalog.Category, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]catalog.Category, 0, len(s.categories))
	for _, c := range s.categories {
		out = append(out, clone(c))
	}
	slices.SortFunc(out, func(a, b catalog.Category) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// InsertCollection implements catalogsvc.Store.
func (s *MemStore) InsertCollection(ctx context.Context, c catalog.Collection, events []event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.collections[c.ID]; ok {
		return errs.E(errs.Conflict, "conflict", "the change conflicts with existing data")
	}
	if _, ok := s.colHandles[c.Handle]; ok {
		return handleTaken("collection")
	}
	c = clone(c)
	s.collections[c.ID] = c
	s.colHandles[c.Handle] = c.ID
	s.Record(events...)
	return nil
}

func (s *MemStore) getCollection(idOrHandle string) (catalog.Collection, bool) {
	cid := idOrHandle
	if !id.HasPrefix("col", idOrHandle) {
		var ok bool
		if cid, ok = s.colHandles[idOrHandle]; !ok {
			return catalog.Collection{}, false
		}
	}
	c, ok := s.collections[cid]
	return c, ok
}

// GetCollection implements catalogsvc.Store.
func (s *MemStore) GetCollection(ctx context.Context, idOrHandle string) (catalog.Collection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.getCollection(idOrHandle)
	if !ok {
		return catalog.Collection{}, notFound("collection")
	}
	return clone(c), nil
}

// DeleteCollection implements catalogsvc.Store.
func (s *MemStore) DeleteCollection(ctx context.Context, cid string, now time.Time, deleted func(catalog.Collection) (event.Event, error), updated func(catalog.Product) (event.Event, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.collections[cid]
	if !ok {
		return notFound("collection")
	}
	ps, events, err := s.unlink(now,
		func(p catalog.Product) bool { return slices.Contains(p.CollectionIDs, cid) },
		func(p *catalog.Product) { p.CollectionIDs = without(p.CollectionIDs, cid) }, updated)
	if err != nil {
		return err
	}
	e, err := deleted(clone(c))
	if err != nil {
		return err
	}
	for _, p := range ps {
		s.products[p.ID] = p
	}
	delete(s.collections, cid)
	delete(s.colHandles, c.Handle)
	s.Record(events...)
	s.Record(e)
	return nil
}

// ListCollections implements catalogsvc.Store.
func (s *MemStore) ListCollections(ctx context.Context, q catalog.ListCollectionsQuery) (catalog.Page[catalog.Collection], error) {
	after, err := id.After(q.Cursor, "col")
	if err != nil {
		return catalog.Page[catalog.Collection]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]catalog.Collection, 0, len(s.collections))
	for _, c := range s.collections {
		all = append(all, c)
	}
	return page(all, func(c catalog.Collection) string { return c.ID }, after, false, q.Limit), nil
}

var _ catalogsvc.Store = (*MemStore)(nil)
