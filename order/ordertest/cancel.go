package ordertest

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// wantCanceled fails tb unless o is canceled with its cancellation done,
// its payment voided (authorized) or refunded in full (paid), once.
func wantCanceled(tb testing.TB, s Subject, id string, paid bool) order.Order {
	tb.Helper()
	ctx := context.Background()
	o, err := s.Order.Get(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	c := o.Cancellation
	if o.Status != order.Canceled || o.CanceledAt == nil || c == nil || c.Step != order.CancelDone || c.CompletedAt == nil || c.Error != "" {
		tb.Fatalf("order %s, cancellation %+v", o.Status, c)
	}
	p, err := s.Payment.Get(ctx, o.PaymentID)
	if err != nil {
		tb.Fatal(err)
	}
	if paid {
		if p.Status != payment.Refunded || p.Refunded.Amount != p.Captured.Amount || o.Refunded.Amount != o.Paid.Amount || len(p.Refunds) != len(o.Refunds) {
			tb.Fatalf("payment %s refunded %d of %d (%d refunds), order refunded %d", p.Status, p.Refunded.Amount, p.Captured.Amount, len(p.Refunds), o.Refunded.Amount)
		}
	} else if p.Status != payment.Voided {
		tb.Fatalf("payment %s", p.Status)
	}
	return o
}

func testCancelFaults(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	outage := errs.E(errs.Unavailable, "unavailable", "down")
	t.Run("CancelFaults", func(t *testing.T) {
		t.Run("void-fails", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 5)
			o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 2, 100}), "", "tok_visa")).Order
			s.Faults.Set("void", outage, false)
			_, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Unavailable, "unavailable")
			got, _ := s.Order.Get(ctx, o.ID)
			if got.Status != order.Authorized || !got.Cancellation.Pending() || got.Cancellation.Step != order.CancelPayment || got.Cancellation.Error != "unavailable" {
				t.Fatalf("after a failed void: %s %+v", got.Status, got.Cancellation)
			}
			// The intent holds: nothing else may happen to the order.
			_, err = s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Conflict, order.CodeCancelInProgress)
			WantStock(t, s, k, 3, 0, 2)
			// Repeating the request finishes it.
			if _, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID}); err != nil {
				t.Fatal(err)
			}
			wantCanceled(t, s, o.ID, false)
			WantStock(t, s, k, 5, 0, 2)
		})
		t.Run("void-answer-lost", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 5)
			o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 2, 100}), "", "tok_visa")).Order
			s.Faults.Set("void", outage, true)
			_, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Unavailable, "unavailable")
			res, err := s.Order.Recover(ctx, 0)
			if err != nil || res.CancelsCompleted != 1 {
				t.Fatalf("recover %+v %v", res, err)
			}
			wantCanceled(t, s, o.ID, false)
			WantStock(t, s, k, 5, 0, 2)
		})
		t.Run("refund-fails", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 5)
			o := MustPaidOrder(t, s, Line{k, 2, 100})
			if _, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "part", Amount: 50}); err != nil {
				t.Fatal(err)
			}
			s.Faults.Set("refund", outage, true)
			_, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Unavailable, "unavailable")
			_, err = s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "more", Amount: 10})
			errstest.Want(t, err, errs.Conflict, order.CodeCancelInProgress)
			_, err = s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Conflict, order.CodeCancelInProgress)
			if _, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID}); err != nil {
				t.Fatal(err)
			}
			got := wantCanceled(t, s, o.ID, true)
			if got.Cancellation.Refund.Amount != 150 || len(got.Refunds) != 2 {
				t.Fatalf("refunds %+v, cancellation %+v", got.Refunds, got.Cancellation)
			}
			WantStock(t, s, k, 5, 0, 2)
		})
		t.Run("adjust-fails", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 5)
			o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 2, 100}), "", "tok_visa")).Order
			s.Faults.Set("adjust", outage, true) // the units went back, the answer was lost
			_, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Unavailable, "unavailable")
			got, _ := s.Order.Get(ctx, o.ID)
			if got.Status != order.Canceled || got.Cancellation.Step != order.CancelStock {
				t.Fatalf("after a failed restock: %s %+v", got.Status, got.Cancellation)
			}
			res, err := s.Order.Recover(ctx, 0)
			if err != nil || res.CancelsCompleted != 1 {
				t.Fatalf("recover %+v %v", res, err)
			}
			wantCanceled(t, s, o.ID, false)
			WantStock(t, s, k, 5, 0, 2) // once, not twice
			if res, _ := s.Order.Recover(ctx, 0); res != (order.RecoverResult{}) {
				t.Fatalf("second pass %+v", res)
			}
		})
		t.Run("payment-cannot-be-voided", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 5)
			o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 2, 100}), "", "tok_visa")).Order
			// Captured behind the order's back (at the provider, then
			// its webhook): a void is refused for good.
			if _, err := s.Payment.Capture(ctx, payment.CaptureCommand{PaymentID: o.PaymentID, By: order.Module}); err != nil {
				t.Fatal(err)
			}
			_, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
			errstest.Want(t, err, errs.Conflict, payment.CodeState)
			got, _ := s.Order.Get(ctx, o.ID)
			if got.Status != order.Authorized || got.Cancellation != nil {
				t.Fatalf("a cancel given up left %s %+v", got.Status, got.Cancellation)
			}
			WantStock(t, s, k, 3, 0, 2)
			if res, _ := s.Order.Recover(ctx, 0); res != (order.RecoverResult{}) {
				t.Fatalf("recover %+v", res)
			}
		})
		t.Run("concurrent", func(t *testing.T) {
			s := newSubject(t)
			k := MustStock(t, s, 5)
			o := MustPaidOrder(t, s, Line{k, 2, 100})
			errc := make(chan error, 8)
			for range 8 {
				go func() {
					_, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
					errc <- err
				}()
			}
			for range 8 {
				if err := <-errc; err != nil && !errs.HasCode(err, order.CodeCancelInProgress) {
					t.Errorf("cancel: %v", err)
				}
			}
			if got, _ := s.Order.Get(ctx, o.ID); got.Cancellation.Pending() {
				// every request lost to a runner that is done by now
				t.Fatalf("cancellation left %+v", got.Cancellation)
			}
			wantCanceled(t, s, o.ID, true)
			WantStock(t, s, k, 5, 0, 2)
		})
	})
}

// TestCancelRecovery kills a cancel (its goroutine stops, as a killed
// process would) before and after each call it makes, then checks that a
// recovery pass finishes it with every effect exactly once: the payment
// voided or refunded in full, the units back on hand once, the order
// canceled.
func TestCancelRecovery(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	for _, tc := range []struct {
		op    string
		after bool
		paid  bool
	}{
		{"void", false, false},
		{"void", true, false},
		{"refund", false, true},
		{"refund", true, true},
		{"get_reservation", false, false},
		{"get_reservation", true, true},
		{"adjust", false, false},
		{"adjust", true, false},
		{"adjust", true, true},
	} {
		name := tc.op
		if tc.after {
			name += "-done"
		}
		if tc.paid {
			name += "-paid"
		}
		t.Run(name, func(t *testing.T) {
			s := newSubject(t)
			k1, k2 := MustStock(t, s, 5), MustStock(t, s, 4)
			lines := []Line{{k1, 2, 100}, {k2, 3, 200}}
			var o order.Order
			if tc.paid {
				o = MustPaidOrder(t, s, lines...)
			} else {
				o = MustCheckout(t, s, Checkout(s.Carts.Add(lines...), "", "tok_visa")).Order
			}
			s.Faults.Set(tc.op, ErrCrash, tc.after)
			if !Crashes(func() { _, _ = s.Service.Cancel(ctx, order.CancelCommand{OrderID: o.ID}) }) {
				t.Fatalf("the cancel did not reach %s", tc.op)
			}
			got, _ := s.Order.Get(ctx, o.ID)
			if !got.Cancellation.Pending() {
				t.Fatalf("no cancel left to recover: %+v", got.Cancellation)
			}
			res, err := s.Order.Recover(ctx, 0)
			if err != nil || res.CancelsCompleted != 1 || res.CancelsFailed+res.CancelsAborted != 0 {
				t.Fatalf("recover %+v %v", res, err)
			}
			wantCanceled(t, s, o.ID, tc.paid)
			WantStock(t, s, k1, 5, 0, 2)
			WantStock(t, s, k2, 4, 0, 3)
			if res, _ := s.Order.Recover(ctx, 0); res != (order.RecoverResult{}) {
				t.Fatalf("second pass %+v", res)
			}
			if again, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID}); err != nil || again.Status != order.Canceled {
				t.Fatalf("cancel again %+v %v", again, err)
			}
			WantStock(t, s, k1, 5, 0, 2)
		})
	}
}
