package ordertest

import (
	"context"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// WantSettled fails tb unless the order and its payment agree: the
// payment's captured less refunded amount is the order's paid less
// refunded, no operation is left in flight on either, and a canceled
// order holds no money (its payment voided or refunded in full).
func WantSettled(tb testing.TB, s Subject, orderID string) (order.Order, payment.Payment) {
	tb.Helper()
	ctx := context.Background()
	o, err := s.Order.Get(ctx, orderID)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := s.Payment.Get(ctx, o.PaymentID)
	if err != nil {
		tb.Fatal(err)
	}
	if held, paid := p.Captured.Amount-p.Refunded.Amount, o.Paid.Amount-o.Refunded.Amount; held != paid {
		tb.Fatalf("payment %s holds %d, order %s holds %d", p.Status, held, o.Status, paid)
	}
	if o.PaymentOp != nil || o.Cancellation.Pending() || p.Operation != "" {
		tb.Fatalf("left in flight: order op %+v, cancellation %+v, payment op %q", o.PaymentOp, o.Cancellation, p.Operation)
	}
	if o.Status == order.Canceled && p.Status != payment.Voided && p.Status != payment.Refunded {
		tb.Fatalf("canceled order with payment %s", p.Status)
	}
	return o, p
}

// together runs fns at once and waits for them.
func together(fns ...func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, fn := range fns {
		wg.Go(func() { <-start; fn() })
	}
	close(start)
	wg.Wait()
}

func testRaces(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	t.Run("CaptureRacesCancel", func(t *testing.T) {
		// Exactly one of two outcomes: captured and not canceled, or
		// canceled with the authorization voided (or the capture refunded
		// when it came first); each answer says what happened.
		s := newSubject(t)
		for range 15 {
			k := MustStock(t, s, 2)
			o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 700}), "", "tok_visa")).Order
			var captured, canceled order.Order
			var cerr, kerr error
			together(
				func() { captured, cerr = s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID}) },
				func() { canceled, kerr = s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID}) })
			final, p := WantSettled(t, s, o.ID)
			if cerr != nil && !errs.Is(cerr, errs.Conflict) || kerr != nil && !errs.Is(kerr, errs.Conflict) {
				t.Fatalf("capture %v, cancel %v: want successes or conflicts", cerr, kerr)
			}
			if cerr == nil && (captured.Status != order.Paid || captured.Paid.Amount != 700) {
				t.Fatalf("capture answered %s paid %d", captured.Status, captured.Paid.Amount)
			}
			if kerr == nil && canceled.Status != order.Canceled {
				t.Fatalf("cancel answered %s", canceled.Status)
			}
			switch {
			case cerr == nil && kerr == nil: // capture, then a cancel that refunded it
				if final.Status != order.Canceled || p.Status != payment.Refunded || final.Refunded.Amount != 700 {
					t.Fatalf("both succeeded: order %s refunded %d, payment %s", final.Status, final.Refunded.Amount, p.Status)
				}
				WantStock(t, s, k, 2, 0, 1) // the sold unit back on hand
			case cerr == nil:
				if final.Status != order.Paid || p.Status != payment.Captured {
					t.Fatalf("capture won: order %s, payment %s", final.Status, p.Status)
				}
			case kerr == nil:
				if final.Status != order.Canceled || p.Status != payment.Voided || p.Captured.Amount != 0 {
					t.Fatalf("cancel won: order %s, payment %s captured %d", final.Status, p.Status, p.Captured.Amount)
				}
				WantStock(t, s, k, 2, 0, 1) // the sold unit back on hand
			default:
				t.Fatalf("both refused: capture %v, cancel %v", cerr, kerr)
			}
		}
	})
	t.Run("RefundRacesCancel", func(t *testing.T) {
		s := newSubject(t)
		for range 15 {
			k := MustStock(t, s, 2)
			o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 900}), "", "tok_visa")).Order
			if _, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID}); err != nil {
				t.Fatal(err)
			}
			var rerr, kerr error
			together(
				func() { _, rerr = s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "part", Amount: 300}) },
				func() { _, kerr = s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID}) })
			final, p := WantSettled(t, s, o.ID)
			if kerr == nil && (final.Status != order.Canceled || p.Status != payment.Refunded || final.Refunded.Amount != 900) {
				t.Fatalf("cancel succeeded (refund %v): order %s refunded %d, payment %s", rerr, final.Status, final.Refunded.Amount, p.Status)
			}
			if kerr != nil && (rerr != nil || final.Refunded.Amount != 300) {
				t.Fatalf("cancel %v, refund %v: order %s refunded %d", kerr, rerr, final.Status, final.Refunded.Amount)
			}
		}
	})
	t.Run("CheckoutHoldsCart", func(t *testing.T) {
		// A checkout holds its cart until the order is placed; one that
		// fails releases it, so that the shopper can change it and retry.
		s := newSubject(t)
		k := MustStock(t, s, 5)
		cartID := s.Carts.Add(Line{k, 1, 500})
		_, err := s.Order.Checkout(ctx, Checkout(cartID, "", "tok_declined"))
		errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
		if c, _ := s.Carts.Get(ctx, cartID); c.Hold != nil || c.Status != cart.Active {
			t.Fatalf("after a declined checkout: %s, hold %+v", c.Status, c.Hold)
		}
		MustCheckout(t, s, Checkout(cartID, "", "tok_visa"))
		if c, _ := s.Carts.Get(ctx, cartID); c.Hold != nil || c.Status != cart.Completed {
			t.Fatalf("after the checkout: %s, hold %+v", c.Status, c.Hold)
		}
	})
	t.Run("CaptureOutage", func(t *testing.T) {
		s := newSubject(t)
		k := MustStock(t, s, 2)
		o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 500}), "", "tok_visa")).Order
		// The provider captured, but its answer was lost.
		s.Faults.Set("capture", errs.E(errs.Unavailable, "unavailable", "down"), true)
		_, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID})
		errstest.Want(t, err, errs.Unavailable, order.CodePaymentIncomplete)
		got, _ := s.Order.Get(ctx, o.ID)
		if got.PaymentOp == nil || got.PaymentOp.Kind != order.OpCapture || got.PaymentOp.Error != "unavailable" {
			t.Fatalf("after the outage: payment op %+v", got.PaymentOp)
		}
		// While the capture is unresolved, nothing else moves the money.
		_, err = s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
		errstest.Want(t, err, errs.Conflict, order.CodePaymentInProgress)
		res, err := s.Order.Recover(ctx, 0)
		if err != nil || res.PaymentsCompleted != 1 {
			t.Fatalf("recover %+v %v", res, err)
		}
		if final, _ := WantSettled(t, s, o.ID); final.Status != order.Paid || final.Paid.Amount != 500 {
			t.Fatalf("recovered: %s paid %d", final.Status, final.Paid.Amount)
		}
		// A refund whose call failed before reaching the provider is
		// finished by the same request repeated.
		s.Faults.Set("refund", errs.E(errs.Unavailable, "unavailable", "down"), false)
		_, err = s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r1", Amount: 200})
		errstest.Want(t, err, errs.Unavailable, order.CodePaymentIncomplete)
		_, err = s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r2", Amount: 100})
		errstest.Want(t, err, errs.Conflict, order.CodePaymentInProgress)
		if _, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r1", Amount: 200}); err != nil {
			t.Fatal(err)
		}
		if final, _ := WantSettled(t, s, o.ID); final.Refunded.Amount != 200 || len(final.Refunds) != 1 {
			t.Fatalf("refunded %d in %d refunds", final.Refunded.Amount, len(final.Refunds))
		}
	})
}
