// Package ordertest holds fakes of the services the order module calls,
// with faults that can be switched on at each saga step, and the contract
// suites every order.Service implementation and every store pass.
package ordertest

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
)

// Carts is an in-memory cart service with what checkout needs: Get,
// Hold (email and address), Release and Complete.
type Carts struct {
	mu    sync.Mutex
	carts map[string]cart.Cart
}

// NewCarts returns an empty Carts.
func NewCarts() *Carts { return &Carts{carts: map[string]cart.Cart{}} }

// Line is a SKU, quantity and unit price of a fake cart.
type Line struct {
	SKU      string
	Quantity int64
	Unit     int64
}

// Add creates an active USD cart with lines and returns its id.
func (c *Carts) Add(lines ...Line) string {
	now := time.Now().UTC()
	ct := cart.Cart{ID: id.New("cart"), Status: cart.Active, Currency: "USD", Items: []cart.Item{}, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(time.Hour), Version: 1}
	var total int64
	for _, l := range lines {
		ct.Items = append(ct.Items, cart.Item{ID: id.New("cli"), VariantID: id.New("var"), ProductID: id.New("prod"), SKU: l.SKU, Title: l.SKU,
			Quantity: l.Quantity, UnitPrice: usd(l.Unit), Total: usd(l.Unit * l.Quantity)})
		total += l.Unit * l.Quantity
	}
	ct.Totals = cart.Totals{Subtotal: usd(total), Discount: usd(0), Shipping: usd(0), Tax: usd(0), Total: usd(total)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.carts[ct.ID] = ct
	return ct.ID
}

func usd(a int64) money.Money { return money.Money{Amount: a, Currency: "USD"} }

// Get implements the order module's view of cart.Service.
func (c *Carts) Get(_ context.Context, cartID string) (cart.Cart, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, ok := c.carts[cartID]
	if !ok {
		return cart.Cart{}, errs.E(errs.NotFound, "not_found", "cart not found")
	}
	return ct, nil
}

// Hold implements the order module's view of cart.Service.
func (c *Carts) Hold(_ context.Context, cmd cart.HoldCommand) (cart.Cart, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, ok := c.carts[cmd.CartID]
	if !ok {
		return cart.Cart{}, errs.E(errs.NotFound, "not_found", "cart not found")
	}
	if ct.Status == cart.Completed {
		return cart.Cart{}, errs.E(errs.Conflict, cart.CodeCompleted, "the cart was completed")
	}
	if ct.Held(cmd.CheckoutID, time.Now()) {
		return cart.Cart{}, errs.E(errs.Conflict, cart.CodeHeld, "a checkout holds the cart")
	}
	if cmd.Email != nil {
		ct.Email = *cmd.Email
	}
	if cmd.ShippingAddress != nil {
		a := *cmd.ShippingAddress
		ct.ShippingAddress = &a
	}
	ct.Hold = &cart.Hold{CheckoutID: cmd.CheckoutID, Until: cmd.Until}
	ct.Version++
	c.carts[ct.ID] = ct
	return ct, nil
}

// Release implements the order module's view of cart.Service.
func (c *Carts) Release(_ context.Context, cmd cart.ReleaseCommand) (cart.Cart, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, ok := c.carts[cmd.CartID]
	if !ok {
		return cart.Cart{}, errs.E(errs.NotFound, "not_found", "cart not found")
	}
	if ct.Hold != nil && ct.Hold.CheckoutID == cmd.CheckoutID && ct.Status != cart.Completed {
		ct.Hold = nil
		ct.Version++
		c.carts[ct.ID] = ct
	}
	return ct, nil
}

// Complete implements the order module's view of cart.Service.
func (c *Carts) Complete(_ context.Context, cartID string) (cart.Cart, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, ok := c.carts[cartID]
	if !ok {
		return cart.Cart{}, errs.E(errs.NotFound, "not_found", "cart not found")
	}
	ct.Status, ct.Hold = cart.Completed, nil
	c.carts[ct.ID] = ct
	return ct, nil
}

// Faults makes chosen calls of the wrapped services fail, as a provider
// or a stock service would.
type Faults struct {
	mu sync.Mutex
	// by operation name ("reserve", "commit", "release",
	// "get_reservation", "adjust", "authorize", "capture", "void",
	// "refund"): the error to return (before the call runs), or with
	// after set, after it ran.
	errs  map[string]error
	after map[string]bool
	calls map[string]int
}

// ErrCrash set as a fault (Set(op, ErrCrash, after)) makes the call stop
// its goroutine (runtime.Goexit) before or after the call ran, as a
// process killed at that point would: nothing after it runs. Run the
// operation with Crashes.
var ErrCrash = errors.New("crash")

// Crashes runs fn in a goroutine of its own and reports whether it
// stopped at an ErrCrash fault instead of returning.
func Crashes(fn func()) bool {
	returned := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
		returned = true
	}()
	<-done
	return !returned
}

// NewFaults returns Faults with none set.
func NewFaults() *Faults {
	return &Faults{errs: map[string]error{}, after: map[string]bool{}, calls: map[string]int{}}
}

// Set makes the next call of op fail with err before it runs
// (after=false) or after it ran (after=true: its effect happened but the
// caller sees err), as a transient fault would. A nil err clears it.
func (f *Faults) Set(op string, err error, after bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.errs, op)
		return
	}
	f.errs[op], f.after[op] = err, after
}

// Calls reports how many times op was called.
func (f *Faults) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *Faults) check(op string) (before, after error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	err, late := f.errs[op], f.after[op]
	delete(f.errs, op) // a fault is transient: it fires once
	if late {
		return nil, err
	}
	return err, nil
}

func call[T any](f *Faults, op string, fn func() (T, error)) (T, error) {
	before, after := f.check(op)
	if before != nil && before != ErrCrash {
		var zero T
		return zero, before
	}
	if before == ErrCrash {
		runtime.Goexit()
	}
	v, err := fn()
	if err != nil {
		return v, err
	}
	if after == ErrCrash {
		runtime.Goexit()
	}
	if after != nil {
		var zero T
		return zero, after
	}
	return v, nil
}

// Stock wraps an inventory.Service with Faults.
type Stock struct {
	inventory.Service
	F *Faults
}

// Reserve implements inventory.Service.
func (s Stock) Reserve(ctx context.Context, cmd inventory.ReserveCommand) (inventory.Reservation, error) {
	return call(s.F, "reserve", func() (inventory.Reservation, error) { return s.Service.Reserve(ctx, cmd) })
}

// Commit implements inventory.Service.
func (s Stock) Commit(ctx context.Context, cmd inventory.CommitCommand) (inventory.Reservation, error) {
	return call(s.F, "commit", func() (inventory.Reservation, error) { return s.Service.Commit(ctx, cmd) })
}

// Release implements inventory.Service.
func (s Stock) Release(ctx context.Context, cmd inventory.ReleaseCommand) (inventory.Reservation, error) {
	return call(s.F, "release", func() (inventory.Reservation, error) { return s.Service.Release(ctx, cmd) })
}

// GetReservation implements inventory.Service.
func (s Stock) GetReservation(ctx context.Context, id string) (inventory.Reservation, error) {
	return call(s.F, "get_reservation", func() (inventory.Reservation, error) { return s.Service.GetReservation(ctx, id) })
}

// Adjust implements inventory.Service.
func (s Stock) Adjust(ctx context.Context, cmd inventory.AdjustCommand) (inventory.Level, error) {
	return call(s.F, "adjust", func() (inventory.Level, error) { return s.Service.Adjust(ctx, cmd) })
}

// Payments wraps a payment.Service with Faults.
type Payments struct {
	payment.Service
	F *Faults
}

// Authorize implements payment.Service.
func (p Payments) Authorize(ctx context.Context, cmd payment.AuthorizeCommand) (payment.Payment, error) {
	return call(p.F, "authorize", func() (payment.Payment, error) { return p.Service.Authorize(ctx, cmd) })
}

// Void implements payment.Service.
func (p Payments) Void(ctx context.Context, cmd payment.VoidCommand) (payment.Payment, error) {
	return call(p.F, "void", func() (payment.Payment, error) { return p.Service.Void(ctx, cmd) })
}

// Capture implements payment.Service.
func (p Payments) Capture(ctx context.Context, cmd payment.CaptureCommand) (payment.Payment, error) {
	return call(p.F, "capture", func() (payment.Payment, error) { return p.Service.Capture(ctx, cmd) })
}

// Refund implements payment.Service.
func (p Payments) Refund(ctx context.Context, cmd payment.RefundCommand) (payment.Payment, error) {
	return call(p.F, "refund", func() (payment.Payment, error) { return p.Service.Refund(ctx, cmd) })
}

var (
	_ inventory.Service = Stock{}
	_ payment.Service   = Payments{}
)
