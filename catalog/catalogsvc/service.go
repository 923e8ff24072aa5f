// Package catalogsvc implements catalog.Service: validation, defaults and
// events over a private Store.
package catalogsvc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/slug"
)

// Config tunes the service.
type Config struct {
	// ImportBatch is how many products ImportProducts writes per transaction.
	ImportBatch int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{ImportBatch: 500} }

// Service implements catalog.Service.
type Service struct {
	store Store
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
}

// New returns the catalog service over store.
func New(store Store, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	if cfg.ImportBatch <= 0 {
		cfg.ImportBatch = DefaultConfig().ImportBatch
	}
	return &Service{store: store, cfg: cfg, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

func (s *Service) event(typ, subject string, data any) (event.Event, error) {
	return event.New(catalog.Module, typ, subject, data, s.now())
}

func limit(n int) int {
	if n <= 0 {
		return catalog.DefaultLimit
	}
	return min(n, catalog.MaxListLimit)
}

// buildProduct validates cmd and returns a new product (not yet stored).
func (s *Service) buildProduct(cmd catalog.CreateProductCommand, prefix string) (catalog.Product, bool, error) {
	v := &errs.Validator{}
	title := strings.TrimSpace(cmd.Title)
	text(v, prefix+"title", title, catalog.MaxTitle, true)
	text(v, prefix+"description", cmd.Description, catalog.MaxDescription, false)
	derived := cmd.Handle == ""
	h := cmd.Handle
	if derived {
		h = slug.Make(title)
		if h == "" {
			h = "product"
		}
	} else {
		handle(v, prefix+"handle", h)
	}
	status := cmd.Status
	if status == "" {
		status = catalog.Draft
	}
	if !status.Valid() {
		v.Add(prefix+"status", "must be draft, published or archived")
	}
	opts := options(v, prefix+"options", cmd.Options)
	now := s.now()
	p := catalog.Product{
		ID: id.New("prod"), Handle: h, Title: title, Description: cmd.Description, Status: status,
		CategoryIDs:   nonNil(ids(v, prefix+"category_ids", "cat", cmd.CategoryIDs, catalog.MaxCategories)),
		CollectionIDs: nonNil(ids(v, prefix+"collection_ids", "col", cmd.CollectionIDs, catalog.MaxCategories)),
		Attributes:    attributes(v, prefix+"attributes", cmd.Attributes),
		Options:       opts,
		Variants:      variants(v, prefix+"variants", cmd.Variants, opts, nil),
		Media:         media(v, prefix+"media", cmd.Media),
		Translations:  translations(v, prefix+"translations", cmd.Translations),
		Channels:      nonNil(channels(v, prefix+"channels", cmd.Channels)),
		Version:       1, CreatedAt: now, UpdatedAt: now,
	}
	return p, derived, v.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkRefs reports categories and collections that do not exist as field
// errors.
func (s *Service) checkRefs(ctx context.Context, prefix string, cats, cols []string) error {
	v := &errs.Validator{}
	missingCats, err := s.store.MissingCategories(ctx, cats)
	if err != nil {
		return err
	}
	for _, m := range missingCats {
		v.Add(prefix+"category_ids", "category %s does not exist", m)
	}
	missingCols, err := s.store.MissingCollections(ctx, cols)
	if err != nil {
		return err
	}
	for _, m := range missingCols {
		v.Add(prefix+"collection_ids", "collection %s does not exist", m)
	}
	return v.Err()
}

// CreateProduct implements catalog.Service.
func (s *Service) CreateProduct(ctx context.Context, cmd catalog.CreateProductCommand) (catalog.Product, error) {
	p, derived, err := s.buildProduct(cmd, "")
	if err != nil {
		return catalog.Product{}, err
	}
	if err := s.checkRefs(ctx, "", p.CategoryIDs, p.CollectionIDs); err != nil {
		return catalog.Product{}, err
	}
	base := p.Handle
	for attempt := 0; ; attempt++ {
		e, err := s.event(catalog.EventProductCreated, p.ID, p)
		if err != nil {
			return catalog.Product{}, err
		}
		err = s.store.InsertProducts(ctx, []catalog.Product{p}, []event.Event{e})
		if derived && errs.HasCode(err, "handle_taken") && attempt < 8 {
			p.Handle = suffixed(base, p.ID, attempt)
			continue
		}
		if err != nil {
			return catalog.Product{}, err
		}
		return p, nil
	}
}

// suffixed makes a distinct handle from base: "-2", "-3", then a piece of id.
func suffixed(base, pid string, attempt int) string {
	suffix := fmt.Sprintf("-%d", attempt+2)
	if attempt >= 3 {
		suffix = "-" + strings.ToLower(pid[len(pid)-6-attempt:len(pid)-attempt])
	}
	return withSuffix(base, suffix)
}

// withSuffix appends suffix to the handle base, shortening base to fit.
func withSuffix(base, suffix string) string {
	if len(base)+len(suffix) > slug.MaxLen {
		cut := slug.MaxLen - len(suffix)
		for cut > 0 && !utf8.RuneStart(base[cut]) { // never split a letter
			cut--
		}
		base = strings.TrimRight(base[:cut], "-")
	}
	return base + suffix
}

// GetProduct implements catalog.Service.
func (s *Service) GetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	if idOrHandle == "" || len(idOrHandle) > slug.MaxLen {
		return catalog.Product{}, errs.E(errs.NotFound, "not_found", "product not found")
	}
	return s.store.GetProduct(ctx, idOrHandle)
}

// UpdateProduct implements catalog.Service.
func (s *Service) UpdateProduct(ctx context.Context, cmd catalog.UpdateProductCommand) (catalog.Product, error) {
	// Check references before the transaction (never call out inside it).
	var cats, cols []string
	if cmd.CategoryIDs != nil {
		cats = *cmd.CategoryIDs
	}
	if cmd.CollectionIDs != nil {
		cols = *cmd.CollectionIDs
	}
	v := &errs.Validator{}
	cats = ids(v, "category_ids", "cat", cats, catalog.MaxCategories)
	cols = ids(v, "collection_ids", "col", cols, catalog.MaxCategories)
	if err := v.Err(); err != nil {
		return catalog.Product{}, err
	}
	if err := s.checkRefs(ctx, "", cats, cols); err != nil {
		return catalog.Product{}, err
	}
	return s.store.UpdateProduct(ctx, cmd.ID, func(p *catalog.Product) ([]event.Event, error) {
		if cmd.ExpectedVersion != 0 && cmd.ExpectedVersion != p.Version {
			return nil, errs.E(errs.Conflict, "version_conflict", "the product changed since version %d (now %d)", cmd.ExpectedVersion, p.Version)
		}
		v := &errs.Validator{}
		if cmd.Title != nil {
			p.Title = strings.TrimSpace(*cmd.Title)
			text(v, "title", p.Title, catalog.MaxTitle, true)
		}
		if cmd.Handle != nil {
			p.Handle = *cmd.Handle
			handle(v, "handle", p.Handle)
		}
		if cmd.Description != nil {
			p.Description = *cmd.Description
			text(v, "description", p.Description, catalog.MaxDescription, false)
		}
		if cmd.Status != nil {
			p.Status = *cmd.Status
			if !p.Status.Valid() {
				v.Add("status", "must be draft, published or archived")
			}
		}
		if cmd.CategoryIDs != nil {
			p.CategoryIDs = nonNil(cats)
		}
		if cmd.CollectionIDs != nil {
			p.CollectionIDs = nonNil(cols)
		}
		if cmd.Attributes != nil {
			p.Attributes = attributes(v, "attributes", *cmd.Attributes)
		}
		if cmd.Media != nil {
			p.Media = media(v, "media", *cmd.Media)
		}
		if cmd.Translations != nil {
			p.Translations = translations(v, "translations", *cmd.Translations)
		}
		if cmd.Channels != nil {
			p.Channels = nonNil(channels(v, "channels", *cmd.Channels))
		}
		if cmd.Options != nil || cmd.Variants != nil {
			if cmd.Options != nil {
				p.Options = options(v, "options", *cmd.Options)
			}
			existing := make(map[string]catalog.Variant, len(p.Variants))
			in := make([]catalog.VariantInput, 0, len(p.Variants))
			for _, ev := range p.Variants {
				existing[ev.ID] = ev
				manage := ev.ManageInventory
				in = append(in, catalog.VariantInput{ID: ev.ID, SKU: ev.SKU, Title: ev.Title, Options: ev.Options, Prices: ev.Prices,
					ManageInventory: &manage, AllowBackorder: ev.AllowBackorder, WeightGrams: ev.WeightGrams})
			}
			if cmd.Variants != nil {
				in = *cmd.Variants
			}
			p.Variants = variants(v, "variants", in, p.Options, existing)
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		p.Version++
		p.UpdatedAt = s.now()
		e, err := s.event(catalog.EventProductUpdated, p.ID, p)
		if err != nil {
			return nil, err
		}
		return []event.Event{e}, nil
	})
}

// DeleteProduct implements catalog.Service.
func (s *Service) DeleteProduct(ctx context.Context, pid string) error {
	_, err := s.store.UpdateProduct(ctx, pid, func(p *catalog.Product) ([]event.Event, error) {
		now := s.now()
		p.DeletedAt = &now
		p.UpdatedAt = now
		p.Version++
		e, err := s.event(catalog.EventProductDeleted, p.ID, p)
		if err != nil {
			return nil, err
		}
		return []event.Event{e}, nil
	})
	return err
}

// resolveCategory turns a category id or handle into an id; "" stays "".
func (s *Service) resolveCategory(ctx context.Context, idOrHandle string) (string, error) {
	if idOrHandle == "" {
		return "", nil
	}
	c, err := s.GetCategory(ctx, idOrHandle)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return "", errs.Validation(errs.Field("category", "no category %q", idOrHandle))
		}
		return "", err
	}
	return c.ID, nil
}

// ListProducts implements catalog.Service.
func (s *Service) ListProducts(ctx context.Context, q catalog.ListProductsQuery) (catalog.Page[catalog.Product], error) {
	if q.Status != "" && !q.Status.Valid() {
		return catalog.Page[catalog.Product]{}, errs.Validation(errs.Field("status", "must be draft, published or archived"))
	}
	if len(q.Query) > catalog.MaxTitle || len(q.SKU) > catalog.MaxSKU {
		return catalog.Page[catalog.Product]{}, errs.Validation(errs.Field("q", "is too long"))
	}
	cid, err := s.resolveCategory(ctx, q.Category)
	if err != nil {
		return catalog.Page[catalog.Product]{}, err
	}
	q.Limit = limit(q.Limit)
	return s.store.ListProducts(ctx, q, cid)
}

func storeQueryChecks(channel, currency, loc string) (string, string, error) {
	v := &errs.Validator{}
	if channel == "" {
		channel = catalog.DefaultChannel
	}
	if currency != "" {
		if err := checkCurrency(currency); err != nil {
			v.Add("currency", "is not an ISO 4217 currency code")
		}
	}
	if loc != "" {
		l, ok := locale(loc)
		if !ok {
			v.Add("locale", "is not a BCP 47 language tag")
		}
		loc = l
	}
	return channel, loc, v.Err()
}

// StoreProduct implements catalog.Service.
func (s *Service) StoreProduct(ctx context.Context, q catalog.StoreProductQuery) (catalog.StoreProduct, error) {
	channel, loc, err := storeQueryChecks(q.Channel, q.Currency, q.Locale)
	if err != nil {
		return catalog.StoreProduct{}, err
	}
	if q.IDOrHandle == "" || len(q.IDOrHandle) > slug.MaxLen {
		return catalog.StoreProduct{}, errs.E(errs.NotFound, "not_found", "product not found")
	}
	p, err := s.store.StoreGetProduct(ctx, q.IDOrHandle)
	if err != nil {
		return catalog.StoreProduct{}, err
	}
	if !Visible(p, channel) {
		return catalog.StoreProduct{}, errs.E(errs.NotFound, "not_found", "product not found")
	}
	unsellable, err := s.unsellable(ctx, skusOf(p))
	if err != nil {
		return catalog.StoreProduct{}, err
	}
	return StoreViewStock(p, q.Currency, loc, unsellable), nil
}

// StoreVersion tells when the store answers may have changed (see
// CachedStore.StoreVersion); ok is false without the cache, which alone
// knows.
func (s *Service) StoreVersion() (v uint64, ok bool) {
	if vs, is := s.store.(interface{ StoreVersion() uint64 }); is {
		return vs.StoreVersion(), true
	}
	return 0, false
}

// StoreProducts implements catalog.Service.
func (s *Service) StoreProducts(ctx context.Context, q catalog.StoreListQuery) (catalog.Page[catalog.StoreProduct], error) {
	channel, loc, err := storeQueryChecks(q.Channel, q.Currency, q.Locale)
	if err != nil {
		return catalog.Page[catalog.StoreProduct]{}, err
	}
	q.Channel = channel
	cid, err := s.resolveCategory(ctx, q.Category)
	if err != nil {
		return catalog.Page[catalog.StoreProduct]{}, err
	}
	q.Limit = limit(q.Limit)
	page, err := s.store.StoreProducts(ctx, q, cid)
	if err != nil {
		return catalog.Page[catalog.StoreProduct]{}, err
	}
	var skus []string
	for _, p := range page.Data {
		skus = append(skus, skusOf(p)...)
	}
	unsellable, err := s.unsellable(ctx, skus)
	if err != nil {
		return catalog.Page[catalog.StoreProduct]{}, err
	}
	out := catalog.Page[catalog.StoreProduct]{Data: make([]catalog.StoreProduct, len(page.Data)), NextCursor: page.NextCursor}
	for i, p := range page.Data {
		out.Data[i] = StoreViewStock(p, q.Currency, loc, unsellable)
	}
	return out, nil
}

// Visible reports whether p is shown in the store of channel.
func Visible(p catalog.Product, channel string) bool {
	if p.Status != catalog.Published || p.DeletedAt != nil {
		return false
	}
	if len(p.Channels) == 0 {
		return true
	}
	for _, c := range p.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// Translate picks the text of p for locale: the exact tag, then its base
// language ("de-CH" → "de"), then the product's own text; empty fields of a
// translation fall back too.
func Translate(title, description string, tr map[string]catalog.Translation, loc string) (string, string) {
	if loc == "" || len(tr) == 0 {
		return title, description
	}
	for _, l := range []string{loc, baseLang(loc)} {
		if t, ok := tr[l]; ok {
			if t.Title != "" {
				title = t.Title
			}
			if t.Description != "" {
				description = t.Description
			}
			return title, description
		}
	}
	return title, description
}

func baseLang(loc string) string {
	b, _, _ := strings.Cut(loc, "-")
	return b
}

func skusOf(p catalog.Product) []string {
	out := make([]string, 0, len(p.Variants))
	for _, v := range p.Variants {
		if v.SKU != "" {
			out = append(out, v.SKU)
		}
	}
	return out
}

// StoreView is StoreViewStock with every SKU buyable.
func StoreView(p catalog.Product, currency, loc string) catalog.StoreProduct {
	return StoreViewStock(p, currency, loc, nil)
}

// StoreViewStock projects a product for shoppers: translated, priced in one
// currency. A variant is available when it has a price in that currency
// and inventory has not reported its SKU as not buyable (unsellable; a SKU
// inventory never reported is buyable).
func StoreViewStock(p catalog.Product, currency, loc string, unsellable map[string]bool) catalog.StoreProduct {
	title, desc := Translate(p.Title, p.Description, p.Translations, loc)
	out := catalog.StoreProduct{
		ID: p.ID, Handle: p.Handle, Title: title, Description: desc, CategoryIDs: p.CategoryIDs,
		Attributes: p.Attributes, Options: p.Options, Media: p.Media, UpdatedAt: p.UpdatedAt, Version: p.Version,
		Variants: make([]catalog.StoreVariant, len(p.Variants)),
	}
	for i, v := range p.Variants {
		sv := catalog.StoreVariant{ID: v.ID, SKU: v.SKU, Title: v.Title, Options: v.Options}
		if currency != "" {
			if price, ok := v.Price(currency); ok {
				sv.Price = &price
				sv.Available = !unsellable[v.SKU]
			}
		}
		out.Available = out.Available || sv.Available
		out.Variants[i] = sv
	}
	return out
}
