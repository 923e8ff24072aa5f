// Package shippingsvc implements shipping.Service: validation, rates,
// quotes and events over a private Store.
package shippingsvc

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/shipping"
)

// Id prefixes.
const (
	ZonePrefix   = "shz"
	OptionPrefix = "sho"
)

// Config tunes the service. It has nothing to tune yet.
type Config struct{}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{} }

// Service implements shipping.Service.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the shipping service over store.
func New(store Store, _ Config, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

func (s *Service) event(typ, subject string, data any) (event.Event, error) {
	return event.New(shipping.Module, typ, subject, data, s.now())
}

func notFound(what string) error { return errs.E(errs.NotFound, "not_found", "%s not found", what) }

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code of a
// country, in upper case.
func ValidCountry(c string) bool { return address.Country(c) }

func name(v *errs.Validator, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.Add(field, "is required")
	case !utf8.ValidString(s):
		v.Add(field, "is not valid UTF-8")
	case utf8.RuneCountInString(s) > shipping.MaxName:
		v.Add(field, "is longer than %d characters", shipping.MaxName)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		v.Add(field, "contains control characters")
	}
	return s
}

func countries(v *errs.Validator, list []string) []string {
	if len(list) > shipping.MaxCountries {
		v.Add("countries", "has more than %d countries", shipping.MaxCountries)
		return nil
	}
	seen := map[string]bool{}
	out := []string{}
	for i, c := range list {
		if !ValidCountry(c) {
			v.Add(fmt.Sprintf("countries[%d]", i), "must be an ISO 3166-1 alpha-2 country code in upper case")
			continue
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func currency(v *errs.Validator, field, c string) {
	if money.CheckCurrency(c) != nil {
		v.Add(field, "must be an ISO 4217 currency code in upper case")
	}
}

func limit(n int) int {
	if n <= 0 {
		return shipping.DefaultLimit
	}
	return min(n, shipping.MaxListLimit)
}

// CreateZone implements shipping.Service.
func (s *Service) CreateZone(ctx context.Context, cmd shipping.CreateZoneCommand) (shipping.Zone, error) {
	v := &errs.Validator{}
	now := s.now()
	z := shipping.Zone{ID: id.New(ZonePrefix), Name: name(v, "name", cmd.Name), Countries: countries(v, cmd.Countries), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := v.Err(); err != nil {
		return shipping.Zone{}, err
	}
	e, err := s.event(shipping.EventZoneCreated, z.ID, z)
	if err != nil {
		return shipping.Zone{}, err
	}
	if err := s.store.InsertZone(ctx, z, []event.Event{e}); err != nil {
		return shipping.Zone{}, err
	}
	return z, nil
}

// GetZone implements shipping.Service.
func (s *Service) GetZone(ctx context.Context, zid string) (shipping.Zone, error) {
	if !id.Valid(ZonePrefix, zid) {
		return shipping.Zone{}, notFound("shipping zone")
	}
	return s.store.GetZone(ctx, zid)
}

// UpdateZone implements shipping.Service.
func (s *Service) UpdateZone(ctx context.Context, cmd shipping.UpdateZoneCommand) (shipping.Zone, error) {
	if !id.Valid(ZonePrefix, cmd.ID) {
		return shipping.Zone{}, notFound("shipping zone")
	}
	v := &errs.Validator{}
	var n string
	var cs []string
	if cmd.Name != nil {
		n = name(v, "name", *cmd.Name)
	}
	if cmd.Countries != nil {
		cs = countries(v, *cmd.Countries)
	}
	if err := v.Err(); err != nil {
		return shipping.Zone{}, err
	}
	return s.store.UpdateZone(ctx, cmd.ID, func(z *shipping.Zone) ([]event.Event, error) {
		if cmd.ExpectedVersion != 0 && cmd.ExpectedVersion != z.Version {
			return nil, errs.E(errs.Conflict, "version_conflict", "the shipping zone changed since version %d (now %d)", cmd.ExpectedVersion, z.Version)
		}
		if cmd.Name != nil {
			z.Name = n
		}
		if cmd.Countries != nil {
			z.Countries = cs
		}
		z.Version++
		z.UpdatedAt = s.now()
		e, err := s.event(shipping.EventZoneUpdated, z.ID, *z)
		return []event.Event{e}, err
	})
}

// DeleteZone implements shipping.Service.
func (s *Service) DeleteZone(ctx context.Context, zid string) error {
	if !id.Valid(ZonePrefix, zid) {
		return notFound("shipping zone")
	}
	return s.store.DeleteZone(ctx, zid, func(z shipping.Zone, opts []shipping.Option) ([]event.Event, error) {
		var evs []event.Event
		for _, o := range opts {
			e, err := s.event(shipping.EventOptionDeleted, o.ID, o)
			if err != nil {
				return nil, err
			}
			evs = append(evs, e)
		}
		e, err := s.event(shipping.EventZoneDeleted, z.ID, z)
		return append(evs, e), err
	})
}

// ListZones implements shipping.Service.
func (s *Service) ListZones(ctx context.Context, q shipping.ListZonesQuery) (shipping.Page[shipping.Zone], error) {
	if q.Country != "" && !ValidCountry(q.Country) {
		return shipping.Page[shipping.Zone]{}, errs.Validation(errs.Field("country", "must be an ISO 3166-1 alpha-2 country code in upper case"))
	}
	q.Limit = limit(q.Limit)
	return s.store.ListZones(ctx, q)
}

// CreateOption implements shipping.Service.
func (s *Service) CreateOption(ctx context.Context, cmd shipping.CreateOptionCommand) (shipping.Option, error) {
	v := &errs.Validator{}
	now := s.now()
	o := shipping.Option{ID: id.New(OptionPrefix), ZoneID: cmd.ZoneID, Name: name(v, "name", cmd.Name), Currency: cmd.Currency,
		Rate: rate(v, "rate", cmd.Rate), Enabled: cmd.Enabled == nil || *cmd.Enabled, Version: 1, CreatedAt: now, UpdatedAt: now}
	v.Check(id.Valid(ZonePrefix, cmd.ZoneID), "zone_id", "is not a shipping zone id")
	currency(v, "currency", cmd.Currency)
	if err := v.Err(); err != nil {
		return shipping.Option{}, err
	}
	e, err := s.event(shipping.EventOptionCreated, o.ID, o)
	if err != nil {
		return shipping.Option{}, err
	}
	if err := s.store.InsertOption(ctx, o, []event.Event{e}); err != nil {
		return shipping.Option{}, err
	}
	return o, nil
}

// GetOption implements shipping.Service.
func (s *Service) GetOption(ctx context.Context, oid string) (shipping.Option, error) {
	if !id.Valid(OptionPrefix, oid) {
		return shipping.Option{}, notFound("shipping option")
	}
	return s.store.GetOption(ctx, oid)
}

// UpdateOption implements shipping.Service.
func (s *Service) UpdateOption(ctx context.Context, cmd shipping.UpdateOptionCommand) (shipping.Option, error) {
	if !id.Valid(OptionPrefix, cmd.ID) {
		return shipping.Option{}, notFound("shipping option")
	}
	v := &errs.Validator{}
	var n string
	var r shipping.Rate
	if cmd.Name != nil {
		n = name(v, "name", *cmd.Name)
	}
	if cmd.Currency != nil {
		currency(v, "currency", *cmd.Currency)
	}
	if cmd.Rate != nil {
		r = rate(v, "rate", *cmd.Rate)
	}
	if err := v.Err(); err != nil {
		return shipping.Option{}, err
	}
	return s.store.UpdateOption(ctx, cmd.ID, func(o *shipping.Option) ([]event.Event, error) {
		if cmd.ExpectedVersion != 0 && cmd.ExpectedVersion != o.Version {
			return nil, errs.E(errs.Conflict, "version_conflict", "the shipping option changed since version %d (now %d)", cmd.ExpectedVersion, o.Version)
		}
		if cmd.Name != nil {
			o.Name = n
		}
		if cmd.Currency != nil {
			o.Currency = *cmd.Currency
		}
		if cmd.Rate != nil {
			o.Rate = r
		}
		if cmd.Enabled != nil {
			o.Enabled = *cmd.Enabled
		}
		o.Version++
		o.UpdatedAt = s.now()
		e, err := s.event(shipping.EventOptionUpdated, o.ID, *o)
		return []event.Event{e}, err
	})
}

// DeleteOption implements shipping.Service.
func (s *Service) DeleteOption(ctx context.Context, oid string) error {
	if !id.Valid(OptionPrefix, oid) {
		return notFound("shipping option")
	}
	return s.store.DeleteOption(ctx, oid, func(o shipping.Option) ([]event.Event, error) {
		e, err := s.event(shipping.EventOptionDeleted, o.ID, o)
		return []event.Event{e}, err
	})
}

// ListOptions implements shipping.Service.
func (s *Service) ListOptions(ctx context.Context, q shipping.ListOptionsQuery) (shipping.Page[shipping.Option], error) {
	if q.ZoneID != "" && !id.Valid(ZonePrefix, q.ZoneID) {
		return shipping.Page[shipping.Option]{}, errs.Validation(errs.Field("zone_id", "is not a shipping zone id"))
	}
	q.Limit = limit(q.Limit)
	return s.store.ListOptions(ctx, q)
}

// Quote implements shipping.Service.
func (s *Service) Quote(ctx context.Context, q shipping.QuoteQuery) ([]shipping.Quote, error) {
	v := &errs.Validator{}
	v.Check(ValidCountry(q.Country), "country", "must be an ISO 3166-1 alpha-2 country code in upper case")
	currency(v, "currency", q.Currency)
	sub := q.Subtotal
	if sub.Currency == "" && sub.Amount == 0 {
		sub.Currency = q.Currency
	}
	if err := money.Validate(sub, false); err != nil {
		v.Add("subtotal", "%s", err.Error())
	} else if sub.Currency != q.Currency {
		v.Add("subtotal.currency", "must be %s, the currency of the quote", q.Currency)
	}
	v.Check(q.WeightGrams >= 0 && q.WeightGrams <= shipping.MaxWeightGrams, "weight_grams", "must be from 0 to %d", shipping.MaxWeightGrams)
	if err := v.Err(); err != nil {
		return nil, err
	}
	opts, err := s.store.CountryOptions(ctx, q.Country, q.Currency)
	if err != nil {
		return nil, err
	}
	out := []shipping.Quote{}
	for _, o := range opts {
		if !o.Enabled || o.Currency != q.Currency {
			continue
		}
		p, ok := Price(o.Rate, sub.Amount, q.WeightGrams)
		if !ok {
			continue
		}
		out = append(out, shipping.Quote{OptionID: o.ID, ZoneID: o.ZoneID, Name: o.Name, Kind: o.Rate.Kind, Price: money.Money{Amount: p, Currency: q.Currency}})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Price.Amount != b.Price.Amount {
			return a.Price.Amount < b.Price.Amount
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.OptionID < b.OptionID
	})
	return out, nil
}

var _ shipping.Service = (*Service)(nil)
