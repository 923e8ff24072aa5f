package taxtest

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/tax"
)

type env struct {
	t   *testing.T
	svc tax.Service
	ctx context.Context
}

// TestService is the contract suite of tax.Service. It runs every rule of
// the contract as a subtest against a service made by newService, called
// once per subtest, which must return a service with no regions and no
// classes but standard. It observes the service only through the
// interface, so it runs unchanged against the service on SQLite and
// PostgreSQL and through the HTTP client.
func TestService(t *testing.T, newService func(t *testing.T) tax.Service) {
	tests := []struct {
		name string
		fn   func(e *env)
	}{
		{"RegionCRUD", testRegionCRUD},
		{"RegionValidation", testRegionValidation},
		{"RegionScopeTaken", testRegionScopeTaken},
		{"ListRegions", testListRegions},
		{"Classes", testClasses},
		{"CalculateNothingConfigured", testCalculateNothingConfigured},
		{"CalculateMostSpecificRegion", testCalculateMostSpecific},
		{"CalculateRounding", testCalculateRounding},
		{"CalculateShippingAndTotals", testCalculateShippingAndTotals},
		{"CalculateInvalid", testCalculateInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(&env{t: t, svc: newService(t), ctx: t.Context()})
		})
	}
}

func ptr[T any](v T) *T { return &v }

func testRegionCRUD(e *env) {
	t := e.t
	MustCreateClass(t, e.svc, "reduced")
	r := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Subdivision: "ny", PostalPrefix: "100 ",
		Rates: []tax.RateInput{{TaxClass: "standard", Rate: "8.8750"}, {TaxClass: "reduced", Rate: "04"}}})
	if r.ID == "" || r.Version != 1 || r.Subdivision != "US-NY" || r.PostalPrefix != "100" || r.Name != "US-NY 100" || r.CreatedAt.IsZero() {
		t.Errorf("created %+v, want normalized scope, default name, version 1", r)
	}
	want := []tax.Rate{{TaxClass: "reduced", Rate: "4", PPM: 40000}, {TaxClass: "standard", Rate: "8.875", PPM: 88750}}
	if len(r.Rates) != 2 || r.Rates[0] != want[0] || r.Rates[1] != want[1] {
		t.Errorf("rates %+v, want %+v", r.Rates, want)
	}
	got, err := e.svc.GetRegion(e.ctx, r.ID)
	if err != nil || got.ID != r.ID || len(got.Rates) != 2 || got.Version != 1 || !got.CreatedAt.Equal(r.CreatedAt) {
		t.Fatalf("GetRegion = %+v, %s", got, errstest.Describe(err))
	}

	up, err := e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, ExpectedVersion: 1, Name: ptr("New York City"),
		Rates: &[]tax.RateInput{{TaxClass: "standard", Rate: "8.875"}}})
	if err != nil {
		t.Fatalf("UpdateRegion: %s", errstest.Describe(err))
	}
	if up.Name != "New York City" || up.Version != 2 || len(up.Rates) != 1 || up.Subdivision != "US-NY" || up.PostalPrefix != "100" {
		t.Errorf("updated %+v", up)
	}
	_, err = e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, ExpectedVersion: 1, Name: ptr("x")})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	up, err = e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, PostalPrefix: ptr("")})
	if err != nil || up.PostalPrefix != "" || up.Version != 3 || up.Name != "New York City" {
		t.Errorf("clearing the postal prefix: %+v, %s", up, errstest.Describe(err))
	}

	if err := e.svc.DeleteRegion(e.ctx, r.ID); err != nil {
		t.Fatalf("DeleteRegion: %s", errstest.Describe(err))
	}
	_, err = e.svc.GetRegion(e.ctx, r.ID)
	errstest.Want(t, err, errs.NotFound, "not_found")
	errstest.Want(t, e.svc.DeleteRegion(e.ctx, r.ID), errs.NotFound, "not_found")
	_, err = e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, Name: ptr("x")})
	errstest.Want(t, err, errs.NotFound, "not_found")
	_, err = e.svc.GetRegion(e.ctx, "nonsense")
	errstest.Want(t, err, errs.NotFound, "not_found")
}

func testRegionValidation(e *env) {
	t := e.t
	for _, tt := range []struct {
		cmd   tax.CreateRegionCommand
		field string
	}{
		{tax.CreateRegionCommand{Country: ""}, "country"},
		{tax.CreateRegionCommand{Country: "de"}, "country"},
		{tax.CreateRegionCommand{Country: "XX"}, "country"},
		{tax.CreateRegionCommand{Country: "DEU"}, "country"},
		{tax.CreateRegionCommand{Country: "US", Subdivision: "NEWYORK"}, "subdivision"},
		{tax.CreateRegionCommand{Country: "US", Subdivision: "DE-BY"}, "subdivision"},
		{tax.CreateRegionCommand{Country: "GB", PostalPrefix: "SW1A/"}, "postal_prefix"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19.12345"}}}, "rates[0].rate"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "100.01"}}}, "rates[0].rate"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "-1"}}}, "rates[0].rate"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "1e2"}}}, "rates[0].rate"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19,5"}}}, "rates[0].rate"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19"}, {TaxClass: "standard", Rate: "7"}}}, "rates[1].tax_class"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "Reduced!", Rate: "7"}}}, "rates[0].tax_class"},
		{tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "reduced", Rate: "7"}}}, "rates"}, // no such class
	} {
		_, err := e.svc.CreateRegion(e.ctx, tt.cmd)
		errstest.WantInvalid(t, err, tt.field)
	}
	r := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "100"}}})
	if r.Rates[0].PPM != tax.MaxRatePPM || r.Rates[0].Rate != "100" || r.Name != "DE" {
		t.Errorf("100%% is %+v", r)
	}
	_, err := e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, Country: ptr("ZZ")})
	errstest.WantInvalid(t, err, "country")
	_, err = e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, Rates: &[]tax.RateInput{{TaxClass: "zero", Rate: "0"}}})
	errstest.WantInvalid(t, err, "rates")
	if got, _ := e.svc.GetRegion(e.ctx, r.ID); got.Version != 1 || got.Country != "DE" {
		t.Errorf("failed updates changed the region: %+v", got)
	}
}

func testRegionScopeTaken(e *env) {
	t := e.t
	MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Subdivision: "US-NY"})
	_, err := e.svc.CreateRegion(e.ctx, tax.CreateRegionCommand{Country: "US", Subdivision: "NY", Name: "again"})
	errstest.Want(t, err, errs.Conflict, "region_exists")
	ca := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Subdivision: "CA"})
	_, err = e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: ca.ID, Subdivision: ptr("NY")})
	errstest.Want(t, err, errs.Conflict, "region_exists")
	MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US"})
	MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Subdivision: "NY", PostalPrefix: "10"})
}

func testListRegions(e *env) {
	t := e.t
	var ids []string
	for _, c := range []string{"DE", "FR", "DE", "AT", "DE"} {
		sub := ""
		if c == "DE" {
			sub = []string{"BY", "BE", "HH"}[len(ids)%3]
		}
		ids = append(ids, MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: c, Subdivision: sub}).ID)
	}
	var got []string
	q := tax.ListRegionsQuery{Limit: 2}
	for range 10 {
		page, err := e.svc.ListRegions(e.ctx, q)
		if err != nil {
			t.Fatalf("ListRegions: %s", errstest.Describe(err))
		}
		if len(page.Data) > 2 {
			t.Fatalf("page of %d, limit 2", len(page.Data))
		}
		for _, r := range page.Data {
			got = append(got, r.ID)
		}
		if page.NextCursor == nil {
			break
		}
		q.Cursor = *page.NextCursor
	}
	if len(got) != 5 {
		t.Fatalf("listed %v, want the 5 regions", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Errorf("not ordered by id: %v", got)
		}
	}
	page, err := e.svc.ListRegions(e.ctx, tax.ListRegionsQuery{Country: "DE"})
	if err != nil || len(page.Data) != 3 || page.NextCursor != nil {
		t.Errorf("DE regions: %+v, %s", page, errstest.Describe(err))
	}
	page, err = e.svc.ListRegions(e.ctx, tax.ListRegionsQuery{Country: "JP"})
	if err != nil || page.Data == nil || len(page.Data) != 0 {
		t.Errorf("JP regions: %+v, %s", page, errstest.Describe(err))
	}
	_, err = e.svc.ListRegions(e.ctx, tax.ListRegionsQuery{Cursor: "!!"})
	errstest.WantInvalid(t, err, "cursor")
	_, err = e.svc.ListRegions(e.ctx, tax.ListRegionsQuery{Country: "germany"})
	errstest.WantInvalid(t, err, "country")
}

func testClasses(e *env) {
	t := e.t
	cs, err := e.svc.ListClasses(e.ctx)
	if err != nil || len(cs) != 1 || cs[0].Code != tax.StandardClass {
		t.Fatalf("classes of a new module: %+v, %s", cs, errstest.Describe(err))
	}
	c, err := e.svc.CreateClass(e.ctx, tax.CreateClassCommand{Code: "reduced", Name: "Reduced rate"})
	if err != nil || c.Code != "reduced" || c.Name != "Reduced rate" {
		t.Fatalf("CreateClass = %+v, %s", c, errstest.Describe(err))
	}
	if z := MustCreateClass(t, e.svc, "zero"); z.Name != "zero" {
		t.Errorf("default name %q, want the code", z.Name)
	}
	_, err = e.svc.CreateClass(e.ctx, tax.CreateClassCommand{Code: "reduced"})
	errstest.Want(t, err, errs.Conflict, "class_exists")
	_, err = e.svc.CreateClass(e.ctx, tax.CreateClassCommand{Code: "standard"})
	errstest.Want(t, err, errs.Conflict, "class_exists")
	for _, bad := range []string{"", "Reduced", "a b", "x/y"} {
		_, err = e.svc.CreateClass(e.ctx, tax.CreateClassCommand{Code: bad})
		errstest.WantInvalid(t, err, "code")
	}
	cs, err = e.svc.ListClasses(e.ctx)
	if err != nil || len(cs) != 3 || cs[0].Code != "standard" || cs[1].Code != "reduced" || cs[2].Code != "zero" {
		t.Fatalf("classes: %+v, %s", cs, errstest.Describe(err))
	}

	r := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "reduced", Rate: "7"}}})
	errstest.Want(t, e.svc.DeleteClass(e.ctx, "reduced"), errs.Conflict, "class_in_use")
	errstest.Want(t, e.svc.DeleteClass(e.ctx, "standard"), errs.Conflict, "class_builtin")
	errstest.Want(t, e.svc.DeleteClass(e.ctx, "nonexistent"), errs.NotFound, "not_found")
	if err := e.svc.DeleteClass(e.ctx, "zero"); err != nil {
		t.Fatalf("DeleteClass(zero): %s", errstest.Describe(err))
	}
	if _, err := e.svc.UpdateRegion(e.ctx, tax.UpdateRegionCommand{ID: r.ID, Rates: &[]tax.RateInput{}}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if err := e.svc.DeleteClass(e.ctx, "reduced"); err != nil {
		t.Fatalf("DeleteClass(reduced) once unused: %s", errstest.Describe(err))
	}
	if cs, _ := e.svc.ListClasses(e.ctx); len(cs) != 1 {
		t.Errorf("classes after the deletes: %+v", cs)
	}
}

func usd(a int64) money.Money { return money.Money{Amount: a, Currency: "USD"} }

func testCalculateNothingConfigured(e *env) {
	t := e.t
	c, err := e.svc.Calculate(e.ctx, tax.CalculateQuery{Country: "JP", Currency: "USD",
		Lines: []tax.Line{{Ref: "a", Amount: usd(1000)}, {Ref: "b", Amount: usd(999), TaxInclusive: true, TaxClass: "whatever"}}})
	if err != nil {
		t.Fatalf("Calculate: %s", errstest.Describe(err))
	}
	if c.Totals.Tax != usd(0) || c.Totals.Net != usd(1999) || c.Totals.Gross != usd(1999) || len(c.Lines) != 2 {
		t.Errorf("with nothing configured: %+v", c)
	}
	for _, l := range c.Lines {
		if l.RatePPM != 0 || l.Rate != "0" || l.RegionID != "" || l.Tax != usd(0) {
			t.Errorf("line %+v, want a zero rate and no region", l)
		}
	}
	if c.Lines[0].TaxClass != "standard" || c.Lines[1].TaxClass != "whatever" || c.Lines[1].Ref != "b" {
		t.Errorf("lines %+v", c.Lines)
	}
	c, err = e.svc.Calculate(e.ctx, tax.CalculateQuery{Country: "JP", Currency: "JPY"})
	if err != nil || len(c.Lines) != 0 || c.Totals.Gross.Currency != "JPY" || c.Totals.Gross.Amount != 0 || c.Shipping != nil {
		t.Errorf("no lines: %+v, %s", c, errstest.Describe(err))
	}
}

func testCalculateMostSpecific(e *env) {
	t := e.t
	MustCreateClass(t, e.svc, "reduced")
	MustCreateClass(t, e.svc, "zero")
	us := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "0"}}})
	ny := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Subdivision: "US-NY", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "4"}, {TaxClass: "zero", Rate: "0"}}})
	nyc := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", Subdivision: "NY", PostalPrefix: "100", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "8.875"}}})
	nyc1 := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "US", PostalPrefix: "1001", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "9"}}})
	de := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19"}, {TaxClass: "reduced", Rate: "7"}}})
	heligoland := MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "DE", PostalPrefix: "27498", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "0"}}})
	MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "FR"}) // no rates at all

	for _, tt := range []struct {
		country, sub, postal, class string
		region                      string
		ppm                         int64
	}{
		{"US", "", "", "", us.ID, 0},
		{"US", "CA", "90001", "", us.ID, 0},
		{"US", "NY", "", "", ny.ID, 40000},
		{"US", "US-NY", "12207", "standard", ny.ID, 40000},
		{"US", "ny", "10036", "", nyc.ID, 88750},
		{"US", "NY", "10036", "zero", nyc.ID, 88750}, // nyc has no "zero": its standard rate applies
		{"US", "NY", "12207", "zero", ny.ID, 0},
		{"US", "NY", "10012", "", nyc1.ID, 90000}, // a longer postal prefix beats a subdivision
		{"US", "", "10012", "", nyc1.ID, 90000},
		{"US", "", "10036", "", us.ID, 0}, // nyc needs the subdivision
		{"DE", "", "10115", "reduced", de.ID, 70000},
		{"DE", "DE-BE", "10115", "", de.ID, 190000},
		{"DE", "", "27498", "reduced", heligoland.ID, 0},
		{"DE", "", "27 498", "", heligoland.ID, 0},
		{"DE", "", "", "unknown-class", de.ID, 190000},
		{"FR", "", "", "", "", 0},
		{"AT", "", "", "", "", 0},
	} {
		region := tt.region
		c, err := e.svc.Calculate(e.ctx, tax.CalculateQuery{Country: tt.country, Subdivision: tt.sub, PostalCode: tt.postal, Currency: "EUR",
			Lines: []tax.Line{{TaxClass: tt.class, Amount: money.Money{Amount: 1_000_000, Currency: "EUR"}}}})
		if err != nil {
			t.Errorf("%+v: %s", tt, errstest.Describe(err))
			continue
		}
		l := c.Lines[0]
		if tt.country == "FR" {
			region = l.RegionID // FR has a region without rates: zero, whichever id
		}
		if l.RegionID != region || l.RatePPM != tt.ppm || l.Tax.Amount != tt.ppm {
			t.Errorf("%+v: region %s rate %d tax %d, want region %s rate %d", tt, l.RegionID, l.RatePPM, l.Tax.Amount, region, tt.ppm)
		}
	}
}

// RoundingCases are amounts, rates and the exact net and tax they give,
// chosen on the ties and edges of banker's rounding.
var RoundingCases = []struct {
	Rate      string
	Amount    int64
	Inclusive bool
	Net, Tax  int64
}{
	{"19", 10000, false, 10000, 1900},
	{"19", 11900, true, 10000, 1900},
	{"19", 1000, true, 840, 160},      // 1000/1.19 = 840.34
	{"19", 1, false, 1, 0},            // 0.19
	{"19", 3, false, 3, 1},            // 0.57
	{"1", 250, false, 250, 2},         // 2.5 → 2 (even)
	{"1", 350, false, 350, 4},         // 3.5 → 4 (even)
	{"1", 150, false, 150, 2},         // 1.5 → 2
	{"8.875", 1000, false, 1000, 89},  // 88.75
	{"8.875", 1200, false, 1200, 106}, // 106.5 → 106
	{"8.875", 400, false, 400, 36},    // 35.5 → 36
	{"8.875", 1089, true, 1000, 89},   // 1089/1.08875 = 1000.23
	{"25", 5, true, 4, 1},             // 5/1.25 = 4
	{"25", 10, true, 8, 2},
	{"100", 3, true, 2, 1},  // 1.5 → 2
	{"100", 5, true, 2, 3},  // 2.5 → 2
	{"100", 7, false, 7, 7}, // 100%
	{"0", 12345, false, 12345, 0},
	{"0", 12345, true, 12345, 0},
	{"0.0001", 500000, false, 500000, 0},   // 0.5 → 0
	{"0.0001", 1500000, false, 1500000, 2}, // 1.5 → 2
	{"7.7", 1_000_000_000_000_000, false, 1_000_000_000_000_000, 77_000_000_000_000}, // money.MaxAmount
	{"20", 0, true, 0, 0},
}

func testCalculateRounding(e *env) {
	t := e.t
	rates := map[string]bool{}
	for _, c := range RoundingCases {
		rates[c.Rate] = true
	}
	classOf := map[string]string{}
	var inputs []tax.RateInput
	i := 0
	for r := range rates {
		code := "c" + string(rune('a'+i))
		i++
		MustCreateClass(t, e.svc, code)
		classOf[r] = code
		inputs = append(inputs, tax.RateInput{TaxClass: code, Rate: r})
	}
	MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "CH", Rates: inputs})
	q := tax.CalculateQuery{Country: "CH", Currency: "CHF"}
	for _, c := range RoundingCases {
		q.Lines = append(q.Lines, tax.Line{TaxClass: classOf[c.Rate], Amount: money.Money{Amount: c.Amount, Currency: "CHF"}, TaxInclusive: c.Inclusive})
	}
	calc, err := e.svc.Calculate(e.ctx, q)
	if err != nil {
		t.Fatalf("Calculate: %s", errstest.Describe(err))
	}
	var net, tx, gross int64
	for i, c := range RoundingCases {
		l := calc.Lines[i]
		if l.Net.Amount != c.Net || l.Tax.Amount != c.Tax || l.Net.Amount+l.Tax.Amount != l.Gross.Amount || l.Rate != c.Rate || l.TaxInclusive != c.Inclusive {
			t.Errorf("%s%% of %d (inclusive %v): net %d tax %d gross %d rate %s, want net %d tax %d", c.Rate, c.Amount, c.Inclusive,
				l.Net.Amount, l.Tax.Amount, l.Gross.Amount, l.Rate, c.Net, c.Tax)
		}
		if l.Net.Currency != "CHF" || l.Tax.Currency != "CHF" || l.Gross.Currency != "CHF" {
			t.Errorf("line %d in %s/%s/%s, want CHF", i, l.Net.Currency, l.Tax.Currency, l.Gross.Currency)
		}
		net, tx, gross = net+l.Net.Amount, tx+l.Tax.Amount, gross+l.Gross.Amount
	}
	if calc.Totals.Net.Amount != net || calc.Totals.Tax.Amount != tx || calc.Totals.Gross.Amount != gross || net+tx != gross {
		t.Errorf("totals %+v, want the sums of the lines %d + %d = %d", calc.Totals, net, tx, gross)
	}
}

func testCalculateShippingAndTotals(e *env) {
	t := e.t
	MustCreateClass(t, e.svc, "zero")
	MustCreateRegion(t, e.svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "standard", Rate: "19"}, {TaxClass: "zero", Rate: "0"}}})
	eur := func(a int64) money.Money { return money.Money{Amount: a, Currency: "EUR"} }
	c, err := e.svc.Calculate(e.ctx, tax.CalculateQuery{Country: "DE", Currency: "EUR",
		Lines:    []tax.Line{{Ref: "line_1", Amount: eur(2380), TaxInclusive: true}, {Ref: "line_2", Amount: eur(1000)}, {Ref: "line_3", TaxClass: "zero", Amount: eur(500)}},
		Shipping: &tax.Line{Amount: eur(495)}})
	if err != nil {
		t.Fatalf("Calculate: %s", errstest.Describe(err))
	}
	if c.Shipping == nil || c.Shipping.Ref != "shipping" || c.Shipping.Tax != eur(94) || c.Shipping.Gross != eur(589) { // 94.05
		t.Errorf("shipping %+v", c.Shipping)
	}
	// 2000+1000+500+495 net; 380+190+0+94 tax.
	want := tax.Totals{Net: eur(3995), Tax: eur(664), Gross: eur(4659)}
	if c.Totals != want || c.Currency != "EUR" {
		t.Errorf("totals %+v, want %+v", c.Totals, want)
	}
	if c.Lines[0].Ref != "line_1" || c.Lines[0].Net != eur(2000) || c.Lines[2].Tax != eur(0) || c.Lines[2].TaxClass != "zero" {
		t.Errorf("lines %+v", c.Lines)
	}
}

func testCalculateInvalid(e *env) {
	t := e.t
	ok := []tax.Line{{Amount: usd(100)}}
	for _, tt := range []struct {
		q     tax.CalculateQuery
		field string
	}{
		{tax.CalculateQuery{Country: "", Currency: "USD", Lines: ok}, "country"},
		{tax.CalculateQuery{Country: "XX", Currency: "USD", Lines: ok}, "country"},
		{tax.CalculateQuery{Country: "us", Currency: "USD", Lines: ok}, "country"},
		{tax.CalculateQuery{Country: "US", Currency: "", Lines: ok}, "currency"},
		{tax.CalculateQuery{Country: "US", Currency: "ZZZ", Lines: ok}, "currency"},
		{tax.CalculateQuery{Country: "US", Subdivision: "New York", Currency: "USD", Lines: ok}, "subdivision"},
		{tax.CalculateQuery{Country: "US", PostalCode: "10036#", Currency: "USD", Lines: ok}, "postal_code"},
		{tax.CalculateQuery{Country: "US", Currency: "USD", Lines: []tax.Line{{Amount: usd(1)}, {Amount: money.Money{Amount: 1, Currency: "EUR"}}}}, "lines[1].amount"},
		{tax.CalculateQuery{Country: "US", Currency: "USD", Lines: []tax.Line{{Amount: usd(-1)}}}, "lines[0].amount"},
		{tax.CalculateQuery{Country: "US", Currency: "USD", Lines: []tax.Line{{Amount: usd(money.MaxAmount + 1)}}}, "lines[0].amount"},
		{tax.CalculateQuery{Country: "US", Currency: "USD", Lines: []tax.Line{{Amount: usd(1), TaxClass: "No Class"}}}, "lines[0].tax_class"},
		{tax.CalculateQuery{Country: "US", Currency: "USD", Lines: ok, Shipping: &tax.Line{Amount: money.Money{Amount: 5, Currency: "EUR"}}}, "shipping.amount"},
	} {
		_, err := e.svc.Calculate(e.ctx, tt.q)
		errstest.WantInvalid(t, err, tt.field)
	}
}
