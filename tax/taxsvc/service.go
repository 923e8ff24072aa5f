// Package taxsvc implements tax.Service: validation, rate resolution, the
// calculation and events over a private Store.
package taxsvc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/tax"
)

// IDPrefix is the prefix of region ids.
const IDPrefix = "txr"

// Config tunes the service. It has nothing to tune yet.
type Config struct{}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{} }

// Service implements tax.Service.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the tax service over store.
func New(store Store, _ Config, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

func (s *Service) event(typ, subject string, data any) ([]event.Event, error) {
	e, err := event.New(tax.Module, typ, subject, data, s.now())
	if err != nil {
		return nil, err
	}
	return []event.Event{e}, nil
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

// CreateRegion implements tax.Service.
func (s *Service) CreateRegion(ctx context.Context, cmd tax.CreateRegionCommand) (tax.Region, error) {
	v := &errs.Validator{}
	now := s.now()
	r := tax.Region{ID: id.New(IDPrefix), Name: strings.TrimSpace(cmd.Name), Country: cmd.Country, Subdivision: cmd.Subdivision,
		PostalPrefix: cmd.PostalPrefix, Version: 1, CreatedAt: now, UpdatedAt: now}
	scope(v, &r)
	text(v, "name", r.Name, tax.MaxName)
	r.Rates = rates(v, cmd.Rates)
	if err := v.Err(); err != nil {
		return tax.Region{}, err
	}
	if r.Name == "" {
		r.Name = defaultName(r)
	}
	evs, err := s.event(tax.EventRegionCreated, r.ID, r)
	if err != nil {
		return tax.Region{}, err
	}
	if err := s.store.InsertRegion(ctx, r, evs); err != nil {
		return tax.Region{}, err
	}
	return r, nil
}

// GetRegion implements tax.Service.
func (s *Service) GetRegion(ctx context.Context, rid string) (tax.Region, error) {
	if !id.Valid(IDPrefix, rid) {
		return tax.Region{}, notFound("tax region")
	}
	return s.store.GetRegion(ctx, rid)
}

// UpdateRegion implements tax.Service.
func (s *Service) UpdateRegion(ctx context.Context, cmd tax.UpdateRegionCommand) (tax.Region, error) {
	if !id.Valid(IDPrefix, cmd.ID) {
		return tax.Region{}, notFound("tax region")
	}
	v := &errs.Validator{}
	var rs []tax.Rate
	if cmd.Rates != nil {
		rs = rates(v, *cmd.Rates)
	}
	if cmd.Name != nil {
		text(v, "name", strings.TrimSpace(*cmd.Name), tax.MaxName)
	}
	if err := v.Err(); err != nil {
		return tax.Region{}, err
	}
	return s.store.UpdateRegion(ctx, cmd.ID, func(r *tax.Region) ([]event.Event, error) {
		if cmd.ExpectedVersion != 0 && cmd.ExpectedVersion != r.Version {
			return nil, errs.E(errs.Conflict, "version_conflict", "the tax region changed since version %d (now %d)", cmd.ExpectedVersion, r.Version)
		}
		if cmd.Country != nil {
			r.Country = *cmd.Country
		}
		if cmd.Subdivision != nil {
			r.Subdivision = *cmd.Subdivision
		}
		if cmd.PostalPrefix != nil {
			r.PostalPrefix = *cmd.PostalPrefix
		}
		v := &errs.Validator{}
		scope(v, r)
		if err := v.Err(); err != nil {
			return nil, err
		}
		if cmd.Name != nil {
			r.Name = strings.TrimSpace(*cmd.Name)
			if r.Name == "" {
				r.Name = defaultName(*r)
			}
		}
		if cmd.Rates != nil {
			r.Rates = rs
		}
		r.Version++
		r.UpdatedAt = s.now()
		return s.event(tax.EventRegionUpdated, r.ID, *r)
	})
}

// DeleteRegion implements tax.Service.
func (s *Service) DeleteRegion(ctx context.Context, rid string) error {
	if !id.Valid(IDPrefix, rid) {
		return notFound("tax region")
	}
	return s.store.DeleteRegion(ctx, rid, func(r tax.Region) ([]event.Event, error) {
		return s.event(tax.EventRegionDeleted, r.ID, r)
	})
}

// ListRegions implements tax.Service.
func (s *Service) ListRegions(ctx context.Context, q tax.ListRegionsQuery) (tax.Page[tax.Region], error) {
	if q.Country != "" && !ValidCountry(q.Country) {
		return tax.Page[tax.Region]{}, errs.Validation(errs.Field("country", "must be an ISO 3166-1 alpha-2 country code in upper case"))
	}
	if q.Limit <= 0 {
		q.Limit = tax.DefaultLimit
	}
	q.Limit = min(q.Limit, tax.MaxListLimit)
	return s.store.ListRegions(ctx, q)
}

// standard is the built-in class.
var standard = tax.Class{Code: tax.StandardClass, Name: "Standard"}

// CreateClass implements tax.Service.
func (s *Service) CreateClass(ctx context.Context, cmd tax.CreateClassCommand) (tax.Class, error) {
	v := &errs.Validator{}
	v.Check(classCode(cmd.Code), "code", "must be 1 to %d lower-case letters, digits, - and _", tax.MaxClassCode)
	name := strings.TrimSpace(cmd.Name)
	text(v, "name", name, tax.MaxName)
	if err := v.Err(); err != nil {
		return tax.Class{}, err
	}
	if cmd.Code == tax.StandardClass {
		return tax.Class{}, errs.E(errs.Conflict, "class_exists", "the tax class %s exists", cmd.Code)
	}
	if name == "" {
		name = cmd.Code
	}
	c := tax.Class{Code: cmd.Code, Name: name, CreatedAt: s.now()}
	evs, err := s.event(tax.EventClassCreated, c.Code, c)
	if err != nil {
		return tax.Class{}, err
	}
	if err := s.store.InsertClass(ctx, c, evs); err != nil {
		return tax.Class{}, err
	}
	return c, nil
}

// ListClasses implements tax.Service.
func (s *Service) ListClasses(ctx context.Context) ([]tax.Class, error) {
	cs, err := s.store.Classes(ctx)
	if err != nil {
		return nil, err
	}
	return append([]tax.Class{standard}, cs...), nil
}

// DeleteClass implements tax.Service.
func (s *Service) DeleteClass(ctx context.Context, code string) error {
	if code == tax.StandardClass {
		return errs.E(errs.Conflict, "class_builtin", "the standard tax class cannot be deleted")
	}
	if !classCode(code) {
		return notFound("tax class")
	}
	return s.store.DeleteClass(ctx, code, func(c tax.Class) ([]event.Event, error) {
		return s.event(tax.EventClassDeleted, c.Code, c)
	})
}

// Resolve returns the region of regions (all of one country) that applies
// to an address: the most specific match (longest postal prefix, then a
// subdivision over none), or false when none matches. subdivision and
// postalCode must be normalized as the regions are.
func Resolve(regions []tax.Region, subdivision, postalCode string) (tax.Region, bool) {
	var best tax.Region
	found := false
	for _, r := range regions {
		if r.Subdivision != "" && r.Subdivision != subdivision {
			continue
		}
		if !strings.HasPrefix(postalCode, r.PostalPrefix) {
			continue
		}
		if !found || moreSpecific(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

func moreSpecific(a, b tax.Region) bool {
	if len(a.PostalPrefix) != len(b.PostalPrefix) {
		return len(a.PostalPrefix) > len(b.PostalPrefix)
	}
	if (a.Subdivision != "") != (b.Subdivision != "") {
		return a.Subdivision != ""
	}
	return a.ID < b.ID
}

// RateOf is the rate of class in r: its own, else r's standard rate, else 0.
func RateOf(r tax.Region, class string) int64 {
	std := int64(0)
	for _, rt := range r.Rates {
		if rt.TaxClass == class {
			return rt.PPM
		}
		if rt.TaxClass == tax.StandardClass {
			std = rt.PPM
		}
	}
	return std
}

// Calculate implements tax.Service.
func (s *Service) Calculate(ctx context.Context, q tax.CalculateQuery) (tax.Calculation, error) {
	v := &errs.Validator{}
	v.Check(ValidCountry(q.Country), "country", "must be an ISO 3166-1 alpha-2 country code in upper case")
	v.Check(money.CheckCurrency(q.Currency) == nil, "currency", "must be an ISO 4217 currency code in upper case")
	var sub, pc string
	if ValidCountry(q.Country) {
		var ok bool
		sub, ok = address.Subdivision(q.Country, q.Subdivision)
		v.Check(ok, "subdivision", "must be an ISO 3166-2 code of %s, or its part after the hyphen", q.Country)
	}
	pc, ok := postal(q.PostalCode, tax.MaxPostalCode)
	v.Check(ok, "postal_code", "must be at most %d letters and digits (spaces and hyphens are ignored)", tax.MaxPostalCode)
	if len(q.Lines) > tax.MaxLines {
		v.Add("lines", "has more than %d lines", tax.MaxLines)
	}
	checkLine := func(f string, l tax.Line) {
		if l.TaxClass != "" && !classCode(l.TaxClass) {
			v.Add(f+".tax_class", "must be a tax class code")
		}
		text(v, f+".ref", l.Ref, tax.MaxRef)
		if err := money.Validate(l.Amount, false); err != nil {
			v.Add(f+".amount", "%s", err.Error())
		} else if q.Currency != "" && l.Amount.Currency != q.Currency {
			v.Add(f+".amount.currency", "must be %s, the currency of the calculation", q.Currency)
		}
	}
	for i, l := range q.Lines {
		if i >= tax.MaxLines {
			break
		}
		checkLine(fmt.Sprintf("lines[%d]", i), l)
	}
	if q.Shipping != nil {
		checkLine("shipping", *q.Shipping)
	}
	if err := v.Err(); err != nil {
		return tax.Calculation{}, err
	}

	regions, err := s.store.CountryRegions(ctx, q.Country)
	if err != nil {
		return tax.Calculation{}, err
	}
	region, found := Resolve(regions, sub, pc)
	out := tax.Calculation{Currency: q.Currency, Lines: make([]tax.LineTax, 0, len(q.Lines))}
	zero := money.Money{Currency: q.Currency}
	out.Totals = tax.Totals{Net: zero, Tax: zero, Gross: zero}
	one := func(l tax.Line) (tax.LineTax, error) {
		class := l.TaxClass
		if class == "" {
			class = tax.StandardClass
		}
		lt := tax.LineTax{Ref: l.Ref, TaxClass: class, TaxInclusive: l.TaxInclusive}
		if found {
			lt.RegionID = region.ID
			lt.RatePPM = RateOf(region, class)
		}
		lt.Rate = FormatRate(lt.RatePPM)
		net, t, gross, err := Split(l.Amount.Amount, lt.RatePPM, l.TaxInclusive)
		if err != nil {
			return lt, err
		}
		lt.Net, lt.Tax, lt.Gross = money.Money{Amount: net, Currency: q.Currency}, money.Money{Amount: t, Currency: q.Currency}, money.Money{Amount: gross, Currency: q.Currency}
		out.Totals.Net.Amount += net // at most 1001 lines of ≤ 2×10^15: no overflow
		out.Totals.Tax.Amount += t
		out.Totals.Gross.Amount += gross
		return lt, nil
	}
	for _, l := range q.Lines {
		lt, err := one(l)
		if err != nil {
			return tax.Calculation{}, errs.Wrap(err, errs.Internal, "", "tax calculation failed")
		}
		out.Lines = append(out.Lines, lt)
	}
	if q.Shipping != nil {
		sh := *q.Shipping
		if sh.Ref == "" {
			sh.Ref = "shipping"
		}
		lt, err := one(sh)
		if err != nil {
			return tax.Calculation{}, errs.Wrap(err, errs.Internal, "", "tax calculation failed")
		}
		out.Shipping = &lt
	}
	return out, nil
}

var _ tax.Service = (*Service)(nil)
