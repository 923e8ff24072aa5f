// Package pricingsvc implements pricing.Service over a private Store, and
// the consumer that keeps the read model of catalog prices.
package pricingsvc

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
	"github.com/agoracommerce/agora/pricing"
)

// Config tunes the service.
type Config struct {
	// BaseTaxInclusive says whether catalog list prices include tax.
	BaseTaxInclusive bool
}

// DefaultConfig: catalog prices exclude tax.
func DefaultConfig() Config { return Config{} }

// ConsumerName is the durable name of the catalog-event consumer.
const ConsumerName = "pricing_catalog"

// Service implements pricing.Service.
type Service struct {
	store Store
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
}

// New returns the pricing service over store.
func New(store Store, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, cfg: cfg, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

func (s *Service) event(typ, subject string, data any) (event.Event, error) {
	return event.New(pricing.Module, typ, subject, data, s.now())
}

func limit(n int) int {
	if n <= 0 {
		return pricing.DefaultLimit
	}
	return min(n, pricing.MaxListLimit)
}

func checkName(v *errs.Validator, field, s string, required bool, max int) {
	if required && strings.TrimSpace(s) == "" {
		v.Add(field, "is required")
	}
	if len(s) > max {
		v.Add(field, "is longer than %d bytes", max)
	}
}

func checkTarget(v *errs.Validator, field, s string) {
	if s != "" && (!slug.Valid(s) || len(s) > 64) {
		v.Add(field, "must be a name of lower-case letters, digits and hyphens")
	}
}

func checkPrices(v *errs.Validator, prices []pricing.ListPrice, allowRemove bool) {
	if len(prices) > pricing.MaxPricesPerSet {
		v.Add("prices", "has more than %d entries", pricing.MaxPricesPerSet)
		return
	}
	seen := make(map[string]bool, len(prices))
	for i, p := range prices {
		f := fmt.Sprintf("prices[%d]", i)
		if !id.Valid("var", p.VariantID) {
			v.Add(f+".variant_id", "is not a var_ id")
		}
		if seen[p.VariantID] {
			v.Add(f+".variant_id", "repeats variant %s", p.VariantID)
		}
		seen[p.VariantID] = true
		if p.Amount > money.MaxAmount || p.Amount < 0 && !(allowRemove && p.Amount == -1) {
			v.Add(f+".amount", "must be between 0 and %d", int64(money.MaxAmount))
		}
	}
}

func checkWindow(v *errs.Validator, starts, ends *time.Time) {
	if starts != nil && ends != nil && !ends.After(*starts) {
		v.Add("ends_at", "must be after starts_at")
	}
}

// CreatePriceList implements pricing.Service.
func (s *Service) CreatePriceList(ctx context.Context, cmd pricing.CreatePriceListCommand) (pricing.PriceList, error) {
	v := &errs.Validator{}
	checkName(v, "name", cmd.Name, true, 200)
	if money.CheckCurrency(cmd.Currency) != nil {
		v.Add("currency", "is not an ISO 4217 currency code")
	}
	checkTarget(v, "channel", cmd.Channel)
	checkTarget(v, "customer_group", cmd.CustomerGroup)
	checkWindow(v, cmd.StartsAt, cmd.EndsAt)
	if cmd.Priority < -1000 || cmd.Priority > 1000 {
		v.Add("priority", "must be between -1000 and 1000")
	}
	checkPrices(v, cmd.Prices, false)
	if err := v.Err(); err != nil {
		return pricing.PriceList{}, err
	}
	now := s.now()
	active := true
	if cmd.Active != nil {
		active = *cmd.Active
	}
	pl := pricing.PriceList{
		ID: id.New("pl"), Name: strings.TrimSpace(cmd.Name), Currency: cmd.Currency, Channel: cmd.Channel,
		CustomerGroup: cmd.CustomerGroup, StartsAt: utc(cmd.StartsAt), EndsAt: utc(cmd.EndsAt), TaxInclusive: cmd.TaxInclusive,
		Priority: cmd.Priority, Active: active, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	e, err := s.event(pricing.EventPriceListCreated, pl.ID, pricing.PriceListCreated{PriceList: pl, Prices: cmd.Prices})
	if err != nil {
		return pricing.PriceList{}, err
	}
	if err := s.store.InsertList(ctx, pl, cmd.Prices, []event.Event{e}); err != nil {
		return pricing.PriceList{}, err
	}
	return pl, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// GetPriceList implements pricing.Service.
func (s *Service) GetPriceList(ctx context.Context, plID string) (pricing.PriceList, error) {
	if !id.HasPrefix("pl", plID) {
		return pricing.PriceList{}, errs.E(errs.NotFound, "not_found", "price list not found")
	}
	return s.store.GetList(ctx, plID)
}

// UpdatePriceList implements pricing.Service.
func (s *Service) UpdatePriceList(ctx context.Context, cmd pricing.UpdatePriceListCommand) (pricing.PriceList, error) {
	if !id.HasPrefix("pl", cmd.ID) {
		return pricing.PriceList{}, errs.E(errs.NotFound, "not_found", "price list not found")
	}
	return s.store.UpdateList(ctx, cmd.ID, func(pl *pricing.PriceList) ([]event.Event, error) {
		v := &errs.Validator{}
		if cmd.Name != nil {
			checkName(v, "name", *cmd.Name, true, 200)
			pl.Name = strings.TrimSpace(*cmd.Name)
		}
		if cmd.Channel != nil {
			checkTarget(v, "channel", *cmd.Channel)
			pl.Channel = *cmd.Channel
		}
		if cmd.CustomerGroup != nil {
			checkTarget(v, "customer_group", *cmd.CustomerGroup)
			pl.CustomerGroup = *cmd.CustomerGroup
		}
		if cmd.StartsAt != nil {
			pl.StartsAt = utc(cmd.StartsAt)
		}
		if cmd.EndsAt != nil {
			pl.EndsAt = utc(cmd.EndsAt)
		}
		if cmd.ClearStartsAt {
			pl.StartsAt = nil
		}
		if cmd.ClearEndsAt {
			pl.EndsAt = nil
		}
		checkWindow(v, pl.StartsAt, pl.EndsAt)
		if cmd.TaxInclusive != nil {
			pl.TaxInclusive = *cmd.TaxInclusive
		}
		if cmd.Priority != nil {
			if *cmd.Priority < -1000 || *cmd.Priority > 1000 {
				v.Add("priority", "must be between -1000 and 1000")
			}
			pl.Priority = *cmd.Priority
		}
		if cmd.Active != nil {
			pl.Active = *cmd.Active
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		pl.Version++
		pl.UpdatedAt = s.now()
		e, err := s.event(pricing.EventPriceListUpdated, pl.ID, pl)
		return []event.Event{e}, err
	})
}

// DeletePriceList implements pricing.Service.
func (s *Service) DeletePriceList(ctx context.Context, plID string) error {
	if !id.HasPrefix("pl", plID) {
		return errs.E(errs.NotFound, "not_found", "price list not found")
	}
	return s.store.DeleteList(ctx, plID, func(pl pricing.PriceList) ([]event.Event, error) {
		e, err := s.event(pricing.EventPriceListDeleted, pl.ID, pl)
		return []event.Event{e}, err
	})
}

// ListPriceLists implements pricing.Service.
func (s *Service) ListPriceLists(ctx context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error) {
	if q.Currency != "" && money.CheckCurrency(q.Currency) != nil {
		return pricing.Page[pricing.PriceList]{}, errs.Validation(errs.Field("currency", "is not an ISO 4217 currency code"))
	}
	q.Limit = limit(q.Limit)
	return s.store.ListLists(ctx, q)
}

// SetPrices implements pricing.Service.
func (s *Service) SetPrices(ctx context.Context, cmd pricing.SetPricesCommand) error {
	if !id.HasPrefix("pl", cmd.ListID) {
		return errs.E(errs.NotFound, "not_found", "price list not found")
	}
	v := &errs.Validator{}
	if len(cmd.Prices) == 0 {
		v.Add("prices", "is required")
	}
	checkPrices(v, cmd.Prices, true)
	if err := v.Err(); err != nil {
		return err
	}
	return s.store.SetPrices(ctx, cmd.ListID, cmd.Prices, func(pl *pricing.PriceList) ([]event.Event, error) {
		pl.Version++
		pl.UpdatedAt = s.now()
		e, err := s.event(pricing.EventPricesSet, pl.ID, pricing.PricesSet{PriceListID: pl.ID, Version: pl.Version, Prices: cmd.Prices})
		return []event.Event{e}, err
	})
}

// ListPrices implements pricing.Service.
func (s *Service) ListPrices(ctx context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error) {
	if !id.HasPrefix("pl", q.ListID) {
		return pricing.Page[pricing.ListPrice]{}, errs.E(errs.NotFound, "not_found", "price list not found")
	}
	if _, err := s.store.GetList(ctx, q.ListID); err != nil {
		return pricing.Page[pricing.ListPrice]{}, err
	}
	q.Limit = limit(q.Limit)
	return s.store.ListPrices(ctx, q)
}

// Quote implements pricing.Service.
func (s *Service) Quote(ctx context.Context, q pricing.QuoteQuery) (pricing.Quote, error) {
	v := &errs.Validator{}
	if money.CheckCurrency(q.Currency) != nil {
		v.Add("currency", "is not an ISO 4217 currency code")
	}
	checkTarget(v, "channel", q.Channel)
	checkTarget(v, "customer_group", q.CustomerGroup)
	groups := make([]string, 0, len(q.CustomerGroups)+1)
	if q.CustomerGroup != "" {
		groups = append(groups, q.CustomerGroup)
	}
	v.Check(len(q.CustomerGroups) <= pricing.MaxCustomerGroups, "customer_groups", "at most %d groups", pricing.MaxCustomerGroups)
	for i, g := range q.CustomerGroups {
		checkTarget(v, fmt.Sprintf("customer_groups[%d]", i), g)
		if g != "" {
			groups = append(groups, g)
		}
	}
	if len(q.Lines) == 0 || len(q.Lines) > pricing.MaxLines {
		v.Add("lines", "must have 1 to %d lines", pricing.MaxLines)
	}
	ids := make([]string, 0, len(q.Lines))
	for i, l := range q.Lines {
		if !id.Valid("var", l.VariantID) {
			v.Add(fmt.Sprintf("lines[%d].variant_id", i), "is not a var_ id")
		}
		if l.Quantity < 1 || l.Quantity > pricing.MaxQuantity {
			v.Add(fmt.Sprintf("lines[%d].quantity", i), "must be between 1 and %d", pricing.MaxQuantity)
		}
		ids = append(ids, l.VariantID)
	}
	if err := v.Err(); err != nil {
		return pricing.Quote{}, err
	}
	at := q.At
	if at.IsZero() {
		at = s.now()
	}
	ids = dedupe(ids)
	base, err := s.store.BaseVariants(ctx, ids)
	if err != nil {
		return pricing.Quote{}, err
	}
	cands, err := s.store.Candidates(ctx, q.Currency, q.Channel, dedupe(groups), at.UTC(), ids)
	if err != nil {
		return pricing.Quote{}, err
	}
	best := bestCandidates(cands)
	out := pricing.Quote{Currency: q.Currency, Lines: make([]pricing.PricedLine, 0, len(q.Lines)), Subtotal: money.Money{Currency: q.Currency}}
	missing := &errs.Validator{}
	unknown := &errs.Validator{}
	for i, l := range q.Lines {
		b, known := base[l.VariantID]
		c, listed := best[l.VariantID]
		if !known && !listed {
			unknown.Add(fmt.Sprintf("lines[%d].variant_id", i), "no variant %s", l.VariantID)
			continue
		}
		line := pricing.PricedLine{VariantID: l.VariantID, ProductID: b.ProductID, SKU: b.SKU, Quantity: l.Quantity}
		catalogPrice, hasCatalog := findPrice(b.Prices, q.Currency)
		switch {
		case listed:
			line.UnitPrice = money.Money{Amount: c.Amount, Currency: q.Currency}
			line.TaxInclusive = c.TaxInclusive
			line.PriceListID = c.ListID
			if hasCatalog && c.Amount < catalogPrice.Amount && c.TaxInclusive == s.cfg.BaseTaxInclusive {
				cp := catalogPrice
				line.CompareAt = &cp
			}
		case hasCatalog:
			line.UnitPrice = catalogPrice
			line.TaxInclusive = s.cfg.BaseTaxInclusive
		default:
			missing.Add(fmt.Sprintf("lines[%d].variant_id", i), "variant %s has no price in %s", l.VariantID, q.Currency)
			continue
		}
		total, err := line.UnitPrice.Mul(l.Quantity)
		if err != nil {
			return pricing.Quote{}, errs.Validation(errs.Field(fmt.Sprintf("lines[%d].quantity", i), "the line total is out of range"))
		}
		line.Total = total
		if out.Subtotal, err = out.Subtotal.Add(total); err != nil {
			return pricing.Quote{}, errs.Validation(errs.Field("lines", "the subtotal is out of range"))
		}
		out.Lines = append(out.Lines, line)
	}
	if err := unknown.Err(); err != nil {
		e := err.(*errs.Error)
		return pricing.Quote{}, &errs.Error{Kind: errs.NotFound, Code: "unknown_variant", Message: "some variants do not exist", Fields: e.Fields}
	}
	if err := missing.Err(); err != nil {
		e := err.(*errs.Error)
		return pricing.Quote{}, &errs.Error{Kind: errs.Invalid, Code: "no_price", Message: "some variants have no price in " + q.Currency, Fields: e.Fields}
	}
	return out, nil
}

func findPrice(prices []money.Money, currency string) (money.Money, bool) {
	for _, p := range prices {
		if p.Currency == currency {
			return p, true
		}
	}
	return money.Money{}, false
}

// bestCandidates picks per variant the lowest amount, then the higher
// priority, then the older list (smaller id).
func bestCandidates(cands []Candidate) map[string]Candidate {
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.VariantID != b.VariantID {
			return a.VariantID < b.VariantID
		}
		if a.Amount != b.Amount {
			return a.Amount < b.Amount
		}
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return a.ListID < b.ListID
	})
	best := make(map[string]Candidate, len(cands))
	for _, c := range cands {
		if _, ok := best[c.VariantID]; !ok {
			best[c.VariantID] = c
		}
	}
	return best
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

// HandleCatalogEvent keeps the read model of catalog prices. It is
// idempotent by event id, and an older product version never overwrites a
// newer one, so redelivered and reordered events are harmless.
func (s *Service) HandleCatalogEvent(ctx context.Context, e event.Event) error {
	switch e.Type {
	case catalog.EventProductCreated, catalog.EventProductUpdated, catalog.EventProductDeleted:
	default:
		return nil
	}
	var p catalog.Product
	if err := e.Decode(&p); err != nil {
		return err
	}
	bp := BaseProduct{ProductID: p.ID, Version: p.Version, Deleted: e.Type == catalog.EventProductDeleted || p.DeletedAt != nil}
	for _, v := range p.Variants {
		bp.Variants = append(bp.Variants, BaseVariant{VariantID: v.ID, ProductID: p.ID, SKU: v.SKU, Prices: v.Prices})
	}
	_, err := s.store.ApplyProduct(ctx, ConsumerName, e.ID, bp)
	return err
}

var _ pricing.Service = (*Service)(nil)
