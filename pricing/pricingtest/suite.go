package pricingtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
)

// Subject is one implementation under test: the service, and how catalog
// events reach its read model (in-process, or on the server behind a client).
type Subject struct {
	Service pricing.Service
	Feed    func(ctx context.Context, e event.Event) error
}

// ProductEvent builds a catalog event about a product with one variant per
// price set given.
func ProductEvent(t testing.TB, typ string, p catalog.Product) event.Event {
	t.Helper()
	e, err := event.New(catalog.Module, typ, p.ID, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// MustProduct feeds a created product with variants priced as given and
// returns their variant ids.
func MustProduct(t testing.TB, s Subject, prices ...[]money.Money) (catalog.Product, []string) {
	t.Helper()
	p := catalog.Product{ID: id.New("prod"), Title: "Chair", Version: 1}
	var ids []string
	for i, ps := range prices {
		v := catalog.Variant{ID: id.New("var"), SKU: fmt.Sprintf("SKU-%s-%d", p.ID[len(p.ID)-6:], i), Prices: ps}
		p.Variants = append(p.Variants, v)
		ids = append(ids, v.ID)
	}
	if err := s.Feed(context.Background(), ProductEvent(t, catalog.EventProductCreated, p)); err != nil {
		t.Fatal(err)
	}
	return p, ids
}

func usd(a int64) money.Money { return money.Money{Amount: a, Currency: "USD"} }

func quote(t testing.TB, svc pricing.Service, q pricing.QuoteQuery) pricing.Quote {
	t.Helper()
	out, err := svc.Quote(context.Background(), q)
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	return out
}

func line(v string, qty int64) []pricing.QuoteLine {
	return []pricing.QuoteLine{{VariantID: v, Quantity: qty}}
}

// TestService runs the contract suite; newSubject gives a fresh, empty
// implementation per subtest.
func TestService(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	t.Run("catalog price", func(t *testing.T) {
		s := newSubject(t)
		_, vs := MustProduct(t, s, []money.Money{usd(1999), {Amount: 1800, Currency: "EUR"}})
		q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 3)})
		l := q.Lines[0]
		if l.UnitPrice != usd(1999) || l.Total != usd(5997) || q.Subtotal != usd(5997) || l.PriceListID != "" || l.TaxInclusive || l.CompareAt != nil || l.ProductID == "" || l.SKU == "" {
			t.Fatalf("quote %+v", q)
		}
		_, err := s.Service.Quote(ctx, pricing.QuoteQuery{Currency: "GBP", Lines: line(vs[0], 1)})
		errstest.Want(t, err, errs.Invalid, "no_price", "lines[0]")
		_, err = s.Service.Quote(ctx, pricing.QuoteQuery{Currency: "USD", Lines: line(id.New("var"), 1)})
		errstest.Want(t, err, errs.NotFound, "unknown_variant", "lines[0]")
	})
	t.Run("price list lowers the price", func(t *testing.T) {
		s := newSubject(t)
		_, vs := MustProduct(t, s, []money.Money{usd(1000)}, []money.Money{usd(500)})
		pl, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Sale", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 800}}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(pl.ID, "pl_") || !pl.Active || pl.Version != 1 {
			t.Fatalf("list %+v", pl)
		}
		q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: []pricing.QuoteLine{{VariantID: vs[0], Quantity: 2}, {VariantID: vs[1], Quantity: 1}}})
		if q.Lines[0].UnitPrice != usd(800) || q.Lines[0].PriceListID != pl.ID || q.Lines[0].CompareAt == nil || *q.Lines[0].CompareAt != usd(1000) {
			t.Fatalf("line 0 %+v", q.Lines[0])
		}
		if q.Lines[1].UnitPrice != usd(500) || q.Subtotal != usd(2100) {
			t.Fatalf("quote %+v", q)
		}
		// A list price also prices a variant without a catalog price.
		_, err = s.Service.Quote(ctx, pricing.QuoteQuery{Currency: "EUR", Lines: line(vs[0], 1)})
		errstest.Want(t, err, errs.Invalid, "no_price")
		eur, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "EU", Currency: "EUR", TaxInclusive: true, Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 950}}})
		if err != nil {
			t.Fatal(err)
		}
		q = quote(t, s.Service, pricing.QuoteQuery{Currency: "EUR", Lines: line(vs[0], 1)})
		if q.Lines[0].UnitPrice.Amount != 950 || !q.Lines[0].TaxInclusive || q.Lines[0].PriceListID != eur.ID {
			t.Fatalf("EUR %+v", q.Lines[0])
		}
	})
	t.Run("versions applied concurrently", func(t *testing.T) {
		// A consumer may apply a product's events at once and out of
		// order: the newest version must win whatever the interleaving.
		s := newSubject(t)
		p := catalog.Product{ID: id.New("prod"), Title: "Chair", Variants: []catalog.Variant{{ID: id.New("var"), SKU: "SKU-" + id.New("x")}}}
		vs := []string{p.Variants[0].ID}
		var wg sync.WaitGroup
		for v := int64(10); v >= 1; v-- { // the product is new: no row to lock yet
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := p
				q.Version = v
				q.Variants = []catalog.Variant{{ID: vs[0], SKU: p.Variants[0].SKU, Prices: []money.Money{usd(1000 + v)}}}
				typ := catalog.EventProductUpdated
				if v == 1 {
					typ = catalog.EventProductCreated
				}
				if err := s.Feed(ctx, ProductEvent(t, typ, q)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 1)}); q.Lines[0].UnitPrice.Amount != 1010 {
			t.Fatalf("after concurrent versions: %d, want the price of version 10", q.Lines[0].UnitPrice.Amount)
		}
	})
	t.Run("targeting and windows", func(t *testing.T) {
		s := newSubject(t)
		_, vs := MustProduct(t, s, []money.Money{usd(1000)})
		now := time.Now().UTC()
		later := now.Add(48 * time.Hour)
		if _, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Web", Currency: "USD", Channel: "web", Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 900}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "VIP", Currency: "USD", CustomerGroup: "vip", Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 700}}}); err != nil {
			t.Fatal(err)
		}
		future, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Black Friday", Currency: "USD", StartsAt: &later, Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 500}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			channel, group string
			at             time.Time
			want           int64
		}{
			{"", "", now, 1000},
			{"web", "", now, 900},
			{"web", "vip", now, 700},
			{"app", "vip", now, 700},
			{"", "", later, 500},
			{"", "", later.Add(-time.Second), 1000},
		} {
			q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Channel: c.channel, CustomerGroup: c.group, At: c.at, Lines: line(vs[0], 1)})
			if q.Lines[0].UnitPrice.Amount != c.want {
				t.Errorf("channel %q group %q at %v: %d, want %d", c.channel, c.group, c.at, q.Lines[0].UnitPrice.Amount, c.want)
			}
		}
		// A buyer in several groups gets the lists of any of them.
		if _, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Trade", Currency: "USD", CustomerGroup: "trade", Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 650}}}); err != nil {
			t.Fatal(err)
		}
		for groups, want := range map[string]int64{"vip": 700, "trade": 650, "vip,trade": 650, "other": 1000, "other,vip": 700} {
			q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", At: now, CustomerGroups: strings.Split(groups, ","), Lines: line(vs[0], 1)})
			if q.Lines[0].UnitPrice.Amount != want {
				t.Errorf("groups %s: %d, want %d", groups, q.Lines[0].UnitPrice.Amount, want)
			}
		}
		_, err = s.Service.Quote(ctx, pricing.QuoteQuery{Currency: "USD", CustomerGroups: []string{"Not A Slug"}, Lines: line(vs[0], 1)})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "customer_groups[0]")
		// ends_at is exclusive; an inactive list does not apply.
		end := later.Add(time.Hour)
		if _, err := s.Service.UpdatePriceList(ctx, pricing.UpdatePriceListCommand{ID: future.ID, EndsAt: &end}); err != nil {
			t.Fatal(err)
		}
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", At: end, Lines: line(vs[0], 1)}); q.Lines[0].UnitPrice.Amount != 1000 {
			t.Errorf("at ends_at: %d", q.Lines[0].UnitPrice.Amount)
		}
		off := false
		upd, err := s.Service.UpdatePriceList(ctx, pricing.UpdatePriceListCommand{ID: future.ID, Active: &off})
		if err != nil || upd.Active || upd.Version != 3 {
			t.Fatalf("deactivate: %+v %v", upd, err)
		}
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", At: later, Lines: line(vs[0], 1)}); q.Lines[0].UnitPrice.Amount != 1000 {
			t.Errorf("inactive list applied: %d", q.Lines[0].UnitPrice.Amount)
		}
		before := now.Add(-time.Hour)
		_, err = s.Service.UpdatePriceList(ctx, pricing.UpdatePriceListCommand{ID: future.ID, EndsAt: &before})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "ends_at")
	})
	t.Run("ties and removal", func(t *testing.T) {
		s := newSubject(t)
		_, vs := MustProduct(t, s, []money.Money{usd(1000)})
		a, _ := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "A", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 600}}})
		b, _ := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "B", Currency: "USD", Priority: 5, Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: 600}}})
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 1)}); q.Lines[0].PriceListID != b.ID {
			t.Fatalf("tie went to %s, want the higher priority %s", q.Lines[0].PriceListID, b.ID)
		}
		if err := s.Service.SetPrices(ctx, pricing.SetPricesCommand{ListID: b.ID, Prices: []pricing.ListPrice{{VariantID: vs[0], Amount: -1}}}); err != nil {
			t.Fatal(err)
		}
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 1)}); q.Lines[0].PriceListID != a.ID {
			t.Fatalf("after removal: %s", q.Lines[0].PriceListID)
		}
		if err := s.Service.DeletePriceList(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Service.GetPriceList(ctx, a.ID)
		errstest.Want(t, err, errs.NotFound, "not_found")
		errstest.Want(t, s.Service.DeletePriceList(ctx, a.ID), errs.NotFound, "not_found")
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 1)}); q.Lines[0].UnitPrice.Amount != 1000 {
			t.Fatalf("after delete: %+v", q.Lines[0])
		}
	})
	t.Run("prices pages", func(t *testing.T) {
		s := newSubject(t)
		var prices []pricing.ListPrice
		for i := range 25 {
			prices = append(prices, pricing.ListPrice{VariantID: id.New("var"), Amount: int64(100 + i)})
		}
		pl, err := s.Service.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Big", Currency: "JPY", Prices: prices})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		cursor := ""
		for range 5 {
			page, err := s.Service.ListPrices(ctx, pricing.ListPricesQuery{ListID: pl.ID, Limit: 10, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Data {
				if seen[p.VariantID] {
					t.Fatalf("%s twice", p.VariantID)
				}
				seen[p.VariantID] = true
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if len(seen) != 25 {
			t.Fatalf("paged %d prices, want 25", len(seen))
		}
		lists, err := s.Service.ListPriceLists(ctx, pricing.ListPriceListsQuery{Currency: "JPY"})
		if err != nil || len(lists.Data) != 1 {
			t.Fatalf("lists: %v %v", lists, err)
		}
		_, err = s.Service.ListPrices(ctx, pricing.ListPricesQuery{ListID: pl.ID, Cursor: "!!"})
		errstest.Want(t, err, errs.Invalid, "", "cursor")
	})
	t.Run("bad input", func(t *testing.T) {
		s := newSubject(t)
		_, vs := MustProduct(t, s, []money.Money{usd(money.MaxAmount)})
		v := vs[0]
		now := time.Now()
		for name, cmd := range map[string]struct {
			cmd   pricing.CreatePriceListCommand
			field string
		}{
			"currency": {pricing.CreatePriceListCommand{Name: "x", Currency: "usd"}, "currency"},
			"name":     {pricing.CreatePriceListCommand{Name: " ", Currency: "USD"}, "name"},
			"window":   {pricing.CreatePriceListCommand{Name: "x", Currency: "USD", StartsAt: &now, EndsAt: &now}, "ends_at"},
			"amount":   {pricing.CreatePriceListCommand{Name: "x", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: v, Amount: -5}}}, "prices[0].amount"},
			"variant":  {pricing.CreatePriceListCommand{Name: "x", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: "prod_1", Amount: 5}}}, "prices[0].variant_id"},
			"repeat":   {pricing.CreatePriceListCommand{Name: "x", Currency: "USD", Prices: []pricing.ListPrice{{VariantID: v, Amount: 5}, {VariantID: v, Amount: 6}}}, "prices[1].variant_id"},
			"channel":  {pricing.CreatePriceListCommand{Name: "x", Currency: "USD", Channel: "Web Shop"}, "channel"},
		} {
			_, err := s.Service.CreatePriceList(ctx, cmd.cmd)
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v", name, err)
				continue
			}
			errstest.Want(t, err, errs.Invalid, "", cmd.field)
		}
		if lists, _ := s.Service.ListPriceLists(ctx, pricing.ListPriceListsQuery{}); len(lists.Data) != 0 {
			t.Fatalf("bad input created %d lists", len(lists.Data))
		}
		for name, q := range map[string]struct {
			q     pricing.QuoteQuery
			field string
		}{
			"no lines": {pricing.QuoteQuery{Currency: "USD"}, "lines"},
			"zero":     {pricing.QuoteQuery{Currency: "USD", Lines: line(v, 0)}, "lines[0].quantity"},
			"huge":     {pricing.QuoteQuery{Currency: "USD", Lines: line(v, pricing.MaxQuantity+1)}, "lines[0].quantity"},
			"id":       {pricing.QuoteQuery{Currency: "USD", Lines: line("nope", 1)}, "lines[0].variant_id"},
			"currency": {pricing.QuoteQuery{Currency: "XXX", Lines: line(v, 1)}, "currency"},
			"overflow": {pricing.QuoteQuery{Currency: "USD", Lines: line(v, 10_000)}, "lines[0].quantity"},
		} {
			_, err := s.Service.Quote(ctx, q.q)
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v", name, err)
				continue
			}
			errstest.Want(t, err, errs.Invalid, "", q.field)
		}
		_, err := s.Service.GetPriceList(ctx, "pl_nope")
		errstest.Want(t, err, errs.NotFound, "")
		err = s.Service.SetPrices(ctx, pricing.SetPricesCommand{ListID: id.New("pl"), Prices: []pricing.ListPrice{{VariantID: v, Amount: 1}}})
		errstest.Want(t, err, errs.NotFound, "")
	})
	t.Run("read model follows the catalog", func(t *testing.T) {
		s := newSubject(t)
		p, vs := MustProduct(t, s, []money.Money{usd(1000)})
		// A newer version changes the price; a stale one does not undo it.
		p2 := p
		p2.Version = 3
		p2.Variants = []catalog.Variant{{ID: vs[0], SKU: "NEW", Prices: []money.Money{usd(1200)}}}
		if err := s.Feed(ctx, ProductEvent(t, catalog.EventProductUpdated, p2)); err != nil {
			t.Fatal(err)
		}
		stale := p
		stale.Version = 2
		stale.Variants = []catalog.Variant{{ID: vs[0], SKU: "OLD", Prices: []money.Money{usd(1100)}}}
		e := ProductEvent(t, catalog.EventProductUpdated, stale)
		if err := s.Feed(ctx, e); err != nil {
			t.Fatal(err)
		}
		if q := quote(t, s.Service, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 1)}); q.Lines[0].UnitPrice.Amount != 1200 || q.Lines[0].SKU != "NEW" {
			t.Fatalf("after updates: %+v", q.Lines[0])
		}
		// Redelivery of an event is harmless.
		if err := s.Feed(ctx, e); err != nil {
			t.Fatal(err)
		}
		p3 := p2
		p3.Version = 4
		if err := s.Feed(ctx, ProductEvent(t, catalog.EventProductDeleted, p3)); err != nil {
			t.Fatal(err)
		}
		_, err := s.Service.Quote(ctx, pricing.QuoteQuery{Currency: "USD", Lines: line(vs[0], 1)})
		errstest.Want(t, err, errs.NotFound, "unknown_variant")
	})
}
