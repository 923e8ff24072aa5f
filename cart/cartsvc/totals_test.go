package cartsvc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/cart/cartsvc"
	"github.com/agoracommerce/agora/cart/carttest"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxtest"
)

// TestTotalsProperty: for any lines (exclusive or inclusive), shipping and
// rate, the totals the cart computes from the tax module's answer satisfy
// the documented formula exactly.
func TestTotalsProperty(t *testing.T) {
	ctx := context.Background()
	svc := taxtest.MustService(t)
	rapid.Check(t, func(rt *rapid.T) {
		pct := rapid.SampledFrom([]string{"0", "5", "7.7", "19", "20", "8.875", "25.5"}).Draw(rt, "rate")
		r, err := svc.CreateRegion(ctx, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: tax.StandardClass, Rate: pct}}})
		if err != nil {
			rt.Fatal(err)
		}
		defer func() { // the next case creates its own
			if err := svc.DeleteRegion(ctx, r.ID); err != nil {
				rt.Error(err)
			}
		}()
		n := rapid.IntRange(0, 20).Draw(rt, "lines")
		var lines []cartsvc.Line
		q := tax.CalculateQuery{Country: "DE", Currency: "EUR"}
		var gross, exclusive int64
		for i := range n {
			l := cartsvc.Line{Ref: string(rune('a' + i)), Amount: money.Money{Amount: rapid.Int64Range(0, 10_000_000_000).Draw(rt, "amount"), Currency: "EUR"},
				TaxInclusive: rapid.Bool().Draw(rt, "inclusive")}
			lines = append(lines, l)
			q.Lines = append(q.Lines, tax.Line{Ref: l.Ref, Amount: l.Amount, TaxInclusive: l.TaxInclusive})
			if l.TaxInclusive {
				gross += l.Amount.Amount
			} else {
				exclusive += l.Amount.Amount
			}
		}
		ship := money.Money{Amount: rapid.Int64Range(0, 100_000).Draw(rt, "shipping"), Currency: "EUR"}
		q.Shipping = &tax.Line{Ref: "shipping", Amount: ship}
		calc, err := svc.Calculate(ctx, q)
		if err != nil {
			rt.Fatal(err)
		}
		got, err := cartsvc.Compute("EUR", lines, ship, &calc)
		if err != nil {
			rt.Fatal(err)
		}
		if got.Total.Amount != got.Subtotal.Amount+got.Shipping.Amount+got.Tax.Amount-got.Discount.Amount {
			rt.Fatalf("total %+v is not subtotal + shipping + tax − discount", got)
		}
		// Inclusive lines enter the total with exactly their price;
		// exclusive ones and shipping with their price plus their tax.
		var exTax int64
		for i, l := range lines {
			if !l.TaxInclusive {
				exTax += calc.Lines[i].Tax.Amount
			}
		}
		if want := gross + exclusive + exTax + ship.Amount + calc.Shipping.Tax.Amount; got.Total.Amount != want {
			rt.Fatalf("total %d, want %d", got.Total.Amount, want)
		}
		if got.Shipping != ship || got.Total.Currency != "EUR" || got.Tax.Amount < 0 || got.Subtotal.Amount > gross+exclusive {
			rt.Fatalf("totals %+v", got)
		}
		// Without an address: no tax, every line at its price.
		none, err := cartsvc.Compute("EUR", lines, ship, nil)
		if err != nil {
			rt.Fatal(err)
		}
		if none.Tax.Amount != 0 || none.Subtotal.Amount != gross+exclusive || none.Total.Amount != gross+exclusive+ship.Amount {
			rt.Fatalf("untaxed totals %+v", none)
		}
	})
}

func TestComputeRefusesMixedCurrencies(t *testing.T) {
	_, err := cartsvc.Compute("EUR", []cartsvc.Line{{Amount: money.Money{Amount: 1, Currency: "USD"}}}, money.Money{Currency: "EUR"}, nil)
	if err == nil || errs.Is(err, errs.Invalid) {
		t.Fatalf("mixed currencies: %v", err)
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestExpiryAndSweep(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	deps, s := services(t)
	cfg := cartsvc.DefaultConfig()
	cfg.TTL, cfg.Retention, cfg.SweepBatch = time.Hour, 24*time.Hour, 2
	svc := carttest.MustService(t, deps, cfg, clk.now)
	s.Cart = svc
	p := carttest.MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 100, Currency: "USD"})
	old := carttest.Must(t)(svc.Create(ctx, cart.CreateCommand{Currency: "USD"}))
	var others []cart.Cart
	for range 4 {
		others = append(others, carttest.Must(t)(svc.Create(ctx, cart.CreateCommand{Currency: "USD"})))
	}
	clk.add(50 * time.Minute)
	// A change moves the expiry.
	kept := carttest.Must(t)(svc.AddItem(ctx, cart.AddItemCommand{CartID: old.ID, VariantID: p.VariantID, Quantity: 1}))
	if !kept.ExpiresAt.Equal(clk.now().UTC().Truncate(time.Microsecond).Add(time.Hour)) {
		t.Fatalf("expires_at %v", kept.ExpiresAt)
	}
	clk.add(20 * time.Minute)
	carttest.Must(t)(svc.Get(ctx, old.ID))
	_, err := svc.Get(ctx, others[0].ID)
	carttest.WantErr(t, err, errs.NotFound, cart.CodeExpired)
	_, err = svc.AddItem(ctx, cart.AddItemCommand{CartID: others[0].ID, VariantID: p.VariantID, Quantity: 1})
	carttest.WantErr(t, err, errs.NotFound, cart.CodeExpired)
	_, err = svc.Complete(ctx, others[0].ID)
	carttest.WantErr(t, err, errs.NotFound, cart.CodeExpired)
	// Not yet past the retention: nothing is deleted.
	if n, err := svc.SweepOnce(ctx); err != nil || n != 0 {
		t.Fatalf("early sweep: %d %v", n, err)
	}
	clk.add(24 * time.Hour)
	if n, err := svc.SweepOnce(ctx); err != nil || n != 4 {
		t.Fatalf("sweep: %d %v, want 4 (in batches of 2)", n, err)
	}
	_, err = svc.Get(ctx, others[0].ID)
	carttest.WantErr(t, err, errs.NotFound, "not_found")
	// The changed cart expired later and is still within its retention.
	_, err = svc.Get(ctx, old.ID)
	carttest.WantErr(t, err, errs.NotFound, cart.CodeExpired)
	clk.add(2 * time.Hour)
	if n, err := svc.SweepOnce(ctx); err != nil || n != 1 {
		t.Fatalf("last sweep: %d %v", n, err)
	}
}

func TestMaxLines(t *testing.T) {
	ctx := context.Background()
	deps, s := services(t)
	svc := carttest.MustService(t, deps, cartsvc.DefaultConfig(), nil)
	s.Cart = svc
	c := carttest.Must(t)(svc.Create(ctx, cart.CreateCommand{Currency: "USD"}))
	for range cart.MaxItems {
		p := carttest.MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 100, Currency: "USD"})
		c = carttest.Must(t)(svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
	}
	if len(c.Items) != cart.MaxItems || c.Totals.Total.Amount != 100*cart.MaxItems {
		t.Fatalf("%d items, totals %+v", len(c.Items), c.Totals)
	}
	p := carttest.MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 100, Currency: "USD"})
	_, err := svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1})
	carttest.WantErr(t, err, errs.Conflict, cart.CodeTooManyItems)
}

// TestUnavailableLine: a line whose product was deleted is kept, marked
// unavailable, out of the totals, and blocks completion until removed.
func TestUnavailableLine(t *testing.T) {
	ctx := context.Background()
	deps, s := services(t)
	svc := carttest.MustService(t, deps, cartsvc.DefaultConfig(), nil)
	s.Cart = svc
	p := carttest.MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 100, Currency: "USD"})
	q := carttest.MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 30, Currency: "USD"})
	c := carttest.Must(t)(svc.Create(ctx, cart.CreateCommand{Currency: "USD"}))
	c = carttest.Must(t)(svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
	c = carttest.Must(t)(svc.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: q.VariantID, Quantity: 1}))
	prod, err := s.Catalog.GetProduct(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Catalog.DeleteProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	prod.Version++
	e, err := pricingEvent(prod)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FeedPricing(ctx, e); err != nil {
		t.Fatal(err)
	}
	got := carttest.Must(t)(svc.Get(ctx, c.ID))
	if !got.Items[0].Unavailable || got.Items[1].Unavailable || got.Totals.Total.Amount != 30 {
		t.Fatalf("cart %+v", got)
	}
	_, err = svc.Complete(ctx, c.ID)
	carttest.WantErr(t, err, errs.Conflict, cart.CodeUnavailable, "items[0]")
	got = carttest.Must(t)(svc.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: got.Items[0].ID}))
	if done := carttest.Must(t)(svc.Complete(ctx, c.ID)); done.Status != cart.Completed || done.Totals.Total.Amount != 30 {
		t.Fatalf("completed %+v", done)
	}
}
