package catalogsvc

import (
	"context"
	"fmt"
	"strings"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
)

func checkCurrency(c string) error { return money.CheckCurrency(c) }

func (s *Service) buildCategory(ctx context.Context, cmd catalog.CreateCategoryCommand) (catalog.Category, error) {
	v := &errs.Validator{}
	name := strings.TrimSpace(cmd.Name)
	text(v, "name", name, catalog.MaxTitle, true)
	text(v, "description", cmd.Description, catalog.MaxDescription, false)
	h := cmd.Handle
	if h == "" {
		h = slug.Make(name)
	}
	handle(v, "handle", h)
	if cmd.ParentID != "" && !id.Valid("cat", cmd.ParentID) {
		v.Add("parent_id", "is not a cat_ id")
	}
	if cmd.Position < 0 {
		v.Add("position", "must not be negative")
	}
	tr := translations(v, "translations", cmd.Translations)
	if err := v.Err(); err != nil {
		return catalog.Category{}, err
	}
	if cmd.ParentID != "" {
		anc, err := s.store.Ancestors(ctx, cmd.ParentID)
		if err != nil {
			return catalog.Category{}, err
		}
		if len(anc) == 0 {
			return catalog.Category{}, errs.Validation(errs.Field("parent_id", "category %s does not exist", cmd.ParentID))
		}
		if len(anc) >= catalog.MaxCategoryTree {
			return catalog.Category{}, errs.Validation(errs.Field("parent_id", "the tree would be deeper than %d levels", catalog.MaxCategoryTree))
		}
	}
	now := s.now()
	return catalog.Category{
		ID: id.New("cat"), Handle: h, Name: name, Description: cmd.Description, ParentID: cmd.ParentID,
		Position: cmd.Position, Translations: tr, Version: 1, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// CreateCategory implements catalog.Service.
func (s *Service) CreateCategory(ctx context.Context, cmd catalog.CreateCategoryCommand) (catalog.Category, error) {
	c, err := s.buildCategory(ctx, cmd)
	if err != nil {
		return catalog.Category{}, err
	}
	e, err := s.event(catalog.EventCategoryCreated, c.ID, c)
	if err != nil {
		return catalog.Category{}, err
	}
	if err := s.store.InsertCategory(ctx, c, []event.Event{e}); err != nil {
		return catalog.Category{}, err
	}
	return c, nil
}

// GetCategory implements catalog.Service.
func (s *Service) GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error) {
	if idOrHandle == "" || len(idOrHandle) > slug.MaxLen {
		return catalog.Category{}, errs.E(errs.NotFound, "not_found", "category not found")
	}
	return s.store.GetCategory(ctx, idOrHandle)
}

// UpdateCategory implements catalog.Service.
func (s *Service) UpdateCategory(ctx context.Context, cmd catalog.UpdateCategoryCommand) (catalog.Category, error) {
	if cmd.ParentID != nil && *cmd.ParentID != "" {
		if !id.Valid("cat", *cmd.ParentID) {
			return catalog.Category{}, errs.Validation(errs.Field("parent_id", "is not a cat_ id"))
		}
		anc, err := s.store.Ancestors(ctx, *cmd.ParentID)
		if err != nil {
			return catalog.Category{}, err
		}
		if len(anc) == 0 {
			return catalog.Category{}, errs.Validation(errs.Field("parent_id", "category %s does not exist", *cmd.ParentID))
		}
		for _, a := range anc {
			if a == cmd.ID {
				return catalog.Category{}, errs.Validation(errs.Field("parent_id", "a category cannot move under itself or its descendants"))
			}
		}
	}
	return s.store.UpdateCategory(ctx, cmd.ID, func(c *catalog.Category) ([]event.Event, error) {
		v := &errs.Validator{}
		if cmd.Name != nil {
			c.Name = strings.TrimSpace(*cmd.Name)
			text(v, "name", c.Name, catalog.MaxTitle, true)
		}
		if cmd.Handle != nil {
			c.Handle = *cmd.Handle
			handle(v, "handle", c.Handle)
		}
		if cmd.Description != nil {
			c.Description = *cmd.Description
			text(v, "description", c.Description, catalog.MaxDescription, false)
		}
		if cmd.ParentID != nil {
			c.ParentID = *cmd.ParentID
		}
		if cmd.Position != nil {
			if *cmd.Position < 0 {
				v.Add("position", "must not be negative")
			}
			c.Position = *cmd.Position
		}
		if cmd.Translations != nil {
			c.Translations = translations(v, "translations", *cmd.Translations)
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		c.Version++
		c.UpdatedAt = s.now()
		e, err := s.event(catalog.EventCategoryUpdated, c.ID, c)
		if err != nil {
			return nil, err
		}
		return []event.Event{e}, nil
	})
}

func (s *Service) productUpdated(p catalog.Product) (event.Event, error) {
	return s.event(catalog.EventProductUpdated, p.ID, p)
}

// DeleteCategory implements catalog.Service.
func (s *Service) DeleteCategory(ctx context.Context, cid string) error {
	return s.store.DeleteCategory(ctx, cid, s.now(), func(c catalog.Category) (event.Event, error) {
		return s.event(catalog.EventCategoryDeleted, c.ID, c)
	}, s.productUpdated)
}

// ListCategories implements catalog.Service.
func (s *Service) ListCategories(ctx context.Context, q catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error) {
	if q.ParentID != "" && !id.Valid("cat", q.ParentID) {
		return catalog.Page[catalog.Category]{}, errs.Validation(errs.Field("parent_id", "is not a cat_ id"))
	}
	q.Limit = limit(q.Limit)
	return s.store.ListCategories(ctx, q)
}

// CategoryTree implements catalog.Service.
func (s *Service) CategoryTree(ctx context.Context, loc string) ([]catalog.CategoryNode, error) {
	if loc != "" {
		l, ok := locale(loc)
		if !ok {
			return nil, errs.Validation(errs.Field("locale", "is not a BCP 47 language tag"))
		}
		loc = l
	}
	all, err := s.store.AllCategories(ctx)
	if err != nil {
		return nil, err
	}
	children := map[string][]catalog.Category{}
	for _, c := range all {
		children[c.ParentID] = append(children[c.ParentID], c)
	}
	var build func(parent string, depth int) []catalog.CategoryNode
	build = func(parent string, depth int) []catalog.CategoryNode {
		kids := children[parent]
		out := make([]catalog.CategoryNode, 0, len(kids))
		if depth > 64 {
			return out
		}
		for _, c := range kids {
			name, _ := Translate(c.Name, "", c.Translations, loc)
			out = append(out, catalog.CategoryNode{ID: c.ID, Handle: c.Handle, Name: name, Children: build(c.ID, depth+1)})
		}
		return out
	}
	return build("", 0), nil
}

// CreateCollection implements catalog.Service.
func (s *Service) CreateCollection(ctx context.Context, cmd catalog.CreateCollectionCommand) (catalog.Collection, error) {
	v := &errs.Validator{}
	title := strings.TrimSpace(cmd.Title)
	text(v, "title", title, catalog.MaxTitle, true)
	text(v, "description", cmd.Description, catalog.MaxDescription, false)
	h := cmd.Handle
	if h == "" {
		h = slug.Make(title)
	}
	handle(v, "handle", h)
	if err := v.Err(); err != nil {
		return catalog.Collection{}, err
	}
	now := s.now()
	c := catalog.Collection{ID: id.New("col"), Handle: h, Title: title, Description: cmd.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
	e, err := s.event(catalog.EventCollectionCreated, c.ID, c)
	if err != nil {
		return catalog.Collection{}, err
	}
	if err := s.store.InsertCollection(ctx, c, []event.Event{e}); err != nil {
		return catalog.Collection{}, err
	}
	return c, nil
}

// GetCollection implements catalog.Service.
func (s *Service) GetCollection(ctx context.Context, idOrHandle string) (catalog.Collection, error) {
	if idOrHandle == "" || len(idOrHandle) > slug.MaxLen {
		return catalog.Collection{}, errs.E(errs.NotFound, "not_found", "collection not found")
	}
	return s.store.GetCollection(ctx, idOrHandle)
}

// DeleteCollection implements catalog.Service.
func (s *Service) DeleteCollection(ctx context.Context, cid string) error {
	if !id.HasPrefix("col", cid) {
		return errs.E(errs.NotFound, "not_found", "collection not found")
	}
	return s.store.DeleteCollection(ctx, cid, s.now(), func(c catalog.Collection) (event.Event, error) {
		return s.event(catalog.EventCollectionDeleted, c.ID, c)
	}, s.productUpdated)
}

// ListCollections implements catalog.Service.
func (s *Service) ListCollections(ctx context.Context, q catalog.ListCollectionsQuery) (catalog.Page[catalog.Collection], error) {
	q.Limit = limit(q.Limit)
	return s.store.ListCollections(ctx, q)
}

// ImportProducts implements catalog.Service.
func (s *Service) ImportProducts(ctx context.Context, cmd catalog.ImportProductsCommand) (catalog.ImportResult, error) {
	res := catalog.ImportResult{}
	for start := 0; start < len(cmd.Products); start += s.cfg.ImportBatch {
		batch := cmd.Products[start:min(start+s.cfg.ImportBatch, len(cmd.Products))]
		ps := make([]catalog.Product, 0, len(batch))
		derived := make([]bool, 0, len(batch))
		var cats, cols []string
		handles := map[string]bool{}
		for i, c := range batch {
			p, d, err := s.buildProduct(c, fmt.Sprintf("products[%d].", start+i))
			if err != nil {
				return res, err
			}
			if handles[p.Handle] {
				if !d {
					return res, errs.Validation(errs.Field(fmt.Sprintf("products[%d].handle", start+i), "repeats a handle of this import"))
				}
				base := p.Handle
				for n := 2; handles[p.Handle]; n++ {
					p.Handle = withSuffix(base, fmt.Sprintf("-%d", n))
				}
			}
			handles[p.Handle] = true
			cats = append(cats, p.CategoryIDs...)
			cols = append(cols, p.CollectionIDs...)
			ps = append(ps, p)
			derived = append(derived, d)
		}
		if err := s.checkBatchRefs(ctx, start, ps, dedupe(cats), dedupe(cols)); err != nil {
			return res, err
		}
		for attempt := 0; ; attempt++ {
			events := make([]event.Event, 0, len(ps))
			for _, p := range ps {
				e, err := s.event(catalog.EventProductCreated, p.ID, p)
				if err != nil {
					return res, err
				}
				events = append(events, e)
			}
			err := s.store.InsertProducts(ctx, ps, events)
			if errs.HasCode(err, "handle_taken") && attempt < 3 {
				// Derived handles taken by products stored before get
				// a suffix, as CreateProduct does.
				changed, rerr := s.resuffix(ctx, ps, derived, handles)
				if rerr != nil {
					return res, rerr
				}
				if changed {
					continue
				}
			}
			if err != nil {
				return res, err
			}
			break
		}
		res.Created += len(ps)
		for _, p := range ps {
			res.IDs = append(res.IDs, p.ID)
		}
	}
	return res, nil
}

// checkBatchRefs reports the categories and collections of an import batch
// that do not exist, naming the products by their index.
func (s *Service) checkBatchRefs(ctx context.Context, start int, ps []catalog.Product, cats, cols []string) error {
	missingCats, err := s.store.MissingCategories(ctx, cats)
	if err != nil {
		return err
	}
	missingCols, err := s.store.MissingCollections(ctx, cols)
	if err != nil {
		return err
	}
	if len(missingCats)+len(missingCols) == 0 {
		return nil
	}
	mc, ml := map[string]bool{}, map[string]bool{}
	for _, m := range missingCats {
		mc[m] = true
	}
	for _, m := range missingCols {
		ml[m] = true
	}
	v := &errs.Validator{}
	for i, p := range ps {
		for _, c := range p.CategoryIDs {
			if mc[c] {
				v.Add(fmt.Sprintf("products[%d].category_ids", start+i), "category %s does not exist", c)
			}
		}
		for _, c := range p.CollectionIDs {
			if ml[c] {
				v.Add(fmt.Sprintf("products[%d].collection_ids", start+i), "collection %s does not exist", c)
			}
		}
	}
	return v.Err()
}

// resuffix gives the products with derived handles that stored products
// hold a numbered handle that is free; it reports whether it changed any.
func (s *Service) resuffix(ctx context.Context, ps []catalog.Product, derived []bool, handles map[string]bool) (bool, error) {
	taken := func(h string) (bool, error) {
		if handles[h] {
			return true, nil
		}
		_, err := s.store.GetProduct(ctx, h)
		if errs.Is(err, errs.NotFound) {
			return false, nil
		}
		return err == nil, err
	}
	changed := false
	for i := range ps {
		if !derived[i] {
			continue
		}
		if _, err := s.store.GetProduct(ctx, ps[i].Handle); errs.Is(err, errs.NotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		base := ps[i].Handle
		for n := 2; ; n++ {
			h := withSuffix(base, fmt.Sprintf("-%d", n))
			if n > 100 {
				h = withSuffix(base, "-"+strings.ToLower(ps[i].ID[len(ps[i].ID)-10:]))
			}
			t, err := taken(h)
			if err != nil {
				return false, err
			}
			if !t || n > 100 {
				ps[i].Handle = h
				handles[h] = true
				changed = true
				break
			}
		}
	}
	return changed, nil
}

func dedupe(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

var _ catalog.Service = (*Service)(nil)
