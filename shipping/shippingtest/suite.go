package shippingtest

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/shipping"
)

type env struct {
	t   *testing.T
	svc shipping.Service
	ctx context.Context
}

// TestService is the contract suite of shipping.Service. It runs every rule
// of the contract as a subtest against a service made by newService,
// called once per subtest, which must return a service with no zones. It
// observes the service only through the interface, so it runs unchanged
// against the service on SQLite and PostgreSQL and through the HTTP client.
func TestService(t *testing.T, newService func(t *testing.T) shipping.Service) {
	tests := []struct {
		name string
		fn   func(e *env)
	}{
		{"ZoneCRUD", testZoneCRUD},
		{"ZoneValidation", testZoneValidation},
		{"OptionCRUD", testOptionCRUD},
		{"OptionValidation", testOptionValidation},
		{"Lists", testLists},
		{"QuoteRates", testQuoteRates},
		{"QuoteSelection", testQuoteSelection},
		{"QuoteInvalid", testQuoteInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(&env{t: t, svc: newService(t), ctx: t.Context()})
		})
	}
}

func ptr[T any](v T) *T { return &v }

func flat(a int64) shipping.Rate { return shipping.Rate{Kind: shipping.Flat, Amount: a} }

func testZoneCRUD(e *env) {
	t := e.t
	z := MustCreateZone(t, e.svc, " Europe ", "FR", "DE", "FR")
	if z.Name != "Europe" || !slices.Equal(z.Countries, []string{"DE", "FR"}) || z.Version != 1 || z.ID == "" || z.CreatedAt.IsZero() {
		t.Errorf("created %+v", z)
	}
	got, err := e.svc.GetZone(e.ctx, z.ID)
	if err != nil || got.Name != "Europe" || !slices.Equal(got.Countries, z.Countries) || !got.CreatedAt.Equal(z.CreatedAt) {
		t.Fatalf("GetZone = %+v, %s", got, errstest.Describe(err))
	}
	up, err := e.svc.UpdateZone(e.ctx, shipping.UpdateZoneCommand{ID: z.ID, ExpectedVersion: 1, Countries: &[]string{"AT", "DE"}})
	if err != nil || up.Version != 2 || !slices.Equal(up.Countries, []string{"AT", "DE"}) || up.Name != "Europe" {
		t.Fatalf("UpdateZone = %+v, %s", up, errstest.Describe(err))
	}
	_, err = e.svc.UpdateZone(e.ctx, shipping.UpdateZoneCommand{ID: z.ID, ExpectedVersion: 1, Name: ptr("x")})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	up, err = e.svc.UpdateZone(e.ctx, shipping.UpdateZoneCommand{ID: z.ID, Name: ptr("EU"), Countries: &[]string{}})
	if err != nil || up.Name != "EU" || len(up.Countries) != 0 || up.Countries == nil {
		t.Fatalf("emptying the countries: %+v, %s", up, errstest.Describe(err))
	}

	o := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Standard", Currency: "EUR", Rate: flat(500)})
	if err := e.svc.DeleteZone(e.ctx, z.ID); err != nil {
		t.Fatalf("DeleteZone: %s", errstest.Describe(err))
	}
	_, err = e.svc.GetZone(e.ctx, z.ID)
	errstest.Want(t, err, errs.NotFound, "not_found")
	_, err = e.svc.GetOption(e.ctx, o.ID)
	errstest.Want(t, err, errs.NotFound, "not_found") // the zone's options go with it
	errstest.Want(t, e.svc.DeleteZone(e.ctx, z.ID), errs.NotFound, "not_found")
	_, err = e.svc.UpdateZone(e.ctx, shipping.UpdateZoneCommand{ID: z.ID, Name: ptr("x")})
	errstest.Want(t, err, errs.NotFound, "not_found")
	_, err = e.svc.GetZone(e.ctx, "nonsense")
	errstest.Want(t, err, errs.NotFound, "not_found")
}

func testZoneValidation(e *env) {
	t := e.t
	for _, tt := range []struct {
		cmd   shipping.CreateZoneCommand
		field string
	}{
		{shipping.CreateZoneCommand{Name: "", Countries: []string{"DE"}}, "name"},
		{shipping.CreateZoneCommand{Name: "  ", Countries: []string{"DE"}}, "name"},
		{shipping.CreateZoneCommand{Name: "x", Countries: []string{"DE", "XX"}}, "countries[1]"},
		{shipping.CreateZoneCommand{Name: "x", Countries: []string{"de"}}, "countries[0]"},
		{shipping.CreateZoneCommand{Name: "x", Countries: []string{"DEU"}}, "countries[0]"},
		{shipping.CreateZoneCommand{Name: "x", Countries: []string{"EU"}}, "countries[0]"},
		{shipping.CreateZoneCommand{Name: "x", Countries: []string{""}}, "countries[0]"},
	} {
		_, err := e.svc.CreateZone(e.ctx, tt.cmd)
		errstest.WantInvalid(t, err, tt.field)
	}
	z := MustCreateZone(t, e.svc, "Domestic", "US")
	_, err := e.svc.UpdateZone(e.ctx, shipping.UpdateZoneCommand{ID: z.ID, Countries: &[]string{"USA"}})
	errstest.WantInvalid(t, err, "countries[0]")
	_, err = e.svc.UpdateZone(e.ctx, shipping.UpdateZoneCommand{ID: z.ID, Name: ptr("")})
	errstest.WantInvalid(t, err, "name")
	if got, _ := e.svc.GetZone(e.ctx, z.ID); got.Version != 1 {
		t.Errorf("failed updates changed the zone: %+v", got)
	}
}

func testOptionCRUD(e *env) {
	t := e.t
	z := MustCreateZone(t, e.svc, "Domestic", "US")
	o := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Ground", Currency: "USD",
		Rate: shipping.Rate{Kind: shipping.Flat, Amount: 799, Threshold: 5000}})
	if !o.Enabled || o.Version != 1 || o.ZoneID != z.ID || !reflect.DeepEqual(o.Rate, flat(799)) {
		t.Errorf("created %+v, want enabled, version 1, other kinds' fields cleared", o)
	}
	off := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Off", Currency: "USD", Rate: flat(1), Enabled: ptr(false)})
	if off.Enabled {
		t.Errorf("created %+v, want disabled", off)
	}
	got, err := e.svc.GetOption(e.ctx, o.ID)
	if err != nil || got.Name != "Ground" || !reflect.DeepEqual(got.Rate, o.Rate) {
		t.Fatalf("GetOption = %+v, %s", got, errstest.Describe(err))
	}
	w := shipping.Rate{Kind: shipping.Weight, Brackets: []shipping.Bracket{{UpToGrams: 1000, Amount: 500}, {UpToGrams: 5000, Amount: 900}}}
	up, err := e.svc.UpdateOption(e.ctx, shipping.UpdateOptionCommand{ID: o.ID, ExpectedVersion: 1, Rate: &w, Enabled: ptr(false), Name: ptr("Ground by weight")})
	if err != nil || up.Version != 2 || up.Enabled || up.Rate.Kind != shipping.Weight || len(up.Rate.Brackets) != 2 || up.Name != "Ground by weight" || up.Currency != "USD" {
		t.Fatalf("UpdateOption = %+v, %s", up, errstest.Describe(err))
	}
	_, err = e.svc.UpdateOption(e.ctx, shipping.UpdateOptionCommand{ID: o.ID, ExpectedVersion: 1, Name: ptr("x")})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	if err := e.svc.DeleteOption(e.ctx, o.ID); err != nil {
		t.Fatalf("DeleteOption: %s", errstest.Describe(err))
	}
	_, err = e.svc.GetOption(e.ctx, o.ID)
	errstest.Want(t, err, errs.NotFound, "not_found")
	errstest.Want(t, e.svc.DeleteOption(e.ctx, o.ID), errs.NotFound, "not_found")
	_, err = e.svc.UpdateOption(e.ctx, shipping.UpdateOptionCommand{ID: o.ID, Name: ptr("x")})
	errstest.Want(t, err, errs.NotFound, "not_found")
	_, err = e.svc.CreateOption(e.ctx, shipping.CreateOptionCommand{ZoneID: "shz_01J0000000000000000000000Z", Name: "x", Currency: "USD", Rate: flat(1)})
	errstest.Want(t, err, errs.NotFound, "not_found")
	_, err = e.svc.GetOption(e.ctx, "sho_nonsense")
	errstest.Want(t, err, errs.NotFound, "not_found")
}

func testOptionValidation(e *env) {
	t := e.t
	z := MustCreateZone(t, e.svc, "Domestic", "US")
	ok := func(c shipping.CreateOptionCommand) shipping.CreateOptionCommand {
		if c.ZoneID == "" {
			c.ZoneID = z.ID
		}
		if c.Name == "" {
			c.Name = "Option"
		}
		if c.Currency == "" {
			c.Currency = "USD"
		}
		return c
	}
	br := func(bs ...shipping.Bracket) shipping.Rate { return shipping.Rate{Kind: shipping.Weight, Brackets: bs} }
	for _, tt := range []struct {
		cmd   shipping.CreateOptionCommand
		field string
	}{
		{shipping.CreateOptionCommand{ZoneID: "zone-1", Rate: flat(1)}, "zone_id"},
		{shipping.CreateOptionCommand{Name: " ", Rate: flat(1)}, "name"},
		{shipping.CreateOptionCommand{Currency: "usd", Rate: flat(1)}, "currency"},
		{shipping.CreateOptionCommand{Currency: "ZZZ", Rate: flat(1)}, "currency"},
		{shipping.CreateOptionCommand{Rate: shipping.Rate{Kind: "percent"}}, "rate.kind"},
		{shipping.CreateOptionCommand{Rate: shipping.Rate{}}, "rate.kind"},
		{shipping.CreateOptionCommand{Rate: flat(-1)}, "rate.amount"},
		{shipping.CreateOptionCommand{Rate: flat(money.MaxAmount + 1)}, "rate.amount"},
		{shipping.CreateOptionCommand{Rate: shipping.Rate{Kind: shipping.FreeOver, Amount: 500, Threshold: -1}}, "rate.threshold"},
		{shipping.CreateOptionCommand{Rate: br()}, "rate.brackets"},
		{shipping.CreateOptionCommand{Rate: br(shipping.Bracket{UpToGrams: 0, Amount: 1})}, "rate.brackets[0].up_to_grams"},
		{shipping.CreateOptionCommand{Rate: br(shipping.Bracket{UpToGrams: 500, Amount: 1}, shipping.Bracket{UpToGrams: 500, Amount: 2})}, "rate.brackets[1].up_to_grams"},
		{shipping.CreateOptionCommand{Rate: br(shipping.Bracket{UpToGrams: 500, Amount: 1}, shipping.Bracket{UpToGrams: 100, Amount: 2})}, "rate.brackets[1].up_to_grams"},
		{shipping.CreateOptionCommand{Rate: br(shipping.Bracket{UpToGrams: 500, Amount: -5})}, "rate.brackets[0].amount"},
		{shipping.CreateOptionCommand{Rate: br(shipping.Bracket{UpToGrams: shipping.MaxWeightGrams + 1, Amount: 5})}, "rate.brackets[0].up_to_grams"},
	} {
		_, err := e.svc.CreateOption(e.ctx, ok(tt.cmd))
		errstest.WantInvalid(t, err, tt.field)
	}
	o := MustCreateOption(t, e.svc, ok(shipping.CreateOptionCommand{Rate: flat(100)}))
	_, err := e.svc.UpdateOption(e.ctx, shipping.UpdateOptionCommand{ID: o.ID, Currency: ptr("dollars")})
	errstest.WantInvalid(t, err, "currency")
	_, err = e.svc.UpdateOption(e.ctx, shipping.UpdateOptionCommand{ID: o.ID, Rate: &shipping.Rate{Kind: shipping.Weight}})
	errstest.WantInvalid(t, err, "rate.brackets")
	if got, _ := e.svc.GetOption(e.ctx, o.ID); got.Version != 1 {
		t.Errorf("failed updates changed the option: %+v", got)
	}
}

func testLists(e *env) {
	t := e.t
	eu := MustCreateZone(t, e.svc, "EU", "DE", "FR")
	MustCreateZone(t, e.svc, "US", "US")
	dach := MustCreateZone(t, e.svc, "DACH", "DE", "AT", "CH")
	var ids []string
	for range 5 {
		ids = append(ids, MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: eu.ID, Name: "o", Currency: "EUR", Rate: flat(1)}).ID)
	}
	MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: dach.ID, Name: "o", Currency: "EUR", Rate: flat(1)})

	var got []string
	q := shipping.ListOptionsQuery{ZoneID: eu.ID, Limit: 2}
	for range 10 {
		p, err := e.svc.ListOptions(e.ctx, q)
		if err != nil || len(p.Data) > 2 {
			t.Fatalf("ListOptions: %+v, %s", p, errstest.Describe(err))
		}
		for _, o := range p.Data {
			got = append(got, o.ID)
		}
		if p.NextCursor == nil {
			break
		}
		q.Cursor = *p.NextCursor
	}
	if !slices.Equal(got, ids) {
		t.Errorf("listed %v, want %v", got, ids)
	}
	if p, err := e.svc.ListOptions(e.ctx, shipping.ListOptionsQuery{}); err != nil || len(p.Data) != 6 {
		t.Errorf("all options: %d, %s", len(p.Data), errstest.Describe(err))
	}
	p, err := e.svc.ListZones(e.ctx, shipping.ListZonesQuery{Country: "DE"})
	if err != nil || len(p.Data) != 2 || p.Data[0].ID != eu.ID || p.Data[1].ID != dach.ID || p.NextCursor != nil {
		t.Errorf("zones with DE: %+v, %s", p, errstest.Describe(err))
	}
	p, err = e.svc.ListZones(e.ctx, shipping.ListZonesQuery{Limit: 2})
	if err != nil || len(p.Data) != 2 || p.NextCursor == nil {
		t.Fatalf("first page of zones: %+v, %s", p, errstest.Describe(err))
	}
	p, err = e.svc.ListZones(e.ctx, shipping.ListZonesQuery{Limit: 2, Cursor: *p.NextCursor})
	if err != nil || len(p.Data) != 1 || p.Data[0].ID != dach.ID || p.NextCursor != nil {
		t.Errorf("second page of zones: %+v, %s", p, errstest.Describe(err))
	}
	_, err = e.svc.ListZones(e.ctx, shipping.ListZonesQuery{Country: "Germany"})
	errstest.WantInvalid(t, err, "country")
	_, err = e.svc.ListZones(e.ctx, shipping.ListZonesQuery{Cursor: "%%%"})
	errstest.WantInvalid(t, err, "cursor")
	_, err = e.svc.ListOptions(e.ctx, shipping.ListOptionsQuery{ZoneID: "EU"})
	errstest.WantInvalid(t, err, "zone_id")
}

// RateCases are the prices of each kind of rate at the edges.
var RateCases = []struct {
	Name        string
	Rate        shipping.Rate
	Subtotal    int64
	WeightGrams int64
	Price       int64
	Offered     bool
}{
	{"flat", flat(499), 0, 0, 499, true},
	{"flat heavy", flat(499), 100, 99_000_000, 499, true},
	{"flat free", flat(0), 100, 10, 0, true},
	{"weight 0 g", weightRate, 0, 0, 500, true},
	{"weight first bound", weightRate, 0, 1000, 500, true},
	{"weight just above", weightRate, 0, 1001, 900, true},
	{"weight last bound", weightRate, 0, 20000, 1500, true},
	{"weight above the last", weightRate, 0, 20001, 0, false},
	{"free_over below", freeOver, 4999, 100, 695, true},
	{"free_over at", freeOver, 5000, 100, 0, true},
	{"free_over above", freeOver, 123456, 100, 0, true},
	{"free_over zero subtotal", freeOver, 0, 0, 695, true},
}

var (
	weightRate = shipping.Rate{Kind: shipping.Weight, Brackets: []shipping.Bracket{{UpToGrams: 1000, Amount: 500}, {UpToGrams: 5000, Amount: 900}, {UpToGrams: 20000, Amount: 1500}}}
	freeOver   = shipping.Rate{Kind: shipping.FreeOver, Amount: 695, Threshold: 5000}
)

func testQuoteRates(e *env) {
	t := e.t
	for _, c := range RateCases {
		z := MustCreateZone(t, e.svc, c.Name, "US")
		o := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: c.Name, Currency: "USD", Rate: c.Rate})
		qs, err := e.svc.Quote(e.ctx, shipping.QuoteQuery{Country: "US", Currency: "USD", Subtotal: money.Money{Amount: c.Subtotal, Currency: "USD"}, WeightGrams: c.WeightGrams})
		if err != nil {
			t.Fatalf("%s: %s", c.Name, errstest.Describe(err))
		}
		switch {
		case !c.Offered && len(qs) != 0:
			t.Errorf("%s: quoted %+v, want nothing", c.Name, qs)
		case c.Offered && (len(qs) != 1 || qs[0].OptionID != o.ID || qs[0].Price != money.Money{Amount: c.Price, Currency: "USD"} || qs[0].Kind != c.Rate.Kind || qs[0].ZoneID != z.ID || qs[0].Name != c.Name):
			t.Errorf("%s: quoted %+v, want %d USD", c.Name, qs, c.Price)
		}
		if err := e.svc.DeleteZone(e.ctx, z.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func testQuoteSelection(e *env) {
	t := e.t
	eu := MustCreateZone(t, e.svc, "EU", "DE", "FR")
	de := MustCreateZone(t, e.svc, "Germany", "DE")
	us := MustCreateZone(t, e.svc, "US", "US")
	express := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: eu.ID, Name: "Express", Currency: "EUR", Rate: flat(1500)})
	standard := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: eu.ID, Name: "Standard", Currency: "EUR", Rate: freeOver})
	MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: eu.ID, Name: "Standard (CHF)", Currency: "CHF", Rate: flat(900)})
	MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: eu.ID, Name: "Disabled", Currency: "EUR", Rate: flat(1), Enabled: ptr(false)})
	pickup := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: de.ID, Name: "Pickup", Currency: "EUR", Rate: flat(0)})
	heavy := MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: de.ID, Name: "Parcel", Currency: "EUR", Rate: weightRate})
	MustCreateOption(t, e.svc, shipping.CreateOptionCommand{ZoneID: us.ID, Name: "Ground", Currency: "EUR", Rate: flat(10)})

	quote := func(country, cur string, subtotal, grams int64) []string {
		t.Helper()
		qs, err := e.svc.Quote(e.ctx, shipping.QuoteQuery{Country: country, Currency: cur, Subtotal: money.Money{Amount: subtotal, Currency: cur}, WeightGrams: grams})
		if err != nil {
			t.Fatalf("Quote: %s", errstest.Describe(err))
		}
		var ids []string
		for i, q := range qs {
			ids = append(ids, q.OptionID)
			if q.Price.Currency != cur || (i > 0 && q.Price.Amount < qs[i-1].Price.Amount) {
				t.Errorf("quotes %+v not in %s, cheapest first", qs, cur)
			}
		}
		return ids
	}
	// Germany is in two zones: both zones' options, cheapest first.
	if got, want := quote("DE", "EUR", 1000, 3000), []string{pickup.ID, standard.ID, heavy.ID, express.ID}; !slices.Equal(got, want) {
		t.Errorf("DE: %v, want %v", got, want)
	}
	if got, want := quote("DE", "EUR", 9000, 30000), []string{pickup.ID, standard.ID, express.ID}; !slices.Equal(got, want) {
		t.Errorf("DE heavy over the threshold: %v, want %v", got, want)
	}
	if got, want := quote("FR", "EUR", 0, 0), []string{standard.ID, express.ID}; !slices.Equal(got, want) {
		t.Errorf("FR: %v, want %v", got, want)
	}
	if got := quote("FR", "CHF", 0, 0); len(got) != 1 {
		t.Errorf("FR in CHF: %v, want the CHF option only", got)
	}
	if got := quote("FR", "USD", 0, 0); got != nil {
		t.Errorf("FR in USD: %v, want none", got)
	}
	if got := quote("JP", "EUR", 0, 0); got != nil {
		t.Errorf("JP (no zone): %v, want none", got)
	}
	qs, err := e.svc.Quote(e.ctx, shipping.QuoteQuery{Country: "FR", Currency: "EUR"}) // zero subtotal without a currency
	if err != nil || qs == nil || len(qs) != 2 {
		t.Errorf("Quote without a subtotal: %+v, %s", qs, errstest.Describe(err))
	}
	qs, err = e.svc.Quote(e.ctx, shipping.QuoteQuery{Country: "JP", Currency: "EUR"})
	if err != nil || qs == nil {
		t.Errorf("Quote of nothing must be an empty list: %#v, %s", qs, errstest.Describe(err))
	}
}

func testQuoteInvalid(e *env) {
	t := e.t
	eur := func(a int64) money.Money { return money.Money{Amount: a, Currency: "EUR"} }
	for _, tt := range []struct {
		q     shipping.QuoteQuery
		field string
	}{
		{shipping.QuoteQuery{Country: "", Currency: "EUR"}, "country"},
		{shipping.QuoteQuery{Country: "XX", Currency: "EUR"}, "country"},
		{shipping.QuoteQuery{Country: "fr", Currency: "EUR"}, "country"},
		{shipping.QuoteQuery{Country: "FR", Currency: ""}, "currency"},
		{shipping.QuoteQuery{Country: "FR", Currency: "EURO"}, "currency"},
		{shipping.QuoteQuery{Country: "FR", Currency: "EUR", WeightGrams: -1}, "weight_grams"},
		{shipping.QuoteQuery{Country: "FR", Currency: "EUR", WeightGrams: shipping.MaxWeightGrams + 1}, "weight_grams"},
		{shipping.QuoteQuery{Country: "FR", Currency: "EUR", Subtotal: money.Money{Amount: 100, Currency: "USD"}}, "subtotal"},
		{shipping.QuoteQuery{Country: "FR", Currency: "EUR", Subtotal: eur(-1)}, "subtotal"},
		{shipping.QuoteQuery{Country: "FR", Currency: "EUR", Subtotal: money.Money{Amount: 100}}, "subtotal"},
	} {
		_, err := e.svc.Quote(e.ctx, tt.q)
		errstest.WantInvalid(t, err, tt.field)
	}
}
