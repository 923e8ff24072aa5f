package ordertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/ordersvc"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/id"
)

// Subject is one order implementation under test, the fakes it calls and
// its store (through which the suite leaves saga logs as a crash would).
type Subject struct {
	Order     order.Service
	Store     ordersvc.Store
	Carts     *Carts
	Inventory inventory.Service
	Payment   payment.Service
	Faults    *Faults
	// Service is the local service (the one Order serves or is).
	Service *ordersvc.Service
}

// NewSubject returns the order service over store, calling a fake cart,
// and inv and pay wrapped in Faults.
func NewSubject(store ordersvc.Store, inv inventory.Service, pay payment.Service) Subject {
	f := NewFaults()
	carts := NewCarts()
	svc := ordersvc.New(store, ordersvc.NewDeps(carts, Stock{Service: inv, F: f}, Payments{Service: pay, F: f}),
		ordersvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
	return Subject{Order: svc, Store: store, Carts: carts, Inventory: inv, Payment: pay, Faults: f, Service: svc}
}

// Checkout is a valid checkout of cartID with token.
func Checkout(cartID, key, token string) order.CheckoutCommand {
	return order.CheckoutCommand{CartID: cartID, Key: key, Email: "ada@example.com",
		ShippingAddress: cart.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
		Payment:         order.PaymentInput{Provider: "test", Token: token}}
}

// MustCheckout checks out or fails tb.
func MustCheckout(tb testing.TB, s Subject, cmd order.CheckoutCommand) order.CheckoutResult {
	tb.Helper()
	r, err := s.Order.Checkout(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("checkout: %s", errstest.Describe(err))
	}
	return r
}

func sku() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "ORD-" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// MustSetLevel sets the on-hand units of sku at the default location.
func MustSetLevel(tb testing.TB, s Subject, sku string, onHand int64) {
	tb.Helper()
	if _, err := s.Inventory.SetLevel(context.Background(), inventory.SetLevelCommand{SKU: sku, OnHand: onHand, Reason: "test"}); err != nil {
		tb.Fatalf("set level: %v", err)
	}
}

// MustStock sets the on-hand units of a new SKU and returns it.
func MustStock(tb testing.TB, s Subject, onHand int64) string {
	tb.Helper()
	k := sku()
	MustSetLevel(tb, s, k, onHand)
	return k
}

// WantStock fails tb unless the SKU's totals are as given.
func WantStock(tb testing.TB, s Subject, k string, onHand, reserved, committed int64) {
	tb.Helper()
	st, err := s.Inventory.GetStock(context.Background(), k)
	if err != nil {
		tb.Fatalf("stock of %s: %v", k, err)
	}
	if st.Totals.OnHand != onHand || st.Totals.Reserved != reserved || st.Totals.Committed != committed {
		tb.Fatalf("stock of %s: %+v, want on_hand %d reserved %d committed %d", k, st.Totals, onHand, reserved, committed)
	}
}

// TestService is the contract suite of order.Service.
func TestService(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	t.Run("HappyPath", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 5)
		cartID := s.Carts.Add(Line{k, 2, 1000})
		r := MustCheckout(t, s, Checkout(cartID, "key-1", "tok_visa"))
		o := r.Order
		if !id.Valid("ord", o.ID) || o.Status != order.Authorized || len(o.Items) != 1 || o.Totals.Total.Amount != 2000 || o.Email != "ada@example.com" ||
			o.ShippingAddress.City != "Springfield" || r.AccessToken == "" {
			t.Fatalf("order %+v token %q", o, r.AccessToken)
		}
		if n, err := strconv.Atoi(o.Number); err != nil || n < 1001 {
			t.Fatalf("number %q", o.Number)
		}
		WantStock(t, s, k, 3, 0, 2)
		if c, _ := s.Carts.Get(ctx, cartID); c.Status != cart.Completed {
			t.Fatalf("cart %s", c.Status)
		}
		if p, err := s.Payment.Get(ctx, o.PaymentID); err != nil || p.Status != payment.Authorized || p.Amount.Amount != 2000 {
			t.Fatalf("payment %+v %v", p, err)
		}
		if got, err := s.Order.GetForBuyer(ctx, order.BuyerQuery{ID: o.ID, AccessToken: r.AccessToken}); err != nil || got.ID != o.ID {
			t.Fatalf("buyer get %+v %v", got, err)
		}
		_, err := s.Order.GetForBuyer(ctx, order.BuyerQuery{ID: o.ID, AccessToken: "oat_wrong"})
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = s.Order.GetForBuyer(ctx, order.BuyerQuery{ID: o.ID})
		errstest.Want(t, err, errs.NotFound, "not_found")
		if got, err := s.Order.Get(ctx, o.ID); err != nil || got.Number != o.Number {
			t.Fatalf("get %+v %v", got, err)
		}
		// The same key returns the same order; another key is refused.
		again := MustCheckout(t, s, Checkout(cartID, "key-1", "tok_visa"))
		if again.Order.ID != o.ID || again.AccessToken == "" {
			t.Fatalf("retry %+v", again)
		}
		if _, err := s.Order.GetForBuyer(ctx, order.BuyerQuery{ID: o.ID, AccessToken: again.AccessToken}); err != nil {
			t.Fatalf("retry token: %v", err)
		}
		_, err = s.Order.Checkout(ctx, Checkout(cartID, "key-2", "tok_visa"))
		errstest.Want(t, err, errs.Conflict, order.CodeCartCompleted)
		// A retry without a key learns which order the cart became.
		_, err = s.Order.Checkout(ctx, Checkout(cartID, "", "tok_visa"))
		errstest.Want(t, err, errs.Conflict, order.CodeCartCompleted)
		if !strings.Contains(err.Error(), o.ID) || !strings.Contains(err.Error(), "order "+o.Number) {
			t.Fatalf("a retry without a key: %v, want the order %s (%s) named", err, o.Number, o.ID)
		}
		WantStock(t, s, k, 3, 0, 2)
		// A second order gets a greater number.
		r2 := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 1000}), "", "tok_visa"))
		n1, _ := strconv.Atoi(o.Number)
		if n2, _ := strconv.Atoi(r2.Order.Number); n2 <= n1 {
			t.Fatalf("numbers %s then %s", o.Number, r2.Order.Number)
		}
		page, err := s.Order.List(ctx, order.ListQuery{Limit: 1})
		if err != nil || len(page.Data) != 1 || page.Data[0].ID != r2.Order.ID || page.NextCursor == nil {
			t.Fatalf("list %+v %v", page, err)
		}
		page, err = s.Order.List(ctx, order.ListQuery{Limit: 1, Cursor: *page.NextCursor})
		if err != nil || len(page.Data) != 1 || page.Data[0].ID != o.ID || page.NextCursor != nil {
			t.Fatalf("list page 2 %+v %v", page, err)
		}
		if page, err := s.Order.List(ctx, order.ListQuery{Status: order.Paid}); err != nil || len(page.Data) != 0 {
			t.Fatalf("paid list %+v %v", page, err)
		}
		_, err = s.Order.List(ctx, order.ListQuery{Status: "lost"})
		errstest.Want(t, err, errs.Invalid, "validation_failed")
	})
	t.Run("OutOfStock", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 1)
		cartID := s.Carts.Add(Line{k, 2, 1000})
		_, err := s.Order.Checkout(ctx, Checkout(cartID, "k", "tok_visa"))
		errstest.Want(t, err, errs.Conflict, "out_of_stock")
		if n := s.Faults.Calls("authorize"); n != 0 {
			t.Fatalf("authorize called %d times", n)
		}
		WantStock(t, s, k, 1, 0, 0)
		MustSetLevel(t, s, k, 2)
		MustCheckout(t, s, Checkout(cartID, "k", "tok_visa")) // a compensated checkout does not block the cart
		WantStock(t, s, k, 0, 0, 2)
	})
	t.Run("Declined", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 3)
		cartID := s.Carts.Add(Line{k, 2, 1000})
		for _, tok := range []string{"tok_declined", "tok_insufficient_funds"} {
			_, err := s.Order.Checkout(ctx, Checkout(cartID, "", tok))
			errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
			WantStock(t, s, k, 3, 0, 0)
		}
		if c, _ := s.Carts.Get(ctx, cartID); c.Status != cart.Active {
			t.Fatalf("cart %s", c.Status)
		}
		if page, _ := s.Order.List(ctx, order.ListQuery{}); len(page.Data) != 0 {
			t.Fatalf("orders %+v", page.Data)
		}
	})
	t.Run("ProviderOutage", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 3)
		cartID := s.Carts.Add(Line{k, 2, 1000})
		_, err := s.Order.Checkout(ctx, Checkout(cartID, "k", "tok_error"))
		errstest.Want(t, err, errs.Unavailable, payment.CodeUnavailable)
		WantStock(t, s, k, 3, 0, 0)
		r := MustCheckout(t, s, Checkout(cartID, "k", "tok_visa"))
		if r.Order.Status != order.Authorized {
			t.Fatalf("order %+v", r.Order)
		}
	})
	t.Run("FaultAtEachStep", func(t *testing.T) {
		outage := errs.E(errs.Unavailable, "unavailable", "down")
		for _, tc := range []struct {
			op    string
			after bool
		}{{"reserve", false}, {"reserve", true}, {"authorize", false}, {"authorize", true}} {
			t.Run(fmt.Sprintf("%s-after-%v", tc.op, tc.after), func(t *testing.T) {
				s := newSubject(t)
				k := MustStock(t, s, 3)
				cartID := s.Carts.Add(Line{k, 1, 700})
				s.Faults.Set(tc.op, outage, tc.after)
				_, err := s.Order.Checkout(ctx, Checkout(cartID, "k", "tok_visa"))
				errstest.Want(t, err, errs.Unavailable, "unavailable")
				WantStock(t, s, k, 3, 0, 0)
				s.Faults.Set(tc.op, nil, false)
				r := MustCheckout(t, s, Checkout(cartID, "k", "tok_visa"))
				WantStock(t, s, k, 2, 0, 1)
				if p, _ := s.Payment.Get(ctx, r.Order.PaymentID); p.Status != payment.Authorized {
					t.Fatalf("payment %+v", p)
				}
			})
		}
		for _, op := range []string{"commit"} {
			t.Run(op, func(t *testing.T) {
				s := newSubject(t)
				k := MustStock(t, s, 3)
				cartID := s.Carts.Add(Line{k, 1, 700})
				s.Faults.Set(op, outage, false)
				_, err := s.Order.Checkout(ctx, Checkout(cartID, "k", "tok_visa"))
				errstest.Want(t, err, errs.Unavailable, "unavailable")
				s.Faults.Set(op, nil, false)
				// The order exists: a retry with the key finishes it.
				r := MustCheckout(t, s, Checkout(cartID, "k", "tok_visa"))
				WantStock(t, s, k, 2, 0, 1)
				if c, _ := s.Carts.Get(ctx, cartID); c.Status != cart.Completed || r.Order.Status != order.Authorized {
					t.Fatalf("cart %s order %+v", c.Status, r.Order)
				}
				page, _ := s.Order.List(ctx, order.ListQuery{})
				if len(page.Data) != 1 {
					t.Fatalf("orders %d", len(page.Data))
				}
			})
		}
		t.Run("CompensationFailsThenRecovers", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 3)
			cartID := s.Carts.Add(Line{k, 1, 700})
			s.Faults.Set("authorize", outage, true) // authorized, but the answer was lost
			s.Faults.Set("void", outage, false)     // and the void fails too
			_, err := s.Order.Checkout(ctx, Checkout(cartID, "k", "tok_visa"))
			errstest.Want(t, err, errs.Unavailable, "unavailable")
			WantStock(t, s, k, 3, 1, 0) // still held: the checkout is left to recovery
			_, err = s.Order.Checkout(ctx, Checkout(cartID, "k2", "tok_visa"))
			errstest.Want(t, err, errs.Conflict, order.CodeInProgress)
			s.Faults.Set("void", nil, false)
			s.Faults.Set("authorize", nil, false)
			res, err := s.Order.Recover(ctx, 0)
			if err != nil || res.Compensated != 1 {
				t.Fatalf("recover %+v %v", res, err)
			}
			WantStock(t, s, k, 3, 0, 0)
			MustCheckout(t, s, Checkout(cartID, "k3", "tok_visa"))
		})
	})
	t.Run("BadInput", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 3)
		cartID := s.Carts.Add(Line{k, 1, 700})
		bad := Checkout(cartID, "", "tok_visa")
		bad.Email, bad.ShippingAddress.City = "nope", ""
		_, err := s.Order.Checkout(ctx, bad)
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		var e *errs.Error
		if ee, ok := err.(*errs.Error); ok {
			e = ee
		}
		if e == nil || len(e.Fields) != 2 {
			t.Fatalf("fields of %#v", err)
		}
		// The checks every module makes of an address (platform/address).
		loose := Checkout(cartID, "", "tok_visa")
		loose.Email, loose.ShippingAddress.Country = "Ada <ada@example.com>", "ZZ"
		_, err = s.Order.Checkout(ctx, loose)
		errstest.Want(t, err, errs.Invalid, "validation_failed", "email", "shipping_address.country")
		unknown := Checkout(cartID, "", "tok_visa")
		unknown.Payment.Provider = "acme"
		_, err = s.Order.Checkout(ctx, unknown)
		errstest.Want(t, err, errs.Invalid, payment.CodeUnknownProvider)
		_, err = s.Order.Checkout(ctx, Checkout(cartID, "", "tok_nope"))
		errstest.Want(t, err, errs.Invalid, payment.CodeInvalidToken)
		_, err = s.Order.Checkout(ctx, Checkout(s.Carts.Add(), "", "tok_visa"))
		errstest.Want(t, err, errs.Conflict, cart.CodeEmpty)
		_, err = s.Order.Checkout(ctx, Checkout(id.New("cart"), "", "tok_visa"))
		errstest.Want(t, err, errs.NotFound, "not_found")
		WantStock(t, s, k, 3, 0, 0)
		_, err = s.Order.Get(ctx, "ord_nope")
		errstest.Want(t, err, errs.NotFound, "not_found")
	})
	t.Run("CaptureRefundCancel", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 5)
		o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 2, 1000}), "", "tok_visa")).Order
		_, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "early", Amount: 100})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
		paid, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID})
		if err != nil || paid.Status != order.Paid || paid.Paid.Amount != 2000 {
			t.Fatalf("capture %+v %v", paid, err)
		}
		if p, _ := s.Payment.Get(ctx, o.PaymentID); p.Status != payment.Captured {
			t.Fatalf("payment %s", p.Status)
		}
		part, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r1", Amount: 500})
		if err != nil || part.Status != order.Paid || part.Refunded.Amount != 500 {
			t.Fatalf("partial refund %+v %v", part, err)
		}
		if again, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r1", Amount: 500}); err != nil || again.Refunded.Amount != 500 {
			t.Fatalf("repeated refund %+v %v", again, err)
		}
		_, err = s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r2", Amount: 1501})
		errstest.Want(t, err, errs.Conflict, order.CodeRefundExceeds)
		full, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r3", Amount: 1500})
		if err != nil || full.Status != order.Refunded || full.Refunded.Amount != 2000 {
			t.Fatalf("full refund %+v %v", full, err)
		}
		if p, _ := s.Payment.Get(ctx, o.PaymentID); p.Status != payment.Refunded {
			t.Fatalf("payment %s", p.Status)
		}
		// Cancel an authorized order: voided, stock back.
		o2 := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 1000}), "", "tok_visa")).Order
		WantStock(t, s, k, 2, 0, 3)
		c, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o2.ID})
		if err != nil || c.Status != order.Canceled || c.CanceledAt == nil {
			t.Fatalf("cancel %+v %v", c, err)
		}
		if p, _ := s.Payment.Get(ctx, o2.PaymentID); p.Status != payment.Voided {
			t.Fatalf("payment %s", p.Status)
		}
		WantStock(t, s, k, 3, 0, 3)
		if again, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o2.ID}); err != nil || again.Version != c.Version {
			t.Fatalf("second cancel %+v %v", again, err)
		}
		WantStock(t, s, k, 3, 0, 3)
		_, err = s.Order.Capture(ctx, order.CaptureCommand{OrderID: o2.ID})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
		// Cancel a paid order: refunded in full.
		o3 := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 1000}), "", "tok_visa")).Order
		if _, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: o3.ID}); err != nil {
			t.Fatal(err)
		}
		c3, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o3.ID})
		if err != nil || c3.Status != order.Canceled || c3.Refunded.Amount != 1000 {
			t.Fatalf("cancel paid %+v %v", c3, err)
		}
		if p, _ := s.Payment.Get(ctx, o3.PaymentID); p.Status != payment.Refunded {
			t.Fatalf("payment %s", p.Status)
		}
	})
	t.Run("ConcurrentCheckoutsOfOneCart", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 10)
		cartID := s.Carts.Add(Line{k, 1, 100})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Order.Checkout(ctx, Checkout(cartID, fmt.Sprint("k", i), "tok_visa"))
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if !errs.Is(err, errs.Conflict) {
					t.Errorf("checkout: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d checkouts of one cart succeeded", ok)
		}
		WantStock(t, s, k, 9, 0, 1)
	})
	testFulfillments(t, newSubject)
	testCancelFaults(t, newSubject)
	testRaces(t, newSubject)
}
