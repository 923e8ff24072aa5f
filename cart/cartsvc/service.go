// Package cartsvc implements cart.Service over a private Store and the
// narrow views of pricing, catalog, inventory and tax in deps.go.
package cartsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/tax"
)

// Config tunes the service.
type Config struct {
	// TTL is how long a cart lives after its last change.
	TTL time.Duration
	// Retention is how long an expired cart is kept before the sweeper
	// deletes it.
	Retention time.Duration
	// MaxQuantity bounds the quantity of one line (at most 10,000).
	MaxQuantity int64
	// SweepInterval is the pause between sweeps; SweepBatch the carts
	// deleted per transaction.
	SweepInterval time.Duration
	SweepBatch    int
	// Attempts bounds the retries of a change that raced another one.
	Attempts int
	// Latest bounds the carts whose latest version this process keeps as
	// the starting point of their next change, in lines (a cart weighs
	// one plus its lines); 0: the default; negative: none.
	Latest int
	// LatestTTL bounds how long such a copy is kept after its last use.
	LatestTTL time.Duration
}

// DefaultConfig: carts live 30 days after their last change and are
// deleted 7 days after they expired; at most 100 of a line; the copies of
// carts changed in the last 30 minutes are kept, up to 100,000 lines'
// worth (some tens of megabytes at most).
func DefaultConfig() Config {
	return Config{TTL: 30 * 24 * time.Hour, Retention: 7 * 24 * time.Hour, MaxQuantity: cart.DefaultMaxQuantity,
		SweepInterval: time.Minute, SweepBatch: 500, Attempts: 8, Latest: 100_000, LatestTTL: 30 * time.Minute}
}

// Service implements cart.Service.
type Service struct {
	store  Store
	deps   Deps
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	latest *latest
}

// New returns the cart service over store, calling deps.
func New(store Store, deps Deps, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	d := DefaultConfig()
	if cfg.TTL <= 0 {
		cfg.TTL = d.TTL
	}
	if cfg.Retention < 0 {
		cfg.Retention = d.Retention
	}
	if cfg.MaxQuantity <= 0 || cfg.MaxQuantity > pricing.MaxQuantity {
		cfg.MaxQuantity = d.MaxQuantity
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = d.SweepInterval
	}
	if cfg.SweepBatch <= 0 {
		cfg.SweepBatch = d.SweepBatch
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = d.Attempts
	}
	if cfg.Latest == 0 {
		cfg.Latest = d.Latest
	}
	if cfg.LatestTTL <= 0 {
		cfg.LatestTTL = d.LatestTTL
	}
	return &Service{store: store, deps: deps, cfg: cfg, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) },
		latest: newLatest(cfg.Latest, cfg.LatestTTL)}
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "cart not found") }

func (s *Service) event(typ string, c cart.Cart) ([]event.Event, error) {
	e, err := event.New(cart.Module, typ, c.ID, c, s.now())
	if err != nil {
		return nil, err
	}
	return []event.Event{e}, nil
}

// load reads an unexpired cart.
func (s *Service) load(ctx context.Context, cartID string) (cart.Cart, error) {
	if !id.Valid("cart", cartID) {
		return cart.Cart{}, notFound()
	}
	c, err := s.store.Get(ctx, cartID)
	if err != nil {
		return cart.Cart{}, err
	}
	if err := s.reachable(ctx, c); err != nil {
		return cart.Cart{}, err
	}
	return c, nil
}

// reachable tells whether the caller may use c now.
func (s *Service) reachable(ctx context.Context, c cart.Cart) error {
	if !auth.MayAccess(ctx, c.CustomerID) {
		return notFound() // another customer's cart: as if it did not exist
	}
	if !s.now().Before(c.ExpiresAt) {
		return errs.E(errs.NotFound, cart.CodeExpired, "the cart expired")
	}
	return nil
}

func clone(c cart.Cart) cart.Cart {
	c.Items = slices.Clone(c.Items)
	if c.Items == nil {
		c.Items = []cart.Item{}
	}
	if c.ShippingAddress != nil {
		a := *c.ShippingAddress
		c.ShippingAddress = &a
	}
	if c.ShippingMethod != nil {
		m := *c.ShippingMethod
		c.ShippingMethod = &m
	}
	return c
}

// edit changes a cart and names the line it added or changed (empty:
// none), whose pricing errors are the caller's.
type edit func(c *cart.Cart) (touched string, err error)

// lineCheck checks the touched line of c once pricing priced it as l, and
// completes it; its error is the change's.
type lineCheck func(c *cart.Cart, it *cart.Item, l pricing.PricedLine) error

// change applies fn to the latest state of an active cart, re-prices it
// (check, when not nil, checks the touched line once priced) and saves it
// if no other change came in between; else it starts over.
//
// The starting point is this process's copy of the cart's latest version
// when it holds one (see latest), else the stored cart. The copy is only
// a guess: the save is conditional on the version it started from, so a
// copy another process made stale ends in a conflict, and the change
// starts over from the stored cart; an error found on the copy is
// confirmed on the stored cart before it is answered.
func (s *Service) change(ctx context.Context, cartID, typ string, fn edit, check lineCheck) (cart.Cart, error) {
	useCopy := id.Valid("cart", cartID)
	for i := 0; i < s.cfg.Attempts; i++ {
		var cur cart.Cart
		fromCopy := false
		if useCopy {
			if c, ok := s.latest.get(cartID); ok && s.reachable(ctx, c) == nil {
				cur, fromCopy = c, true
			}
		}
		if !fromCopy {
			c, err := s.load(ctx, cartID)
			if err != nil {
				s.latest.drop(cartID, -1)
				return cart.Cart{}, err
			}
			cur = c
			s.latest.put(cur)
		}
		next, saved, err := s.attempt(ctx, cur, typ, fn, check)
		switch {
		case err == nil && saved:
			s.latest.put(next)
			return next, nil
		case fromCopy && !errors.Is(err, errSave):
			// A conflict or an error on the copy: start over once from
			// the stored cart, which decides (this try does not count).
			s.latest.drop(cartID, cur.Version)
			useCopy = false
			i--
			continue
		case err != nil:
			if errors.Is(err, errSave) {
				s.latest.drop(cartID, -1) // whether it landed is unknown
				err = errors.Unwrap(err)
			}
			return cart.Cart{}, err
		}
		// Another change came first (or the sweeper removed the cart:
		// the next load answers that): start over from the latest.
		s.latest.drop(cartID, cur.Version)
	}
	return cart.Cart{}, errs.E(errs.Conflict, cart.CodeVersion, "the cart changed concurrently; retry")
}

// errSave marks an error of the save itself, which may have landed and is
// never retried.
var errSave = errors.New("cart: save")

type saveError struct{ err error }

func (e saveError) Error() string        { return e.err.Error() }
func (e saveError) Unwrap() error        { return e.err }
func (e saveError) Is(target error) bool { return target == errSave }

// attempt applies fn to cur and saves the result if cur is still the
// stored version; saved false: another change came first.
func (s *Service) attempt(ctx context.Context, cur cart.Cart, typ string, fn edit, check lineCheck) (cart.Cart, bool, error) {
	if cur.Status == cart.Completed {
		return cart.Cart{}, false, errs.E(errs.Conflict, cart.CodeCompleted, "the cart was completed and cannot change")
	}
	if holder, _ := ctx.Value(holderKey{}).(string); holder != anyHold && cur.Held(holder, s.now()) {
		e := errs.E(errs.Conflict, cart.CodeHeld, "a checkout of the cart is in progress; the cart cannot change until it ends")
		e.RetryAfter = time.Second
		return cart.Cart{}, false, e
	}
	next := clone(cur)
	touched, err := fn(&next)
	if err != nil {
		return cart.Cart{}, false, err
	}
	if err := s.price(ctx, &next, touched, check); err != nil {
		return cart.Cart{}, false, err
	}
	if typ == cart.EventCompleted && cur.Hold == nil {
		// A held cart is completed as it is: its checkout placed the
		// order from these lines, whatever became of them since.
		if err := completable(next); err != nil {
			return cart.Cart{}, false, err
		}
	}
	now := s.now()
	next.Version = cur.Version + 1
	next.UpdatedAt = now
	next.ExpiresAt = now.Add(s.cfg.TTL)
	events, err := s.event(typ, next)
	if err != nil {
		return cart.Cart{}, false, err
	}
	saved, err := s.store.Save(ctx, next, cur.Version, events)
	if err != nil {
		return cart.Cart{}, false, saveError{err}
	}
	return next, saved, nil
}

func completable(c cart.Cart) error {
	if len(c.Items) == 0 {
		return errs.E(errs.Conflict, cart.CodeEmpty, "the cart has no items")
	}
	for i, it := range c.Items {
		if it.Unavailable {
			e := errs.E(errs.Conflict, cart.CodeUnavailable, "item %s can no longer be bought", it.ID)
			e.Fields = []errs.FieldError{errs.Field(fmt.Sprintf("items[%d]", i), "variant %s can no longer be bought", it.VariantID)}
			return e
		}
	}
	return nil
}

// Create implements cart.Service.
func (s *Service) Create(ctx context.Context, cmd cart.CreateCommand) (cart.Cart, error) {
	if sh, ok := auth.ShopperOf(ctx); ok {
		cmd.CustomerID = sh.CustomerID // a store caller's cart is its own (a guest's: nobody's)
	}
	v := &errs.Validator{}
	if money.CheckCurrency(cmd.Currency) != nil {
		v.Add("currency", "is not an ISO 4217 currency code")
	}
	checkEmail(v, "email", cmd.Email)
	if cmd.Channel == "" {
		cmd.Channel = catalog.DefaultChannel
	}
	checkText(v, "channel", cmd.Channel, false, 64)
	checkText(v, "customer_id", cmd.CustomerID, false, 64)
	if err := v.Err(); err != nil {
		return cart.Cart{}, err
	}
	now := s.now()
	zero := money.Money{Currency: cmd.Currency}
	c := cart.Cart{
		ID: id.New("cart"), Status: cart.Active, Currency: cmd.Currency, Email: cmd.Email, CustomerID: cmd.CustomerID,
		Channel: cmd.Channel, Items: []cart.Item{}, Totals: cart.Totals{Subtotal: zero, Discount: zero, Shipping: zero, Tax: zero, Total: zero},
		Version: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.cfg.TTL),
	}
	events, err := s.event(cart.EventCreated, c)
	if err != nil {
		return cart.Cart{}, err
	}
	if err := s.store.Insert(ctx, c, events); err != nil {
		return cart.Cart{}, err
	}
	s.latest.put(c)
	return c, nil
}

// Get implements cart.Service.
func (s *Service) Get(ctx context.Context, cartID string) (cart.Cart, error) {
	c, err := s.load(ctx, cartID)
	if err != nil {
		return cart.Cart{}, err
	}
	c = clone(c)
	if err := s.price(ctx, &c, "", nil); err != nil {
		return cart.Cart{}, err
	}
	return c, nil
}

func (s *Service) checkQuantity(v *errs.Validator, q int64) {
	if q < 1 || q > s.cfg.MaxQuantity {
		v.Add("quantity", "must be between 1 and %d", s.cfg.MaxQuantity)
	}
}

// AddItem implements cart.Service.
func (s *Service) AddItem(ctx context.Context, cmd cart.AddItemCommand) (cart.Cart, error) {
	v := &errs.Validator{}
	s.checkQuantity(v, cmd.Quantity)
	switch {
	case cmd.VariantID == "" && cmd.SKU == "":
		v.Add("variant_id", "variant_id or sku is required")
	case cmd.VariantID != "" && cmd.SKU != "":
		v.Add("sku", "give variant_id or sku, not both")
	case cmd.VariantID != "" && !id.Valid("var", cmd.VariantID):
		v.Add("variant_id", "is not a var_ id")
	case cmd.SKU != "":
		checkText(v, "sku", cmd.SKU, true, 100)
	}
	if err := v.Err(); err != nil {
		return cart.Cart{}, err
	}
	if cmd.SKU != "" {
		// An unknown cart answers 404 before the SKU is looked up (change
		// loads the cart itself when the variant is given).
		if _, err := s.load(ctx, cmd.CartID); err != nil {
			return cart.Cart{}, err
		}
		vid, err := s.variantOfSKU(ctx, cmd.SKU)
		if err != nil {
			return cart.Cart{}, err
		}
		cmd.VariantID = vid
	}
	// The line is priced with the rest of the cart, once; then its
	// product must be for sale in the cart's channel, and in stock.
	return s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		i := slices.IndexFunc(c.Items, func(it cart.Item) bool { return it.VariantID == cmd.VariantID })
		qty := cmd.Quantity
		if i >= 0 {
			qty += c.Items[i].Quantity
			if qty > s.cfg.MaxQuantity {
				return "", errs.Validation(errs.Field("quantity", "the line would hold %d, more than %d", qty, s.cfg.MaxQuantity))
			}
			c.Items[i].Quantity = qty
			return c.Items[i].ID, nil
		}
		if len(c.Items) >= cart.MaxItems {
			return "", errs.E(errs.Conflict, cart.CodeTooManyItems, "a cart holds at most %d lines", cart.MaxItems)
		}
		it := cart.Item{ID: id.New("cli"), VariantID: cmd.VariantID, Quantity: qty}
		c.Items = append(c.Items, it)
		return it.ID, nil
	}, func(c *cart.Cart, it *cart.Item, l pricing.PricedLine) error {
		d, err := s.variant(ctx, *c, it.VariantID, l.ProductID)
		if err != nil {
			return err
		}
		if err := s.checkStock(ctx, d.SKU, it.Quantity, "quantity"); err != nil {
			return err
		}
		it.ProductID, it.SKU, it.Title, it.VariantTitle = d.ProductID, d.SKU, d.Title, d.VariantTitle
		return nil
	})
}

// variantOfSKU finds the variant of a SKU in the catalog.
func (s *Service) variantOfSKU(ctx context.Context, sku string) (string, error) {
	page, err := s.deps.Catalog.ListProducts(ctx, catalog.ListProductsQuery{SKU: sku, Limit: 1})
	if err != nil {
		return "", err
	}
	for _, p := range page.Data {
		for _, v := range p.Variants {
			if v.SKU == sku {
				return v.ID, nil
			}
		}
	}
	return "", unknownVariant("sku", "no variant has SKU %s", sku)
}

func unknownVariant(field, format string, args ...any) error {
	e := errs.E(errs.NotFound, cart.CodeUnknownVariant, "unknown variant")
	e.Fields = []errs.FieldError{errs.Field(field, format, args...)}
	return e
}

// variant describes a variant of productID (as pricing knows it) that can
// be bought in c: of a published product visible in its channel.
func (s *Service) variant(ctx context.Context, c cart.Cart, variantID, productID string) (cart.Item, error) {
	// The store's read of the product (served from the catalog's cache)
	// answers for a variant that can be bought; when the product is not in
	// the store, the full read tells why.
	if sp, err := s.deps.Catalog.StoreProduct(ctx, catalog.StoreProductQuery{Channel: c.Channel, IDOrHandle: productID, Currency: c.Currency}); err == nil {
		if vi := slices.IndexFunc(sp.Variants, func(v catalog.StoreVariant) bool { return v.ID == variantID }); vi >= 0 {
			return cart.Item{VariantID: variantID, ProductID: sp.ID, SKU: sp.Variants[vi].SKU, Title: sp.Title, VariantTitle: sp.Variants[vi].Title}, nil
		}
	}
	p, err := s.deps.Catalog.GetProduct(ctx, productID)
	if errs.Is(err, errs.NotFound) {
		return cart.Item{}, unknownVariant("variant_id", "no variant %s", variantID)
	}
	if err != nil {
		return cart.Item{}, err
	}
	vi := slices.IndexFunc(p.Variants, func(v catalog.Variant) bool { return v.ID == variantID })
	if vi < 0 || p.DeletedAt != nil {
		return cart.Item{}, unknownVariant("variant_id", "no variant %s", variantID)
	}
	if p.Status != catalog.Published || (len(p.Channels) > 0 && !slices.Contains(p.Channels, c.Channel)) {
		e := errs.E(errs.Conflict, cart.CodeNotPurchasable, "the product %s cannot be bought", p.ID)
		e.Fields = []errs.FieldError{errs.Field("variant_id", "the product of variant %s is not for sale in channel %s", variantID, c.Channel)}
		return cart.Item{}, e
	}
	return cart.Item{VariantID: variantID, ProductID: p.ID, SKU: p.Variants[vi].SKU, Title: p.Title, VariantTitle: p.Variants[vi].Title}, nil
}

// checkStock checks that qty of sku can be bought now. A SKU inventory
// does not know cannot be reserved at checkout, so it is out of stock.
func (s *Service) checkStock(ctx context.Context, sku string, qty int64, field string) error {
	st, err := s.deps.Inventory.Availability(ctx, sku)
	if errs.Is(err, errs.NotFound) {
		return outOfStock(field, sku, 0)
	}
	if err != nil {
		return err
	}
	if st.TrackInventory && !st.AllowBackorder && st.Totals.Available < qty {
		return outOfStock(field, sku, max(st.Totals.Available, 0))
	}
	return nil
}

func outOfStock(field, sku string, available int64) error {
	e := errs.E(errs.Conflict, cart.CodeOutOfStock, "%s: only %d available", sku, available)
	e.Fields = []errs.FieldError{errs.Field(field, "%s: only %d available", sku, available)}
	return e
}

func itemIndex(c *cart.Cart, itemID string) (int, error) {
	i := slices.IndexFunc(c.Items, func(it cart.Item) bool { return it.ID == itemID })
	if i < 0 {
		return 0, errs.E(errs.NotFound, cart.CodeItemNotFound, "the cart has no item %s", itemID)
	}
	return i, nil
}

// UpdateItem implements cart.Service.
func (s *Service) UpdateItem(ctx context.Context, cmd cart.UpdateItemCommand) (cart.Cart, error) {
	v := &errs.Validator{}
	s.checkQuantity(v, cmd.Quantity)
	if err := v.Err(); err != nil {
		return cart.Cart{}, err
	}
	return s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		i, err := itemIndex(c, cmd.ItemID)
		if err != nil {
			return "", err
		}
		if cmd.Quantity > c.Items[i].Quantity {
			if err := s.checkStock(ctx, c.Items[i].SKU, cmd.Quantity, "quantity"); err != nil {
				return "", err
			}
		}
		c.Items[i].Quantity = cmd.Quantity
		return c.Items[i].ID, nil
	}, nil)
}

// RemoveItem implements cart.Service.
func (s *Service) RemoveItem(ctx context.Context, cmd cart.RemoveItemCommand) (cart.Cart, error) {
	return s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		i, err := itemIndex(c, cmd.ItemID)
		if err != nil {
			return "", err
		}
		c.Items = slices.Delete(c.Items, i, i+1)
		return "", nil
	}, nil)
}

// Update implements cart.Service.
func (s *Service) Update(ctx context.Context, cmd cart.UpdateCommand) (cart.Cart, error) {
	v := &errs.Validator{}
	contact := contactEdit(v, cmd.Email, cmd.ShippingAddress)
	if err := v.Err(); err != nil {
		return cart.Cart{}, err
	}
	return s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		contact(c)
		return "", nil
	}, nil)
}

// contactEdit checks an email and a shipping address (either may be nil:
// unchanged) into v and returns the edit that sets them.
func contactEdit(v *errs.Validator, email *string, address *cart.Address) func(c *cart.Cart) {
	if email != nil {
		checkEmail(v, "email", *email)
	}
	var addr cart.Address
	if address != nil {
		addr = normalizeAddress(v, *address)
	}
	return func(c *cart.Cart) {
		if email != nil {
			c.Email = *email
		}
		if address != nil {
			a := addr
			c.ShippingAddress = &a
		}
	}
}

// SetShippingMethod implements cart.Service.
func (s *Service) SetShippingMethod(ctx context.Context, cmd cart.SetShippingMethodCommand) (cart.Cart, error) {
	v := &errs.Validator{}
	checkText(v, "option_id", cmd.OptionID, true, 40)
	checkText(v, "name", cmd.Name, true, cart.MaxText)
	if err := money.Validate(cmd.Amount, false); err != nil {
		v.Add("amount", "%s", err.Error())
	}
	if err := v.Err(); err != nil {
		return cart.Cart{}, err
	}
	return s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		if cmd.Amount.Currency != c.Currency {
			return "", errs.Validation(errs.Field("amount.currency", "must be the cart's currency %s", c.Currency))
		}
		c.ShippingMethod = &cart.ShippingMethod{OptionID: cmd.OptionID, Name: strings.TrimSpace(cmd.Name), Amount: cmd.Amount}
		return "", nil
	}, nil)
}

// holderKey marks the context of a change made for the checkout that
// holds the cart (its value, the checkout's id), or for any holder
// (anyHold: Complete ends whatever hold there is).
type holderKey struct{}

const anyHold = "*"

// Hold implements cart.Service.
func (s *Service) Hold(ctx context.Context, cmd cart.HoldCommand) (cart.Cart, error) {
	v := &errs.Validator{}
	v.Check(cmd.CheckoutID != "" && len(cmd.CheckoutID) <= 40, "checkout_id", "is required (at most 40 characters)")
	v.Check(cmd.Until.After(s.now()), "until", "must be in the future")
	contact := contactEdit(v, cmd.Email, cmd.ShippingAddress)
	if err := v.Err(); err != nil {
		return cart.Cart{}, err
	}
	ctx = context.WithValue(ctx, holderKey{}, cmd.CheckoutID)
	return s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		contact(c)
		c.Hold = &cart.Hold{CheckoutID: cmd.CheckoutID, Until: cmd.Until.UTC()}
		return "", nil
	}, nil)
}

// Release implements cart.Service.
func (s *Service) Release(ctx context.Context, cmd cart.ReleaseCommand) (cart.Cart, error) {
	c, err := s.load(ctx, cmd.CartID)
	if err != nil || c.Hold == nil || c.Hold.CheckoutID != cmd.CheckoutID || c.Status == cart.Completed {
		return c, err
	}
	ctx = context.WithValue(ctx, holderKey{}, cmd.CheckoutID)
	out, err := s.change(ctx, cmd.CartID, cart.EventUpdated, func(c *cart.Cart) (string, error) {
		if c.Hold != nil && c.Hold.CheckoutID == cmd.CheckoutID {
			c.Hold = nil
		}
		return "", nil
	}, nil)
	if errs.HasCode(err, cart.CodeHeld) || errs.HasCode(err, cart.CodeCompleted) {
		return s.load(ctx, cmd.CartID) // held by another checkout since, or completed: not ours to end
	}
	return out, err
}

// Complete implements cart.Service.
func (s *Service) Complete(ctx context.Context, cartID string) (cart.Cart, error) {
	c, err := s.load(ctx, cartID)
	if err != nil {
		return cart.Cart{}, err
	}
	if c.Status == cart.Completed {
		return c, nil
	}
	ctx = context.WithValue(ctx, holderKey{}, anyHold)
	out, err := s.change(ctx, cartID, cart.EventCompleted, func(c *cart.Cart) (string, error) {
		c.Status, c.Hold = cart.Completed, nil
		return "", nil
	}, nil)
	if errs.HasCode(err, cart.CodeCompleted) { // completed meanwhile by another call
		return s.load(ctx, cartID)
	}
	return out, err
}

// groups returns the customer groups whose price lists apply to c: those
// of its customer, from the store request when it is the customer's own,
// else from the customer module. A guest cart has none.
func (s *Service) groups(ctx context.Context, c cart.Cart) ([]string, error) {
	if c.CustomerID == "" {
		return nil, nil
	}
	if sh, ok := auth.ShopperOf(ctx); ok && sh.CustomerID == c.CustomerID {
		return sh.Groups, nil
	}
	if s.deps.Customers == nil {
		return nil, nil
	}
	cu, err := s.deps.Customers.Get(ctx, c.CustomerID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	return cu.Groups, err
}

// lineIndex extracts i from a field "lines[i]…" of a pricing error.
func lineIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "lines[")
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return 0, false
	}
	i, err := strconv.Atoi(rest[:end])
	return i, err == nil
}

// price re-prices c's lines and recomputes its totals (see the package
// documentation of cart). A line pricing cannot price is marked
// unavailable, unless it is touched: then the error is the caller's, and
// so is the error of check (when not nil) on the touched line once priced.
func (s *Service) price(ctx context.Context, c *cart.Cart, touched string, check lineCheck) error {
	groups, err := s.groups(ctx, *c)
	if err != nil {
		return err
	}
	avail := make([]int, 0, len(c.Items)) // indices of items still to price
	for i := range c.Items {
		c.Items[i].Unavailable = false
		avail = append(avail, i)
	}
	for len(avail) > 0 {
		lines := make([]pricing.QuoteLine, len(avail))
		for k, i := range avail {
			lines[k] = pricing.QuoteLine{VariantID: c.Items[i].VariantID, Quantity: c.Items[i].Quantity}
		}
		q, err := s.deps.Pricing.Quote(ctx, pricing.QuoteQuery{Currency: c.Currency, Channel: c.Channel, CustomerGroups: groups, Lines: lines})
		if err == nil {
			if len(q.Lines) != len(avail) {
				return errs.E(errs.Internal, "", "pricing answered %d lines for %d", len(q.Lines), len(avail))
			}
			for k, i := range avail {
				l := q.Lines[k]
				if l.UnitPrice.Currency != c.Currency || l.Total.Currency != c.Currency {
					return errs.Wrap(money.ErrCurrencyMixed, errs.Internal, "", "pricing answered in another currency")
				}
				it := &c.Items[i]
				if check != nil && it.ID == touched {
					if err := check(c, it, l); err != nil {
						return err
					}
				}
				it.UnitPrice, it.Total, it.TaxInclusive = l.UnitPrice, l.Total, l.TaxInclusive
				if l.SKU != "" {
					it.SKU = l.SKU
				}
			}
			break
		}
		var e *errs.Error
		if !errors.As(err, &e) || !(e.Kind == errs.NotFound || e.Kind == errs.Invalid) {
			return err
		}
		bad := map[int]bool{}
		for _, f := range e.Fields {
			if k, ok := lineIndex(f.Field); ok && k < len(avail) {
				bad[k] = true
			}
		}
		if len(bad) == 0 {
			return err
		}
		keep := avail[:0]
		for k, i := range avail {
			if !bad[k] {
				keep = append(keep, i)
				continue
			}
			if c.Items[i].ID == touched {
				if e.Kind == errs.NotFound {
					return unknownVariant("variant_id", "no variant %s", c.Items[i].VariantID)
				}
				ne := errs.E(errs.Invalid, cart.CodeNoPrice, "the variant has no price in %s", c.Currency)
				ne.Fields = []errs.FieldError{errs.Field("variant_id", "variant %s has no price in %s", c.Items[i].VariantID, c.Currency)}
				return ne
			}
			c.Items[i].Unavailable = true
		}
		avail = keep
	}
	return s.totals(ctx, c)
}

// totals computes c's totals from its priced lines.
func (s *Service) totals(ctx context.Context, c *cart.Cart) error {
	cur := c.Currency
	zero := money.Money{Currency: cur}
	shipping := zero
	if c.ShippingMethod != nil {
		shipping = c.ShippingMethod.Amount
	}
	var in []Line
	for _, it := range c.Items {
		if !it.Unavailable {
			in = append(in, Line{Ref: it.ID, Amount: it.Total, TaxInclusive: it.TaxInclusive})
		}
	}
	var calc *tax.Calculation
	if a := c.ShippingAddress; a != nil && (len(in) > 0 || !shipping.IsZero()) {
		q := tax.CalculateQuery{Country: a.Country, Subdivision: a.Subdivision, PostalCode: a.PostalCode, Currency: cur}
		for _, l := range in {
			q.Lines = append(q.Lines, tax.Line{Ref: l.Ref, Amount: l.Amount, TaxInclusive: l.TaxInclusive})
		}
		if c.ShippingMethod != nil {
			q.Shipping = &tax.Line{Ref: "shipping", Amount: shipping}
		}
		out, err := s.deps.Tax.Calculate(ctx, q)
		if err != nil {
			return err
		}
		calc = &out
	}
	t, err := Compute(cur, in, shipping, calc)
	if err != nil {
		return err
	}
	c.Totals = t
	return nil
}

// Line is a priced cart line as totals see it.
type Line struct {
	Ref          string
	Amount       money.Money
	TaxInclusive bool
}

// Compute adds up a cart's totals: lines and (tax-exclusive) shipping, with
// calc the tax module's answer for them at the shipping address, or nil
// when there is no address (no tax). calc's lines are in the order of
// lines. Every amount must be in currency.
func Compute(currency string, lines []Line, shipping money.Money, calc *tax.Calculation) (cart.Totals, error) {
	zero := money.Money{Currency: currency}
	t := cart.Totals{Subtotal: zero, Discount: zero, Shipping: zero, Tax: zero, Total: zero}
	if calc != nil && len(calc.Lines) != len(lines) {
		return t, errs.E(errs.Internal, "", "tax answered %d lines for %d", len(calc.Lines), len(lines))
	}
	overflow := func(err error) error {
		if errors.Is(err, money.ErrCurrencyMixed) {
			return errs.Wrap(err, errs.Internal, "", "amounts in different currencies")
		}
		return errs.Validation(errs.Field("items", "the cart's total is out of range"))
	}
	var err error
	for i, l := range lines {
		net, tx := l.Amount, zero
		if calc != nil {
			net, tx = calc.Lines[i].Net, calc.Lines[i].Tax
		}
		if t.Subtotal, err = t.Subtotal.Add(net); err != nil {
			return t, overflow(err)
		}
		if t.Tax, err = t.Tax.Add(tx); err != nil {
			return t, overflow(err)
		}
	}
	if shipping.Currency == "" {
		shipping = zero
	}
	if t.Shipping, err = t.Shipping.Add(shipping); err != nil {
		return t, overflow(err)
	}
	if calc != nil && calc.Shipping != nil {
		if t.Tax, err = t.Tax.Add(calc.Shipping.Tax); err != nil {
			return t, overflow(err)
		}
	}
	total := t.Subtotal
	for _, m := range []money.Money{t.Shipping, t.Tax, {Amount: -t.Discount.Amount, Currency: t.Discount.Currency}} {
		if total, err = total.Add(m); err != nil {
			return t, overflow(err)
		}
	}
	t.Total = total
	return t, nil
}

var _ cart.Service = (*Service)(nil)
