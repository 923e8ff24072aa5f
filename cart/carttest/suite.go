package carttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/tax"
)

// Subject is one cart implementation under test and the services it calls,
// through which the suite sets up products, prices, stock and tax rates.
type Subject struct {
	Cart      cart.Service
	Catalog   catalog.Service
	Pricing   pricing.Service
	Inventory inventory.Service
	Tax       tax.Service
	// FeedPricing delivers a catalog event to pricing's read model.
	FeedPricing func(ctx context.Context, e event.Event) error
}

func unique() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Product is a product the suite created: its id and its variant's id and SKU.
type Product struct {
	ID, VariantID, SKU string
}

// MustProduct creates a product of status with one variant priced as given
// and feeds it to pricing. stock ≥ 0 sets the SKU's on-hand units; < 0
// leaves the SKU unknown to inventory.
func MustProduct(tb testing.TB, s Subject, status catalog.Status, stock int64, prices ...money.Money) Product {
	tb.Helper()
	ctx := context.Background()
	u := unique()
	sku := "CART-" + strings.ToUpper(u)
	p, err := s.Catalog.CreateProduct(ctx, catalog.CreateProductCommand{
		Title: "Lamp " + u, Status: status,
		Variants: []catalog.VariantInput{{SKU: sku, Title: "Brass", Prices: prices}},
	})
	if err != nil {
		tb.Fatalf("create product: %s", errstest.Describe(err))
	}
	e, err := event.New(catalog.Module, catalog.EventProductCreated, p.ID, p, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.FeedPricing(ctx, e); err != nil {
		tb.Fatalf("feed pricing: %v", err)
	}
	if stock >= 0 {
		if _, err := s.Inventory.SetLevel(ctx, inventory.SetLevelCommand{SKU: sku, OnHand: stock, Reason: "test"}); err != nil {
			tb.Fatalf("set level: %s", errstest.Describe(err))
		}
	}
	return Product{ID: p.ID, VariantID: p.Variants[0].ID, SKU: sku}
}

// WantErr is errstest.Want, kept for the tests of cartsvc until they call
// errstest themselves.
func WantErr(tb testing.TB, err error, k errs.Kind, code string, fields ...string) {
	tb.Helper()
	errstest.Want(tb, err, k, code, fields...)
}

// Describe is errstest.Describe, kept for the tests of cartsvc.
func Describe(err error) string { return errstest.Describe(err) }

// Must returns a function that fails tb on err and returns c:
// Must(t)(svc.Get(ctx, id)).
func Must(tb testing.TB) func(c cart.Cart, err error) cart.Cart {
	return func(c cart.Cart, err error) cart.Cart {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %s", errstest.Describe(err))
		}
		return c
	}
}

func usd(a int64) money.Money { return money.Money{Amount: a, Currency: "USD"} }

func wantTotals(tb testing.TB, c cart.Cart, subtotal, shipping, tax, total int64) {
	tb.Helper()
	t := c.Totals
	cur := c.Currency
	want := cart.Totals{
		Subtotal: money.Money{Amount: subtotal, Currency: cur}, Discount: money.Money{Currency: cur},
		Shipping: money.Money{Amount: shipping, Currency: cur}, Tax: money.Money{Amount: tax, Currency: cur},
		Total: money.Money{Amount: total, Currency: cur},
	}
	if t != want {
		tb.Fatalf("totals %+v, want %+v", t, want)
	}
}

var deAddress = cart.Address{Name: "Ada", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", Country: "DE"}

// TestService runs the contract suite; newSubject gives a fresh
// implementation per subtest.
func TestService(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("create", func(t *testing.T) {
		s := newSubject(t)
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD", Email: "ada@example.com"}))
		if !id.Valid("cart", c.ID) || c.Status != cart.Active || c.Currency != "USD" || c.Email != "ada@example.com" ||
			c.Items == nil || len(c.Items) != 0 || c.Version != 1 || c.Channel != catalog.DefaultChannel || !c.ExpiresAt.After(c.UpdatedAt) {
			t.Fatalf("created %+v", c)
		}
		wantTotals(t, c, 0, 0, 0, 0)
		got := Must(t)(s.Cart.Get(ctx, c.ID))
		if got.ID != c.ID || got.Version != 1 {
			t.Fatalf("get %+v", got)
		}
		_, err := s.Cart.Create(ctx, cart.CreateCommand{Currency: "usd"})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "currency")
		_, err = s.Cart.Create(ctx, cart.CreateCommand{Currency: "ZZZ", Email: "not an email"})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "currency", "email")
		_, err = s.Cart.Get(ctx, id.New("cart"))
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = s.Cart.Get(ctx, "nope")
		errstest.Want(t, err, errs.NotFound, "not_found")
	})

	t.Run("add items", func(t *testing.T) {
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 50, usd(1999))
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 2}))
		if len(c.Items) != 1 || c.Version != 2 {
			t.Fatalf("cart %+v", c)
		}
		it := c.Items[0]
		if !id.Valid("cli", it.ID) || it.VariantID != p.VariantID || it.ProductID != p.ID || it.SKU != p.SKU || !strings.HasPrefix(it.Title, "Lamp ") ||
			it.VariantTitle != "Brass" || it.Quantity != 2 || it.UnitPrice != usd(1999) || it.Total != usd(3998) || it.TaxInclusive || it.Unavailable {
			t.Fatalf("item %+v", it)
		}
		wantTotals(t, c, 3998, 0, 0, 3998)
		// The same variant again, by id and by SKU: one line, more units.
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, SKU: p.SKU, Quantity: 1}))
		if len(c.Items) != 1 || c.Items[0].Quantity != 4 || c.Items[0].ID != it.ID {
			t.Fatalf("items %+v", c.Items)
		}
		wantTotals(t, c, 7996, 0, 0, 7996)
		q := MustProduct(t, s, catalog.Published, 50, usd(5))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, SKU: q.SKU, Quantity: 3}))
		wantTotals(t, c, 8011, 0, 0, 8011)
		got := Must(t)(s.Cart.Get(ctx, c.ID))
		if len(got.Items) != 2 || got.Totals != c.Totals || got.Version != c.Version {
			t.Fatalf("get %+v, want %+v", got, c)
		}
	})

	t.Run("concurrent changes are not lost", func(t *testing.T) {
		// Shoppers' tabs add different products to one cart at the same
		// moment: every line lands, each change on the one before it.
		s := newSubject(t)
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		const n = 8
		ps := make([]Product, n)
		for i := range ps {
			ps[i] = MustProduct(t, s, catalog.Published, 50, usd(100))
		}
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for _, p := range ps {
			wg.Go(func() {
				for {
					_, err := s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1})
					if errs.HasCode(err, cart.CodeVersion) {
						continue // the documented answer to a lost race: retry
					}
					errc <- err
					return
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("add: %s", errstest.Describe(err))
			}
		}
		got := Must(t)(s.Cart.Get(ctx, c.ID))
		if len(got.Items) != n || got.Version != 1+n {
			t.Fatalf("after %d concurrent adds: %d lines, version %d", n, len(got.Items), got.Version)
		}
		wantTotals(t, got, n*100, 0, 0, n*100)
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 500, usd(100))
		draft := MustProduct(t, s, catalog.Draft, 5, usd(100))
		eur := MustProduct(t, s, catalog.Published, 5, money.Money{Amount: 100, Currency: "EUR"})
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
		add := func(cmd cart.AddItemCommand) error {
			cmd.CartID = c.ID
			_, err := s.Cart.AddItem(ctx, cmd)
			return err
		}
		for _, q := range []int64{0, -1, 101, 1 << 40} {
			errstest.Want(t, add(cart.AddItemCommand{VariantID: p.VariantID, Quantity: q}), errs.Invalid, "validation_failed", "quantity")
		}
		errstest.Want(t, add(cart.AddItemCommand{VariantID: p.VariantID, Quantity: 100}), errs.Invalid, "validation_failed", "quantity")
		errstest.Want(t, add(cart.AddItemCommand{VariantID: id.New("var"), Quantity: 1}), errs.NotFound, cart.CodeUnknownVariant, "variant_id")
		errstest.Want(t, add(cart.AddItemCommand{VariantID: "var_bogus", Quantity: 1}), errs.Invalid, "validation_failed", "variant_id")
		errstest.Want(t, add(cart.AddItemCommand{SKU: "NO-SUCH-SKU-" + unique(), Quantity: 1}), errs.NotFound, cart.CodeUnknownVariant, "sku")
		errstest.Want(t, add(cart.AddItemCommand{Quantity: 1}), errs.Invalid, "validation_failed", "variant_id")
		errstest.Want(t, add(cart.AddItemCommand{VariantID: p.VariantID, SKU: p.SKU, Quantity: 1}), errs.Invalid, "validation_failed", "sku")
		errstest.Want(t, add(cart.AddItemCommand{VariantID: draft.VariantID, Quantity: 1}), errs.Conflict, cart.CodeNotPurchasable, "variant_id")
		errstest.Want(t, add(cart.AddItemCommand{VariantID: eur.VariantID, Quantity: 1}), errs.Invalid, cart.CodeNoPrice, "variant_id")
		_, err := s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: id.New("cart"), VariantID: p.VariantID, Quantity: 1})
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 0})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "quantity")
		_, err = s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: id.New("cli"), Quantity: 2})
		errstest.Want(t, err, errs.NotFound, cart.CodeItemNotFound)
		_, err = s.Cart.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: id.New("cli")})
		errstest.Want(t, err, errs.NotFound, cart.CodeItemNotFound)
		bad := cart.Address{Name: "", Line1: "x", City: "", PostalCode: "1", Country: "XX"}
		_, err = s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, ShippingAddress: &bad})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "shipping_address.name", "shipping_address.city", "shipping_address.country")
		bad = deAddress
		bad.Subdivision = "not a subdivision"
		_, err = s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, ShippingAddress: &bad})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "shipping_address.subdivision")
		email := "nope"
		_, err = s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, Email: &email})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "email")
		_, err = s.Cart.SetShippingMethod(ctx, cart.SetShippingMethodCommand{CartID: c.ID, OptionID: "so_1", Name: "Express", Amount: money.Money{Amount: 500, Currency: "EUR"}})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "amount")
		_, err = s.Cart.SetShippingMethod(ctx, cart.SetShippingMethodCommand{CartID: c.ID, OptionID: "", Name: "Express", Amount: usd(1)})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "option_id")
		_, err = s.Cart.SetShippingMethod(ctx, cart.SetShippingMethodCommand{CartID: c.ID, OptionID: "so_1", Name: "Express", Amount: usd(-1)})
		errstest.Want(t, err, errs.Invalid, "validation_failed", "amount")
		got := Must(t)(s.Cart.Get(ctx, c.ID))
		if got.Version != c.Version || len(got.Items) != 1 || got.Items[0].Quantity != 1 || got.ShippingAddress != nil || got.ShippingMethod != nil {
			t.Fatalf("after bad input %+v, want %+v", got, c)
		}
	})

	t.Run("stock", func(t *testing.T) {
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 3, usd(100))
		unknown := MustProduct(t, s, catalog.Published, -1, usd(100))
		back := MustProduct(t, s, catalog.Published, 0, usd(100))
		yes := true
		if _, err := s.Inventory.UpdateItem(ctx, inventory.UpdateItemCommand{SKU: back.SKU, AllowBackorder: &yes}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		_, err := s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 4})
		errstest.Want(t, err, errs.Conflict, cart.CodeOutOfStock, "quantity")
		if e := errstest.Describe(err); !strings.Contains(e, p.SKU) {
			t.Errorf("out of stock does not name the line: %s", e)
		}
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 2}))
		_, err = s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 2})
		errstest.Want(t, err, errs.Conflict, cart.CodeOutOfStock)
		_, err = s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 4})
		errstest.Want(t, err, errs.Conflict, cart.CodeOutOfStock)
		c = Must(t)(s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 3}))
		_, err = s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: unknown.VariantID, Quantity: 1})
		errstest.Want(t, err, errs.Conflict, cart.CodeOutOfStock)
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: back.VariantID, Quantity: 7}))
		// Lowering a quantity needs no stock.
		if _, err := s.Inventory.SetLevel(ctx, inventory.SetLevelCommand{SKU: p.SKU, OnHand: 0, Reason: "test"}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		c = Must(t)(s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 1}))
		wantTotals(t, c, 800, 0, 0, 800)
	})

	t.Run("update and remove", func(t *testing.T) {
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 50, usd(250))
		q := MustProduct(t, s, catalog.Published, 50, usd(1000))
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: q.VariantID, Quantity: 1}))
		c = Must(t)(s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 4}))
		wantTotals(t, c, 2000, 0, 0, 2000)
		c = Must(t)(s.Cart.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: c.Items[1].ID}))
		if len(c.Items) != 1 || c.Items[0].VariantID != p.VariantID || c.Version != 5 {
			t.Fatalf("cart %+v", c)
		}
		wantTotals(t, c, 1000, 0, 0, 1000)
		email := "bob@example.com"
		c = Must(t)(s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, Email: &email}))
		if c.Email != email {
			t.Fatalf("email %q", c.Email)
		}
		c = Must(t)(s.Cart.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: c.Items[0].ID}))
		if len(c.Items) != 0 {
			t.Fatalf("items %+v", c.Items)
		}
		wantTotals(t, c, 0, 0, 0, 0)
	})

	t.Run("tax and shipping", func(t *testing.T) {
		s := newSubject(t)
		if _, err := s.Tax.CreateRegion(ctx, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: tax.StandardClass, Rate: "19"}}}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		ex := MustProduct(t, s, catalog.Published, 50, money.Money{Amount: 1000, Currency: "EUR"})
		in := MustProduct(t, s, catalog.Published, 50, money.Money{Amount: 9999, Currency: "EUR"})
		if _, err := s.Pricing.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Gross", Currency: "EUR", TaxInclusive: true,
			Prices: []pricing.ListPrice{{VariantID: in.VariantID, Amount: 1190}}}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "EUR"}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: ex.VariantID, Quantity: 1}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: in.VariantID, Quantity: 1}))
		if !c.Items[1].TaxInclusive || c.Items[1].Total.Amount != 1190 {
			t.Fatalf("inclusive line %+v", c.Items[1])
		}
		// No address: no tax; the inclusive line keeps its price.
		wantTotals(t, c, 2190, 0, 0, 2190)
		addr := deAddress
		c = Must(t)(s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, ShippingAddress: &addr}))
		// Exclusive 1000 → +190; inclusive 1190 = 1000 net + 190 tax.
		wantTotals(t, c, 2000, 0, 380, 2380)
		c = Must(t)(s.Cart.SetShippingMethod(ctx, cart.SetShippingMethodCommand{CartID: c.ID, OptionID: "so_std", Name: "Standard", Amount: money.Money{Amount: 500, Currency: "EUR"}}))
		if c.ShippingMethod == nil || c.ShippingMethod.OptionID != "so_std" || c.ShippingMethod.Amount.Amount != 500 {
			t.Fatalf("method %+v", c.ShippingMethod)
		}
		wantTotals(t, c, 2000, 500, 475, 2975)
		// Another country without a region: tax 0, the inclusive line is all net.
		us := cart.Address{Name: "Ada", Line1: "1 Main St", City: "Albany", PostalCode: "12207", Country: "US", Subdivision: "ny"}
		c = Must(t)(s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, ShippingAddress: &us}))
		if c.ShippingAddress.Subdivision != "US-NY" {
			t.Fatalf("subdivision %q", c.ShippingAddress.Subdivision)
		}
		wantTotals(t, c, 2190, 500, 0, 2690)
	})

	t.Run("never stale", func(t *testing.T) {
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 50, usd(1000))
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 2}))
		wantTotals(t, c, 2000, 0, 0, 2000)
		if _, err := s.Pricing.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "Sale", Currency: "USD",
			Prices: []pricing.ListPrice{{VariantID: p.VariantID, Amount: 750}}}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		got := Must(t)(s.Cart.Get(ctx, c.ID))
		if got.Items[0].UnitPrice != usd(750) {
			t.Fatalf("item %+v", got.Items[0])
		}
		wantTotals(t, got, 1500, 0, 0, 1500)
		if _, err := s.Tax.CreateRegion(ctx, tax.CreateRegionCommand{Country: "FR", Rates: []tax.RateInput{{TaxClass: tax.StandardClass, Rate: "20"}}}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		addr := cart.Address{Name: "Ada", Line1: "1 rue", City: "Paris", PostalCode: "75001", Country: "FR"}
		got = Must(t)(s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, ShippingAddress: &addr}))
		wantTotals(t, got, 1500, 0, 300, 1800)
	})

	t.Run("complete", func(t *testing.T) {
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 50, usd(1000))
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		_, err := s.Cart.Complete(ctx, c.ID)
		errstest.Want(t, err, errs.Conflict, cart.CodeEmpty)
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
		done := Must(t)(s.Cart.Complete(ctx, c.ID))
		if done.Status != cart.Completed || done.Version != c.Version+1 {
			t.Fatalf("completed %+v", done)
		}
		again := Must(t)(s.Cart.Complete(ctx, c.ID))
		if again.Status != cart.Completed || again.Version != done.Version {
			t.Fatalf("completed again %+v", again)
		}
		_, err = s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1})
		errstest.Want(t, err, errs.Conflict, cart.CodeCompleted)
		_, err = s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 1})
		errstest.Want(t, err, errs.Conflict, cart.CodeCompleted)
		_, err = s.Cart.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: c.Items[0].ID})
		errstest.Want(t, err, errs.Conflict, cart.CodeCompleted)
		_, err = s.Cart.SetShippingMethod(ctx, cart.SetShippingMethodCommand{CartID: c.ID, OptionID: "x", Name: "x", Amount: usd(1)})
		errstest.Want(t, err, errs.Conflict, cart.CodeCompleted)
		email := "a@example.com"
		_, err = s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, Email: &email})
		errstest.Want(t, err, errs.Conflict, cart.CodeCompleted)
		got := Must(t)(s.Cart.Get(ctx, c.ID))
		if got.Status != cart.Completed || got.Version != done.Version {
			t.Fatalf("get %+v", got)
		}
	})

	t.Run("hold", func(t *testing.T) {
		// A checkout's hold refuses every other change until the checkout
		// completes or releases the cart, so the order has the cart's lines.
		s := newSubject(t)
		p := MustProduct(t, s, catalog.Published, 50, usd(1000))
		c := Must(t)(s.Cart.Create(ctx, cart.CreateCommand{Currency: "USD"}))
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 2}))
		email := "ada@example.com"
		until := time.Now().Add(time.Hour)
		held := Must(t)(s.Cart.Hold(ctx, cart.HoldCommand{CartID: c.ID, CheckoutID: "chk_1", Until: until, Email: &email}))
		if held.Hold == nil || held.Hold.CheckoutID != "chk_1" || held.Email != email || held.Items[0].Quantity != 2 {
			t.Fatalf("held %+v", held)
		}
		_, err := s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1})
		errstest.Want(t, err, errs.Conflict, cart.CodeHeld)
		_, err = s.Cart.UpdateItem(ctx, cart.UpdateItemCommand{CartID: c.ID, ItemID: c.Items[0].ID, Quantity: 1})
		errstest.Want(t, err, errs.Conflict, cart.CodeHeld)
		_, err = s.Cart.RemoveItem(ctx, cart.RemoveItemCommand{CartID: c.ID, ItemID: c.Items[0].ID})
		errstest.Want(t, err, errs.Conflict, cart.CodeHeld)
		_, err = s.Cart.Update(ctx, cart.UpdateCommand{CartID: c.ID, Email: &email})
		errstest.Want(t, err, errs.Conflict, cart.CodeHeld)
		_, err = s.Cart.Hold(ctx, cart.HoldCommand{CartID: c.ID, CheckoutID: "chk_2", Until: until})
		errstest.Want(t, err, errs.Conflict, cart.CodeHeld)
		Must(t)(s.Cart.Hold(ctx, cart.HoldCommand{CartID: c.ID, CheckoutID: "chk_1", Until: until})) // the holder again
		// Another checkout's release changes nothing; the holder's frees it.
		if got := Must(t)(s.Cart.Release(ctx, cart.ReleaseCommand{CartID: c.ID, CheckoutID: "chk_2"})); got.Hold == nil {
			t.Fatalf("released by another checkout: %+v", got)
		}
		freed := Must(t)(s.Cart.Release(ctx, cart.ReleaseCommand{CartID: c.ID, CheckoutID: "chk_1"}))
		if freed.Hold != nil {
			t.Fatalf("released %+v", freed)
		}
		Must(t)(s.Cart.Release(ctx, cart.ReleaseCommand{CartID: c.ID, CheckoutID: "chk_1"})) // idempotent
		c = Must(t)(s.Cart.AddItem(ctx, cart.AddItemCommand{CartID: c.ID, VariantID: p.VariantID, Quantity: 1}))
		if c.Items[0].Quantity != 3 {
			t.Fatalf("after the release %+v", c.Items)
		}
		// Complete ends the hold.
		Must(t)(s.Cart.Hold(ctx, cart.HoldCommand{CartID: c.ID, CheckoutID: "chk_3", Until: until}))
		done := Must(t)(s.Cart.Complete(ctx, c.ID))
		if done.Status != cart.Completed || done.Hold != nil {
			t.Fatalf("completed %+v", done)
		}
		_, err = s.Cart.Hold(ctx, cart.HoldCommand{CartID: c.ID, CheckoutID: "chk_1", Until: time.Now().Add(-time.Second)})
		errstest.Want(t, err, errs.Invalid, "validation_failed")
	})
}
