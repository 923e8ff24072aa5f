package ordertest

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

func fake(t *testing.T) Subject {
	pay := paymenttest.MustService(t)
	return NewSubject(NewMemStore(), inventorytest.MustService(t), pay)
}

func TestFake(t *testing.T) { TestService(t, fake) }

func TestFakeRecovery(t *testing.T) { TestRecovery(t, fake) }

func TestFakeCancelRecovery(t *testing.T) { TestCancelRecovery(t, fake) }

func TestFakeFulfillConcurrency(t *testing.T) { TestFulfillConcurrency(t, fake) }

func TestFakeConcurrency(t *testing.T) {
	st := NewMemStore()
	TestConcurrency(t, func(t *testing.T) Subject {
		pay := paymenttest.MustService(t)
		return NewSubject(st, inventorytest.MustService(t), pay)
	}, st.Events)
}

// TestFakeEvents: every transition emits its event.
func TestFakeEvents(t *testing.T) {
	st := NewMemStore()
	pay := paymenttest.MustService(t)
	s := NewSubject(st, inventorytest.MustService(t), pay)
	k := MustStock(t, s, 5)
	o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 100}), "", "tok_visa")).Order
	ctx := t.Context()
	if _, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r", Amount: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID}); err != nil {
		t.Fatal(err)
	}
	o2 := MustPaidOrder(t, s, Line{k, 2, 100})
	if _, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o2.ID, Items: []order.FulfillmentItem{{ItemID: o2.Items[0].ID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o2.ID, Items: []order.FulfillmentItem{{ItemID: o2.Items[0].ID, Quantity: 2}}})
	errstest.Want(t, err, errs.Conflict, order.CodeFulfillmentExceeds) // no event for a refused fulfillment
	if _, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o2.ID}); err != nil {
		t.Fatal(err)
	}
	want := []string{order.EventPlaced, order.EventPaid, order.EventRefunded, order.EventCanceled,
		order.EventPlaced, order.EventPaid, order.EventPartiallyFulfilled, order.EventFulfilled}
	if got := st.EventTypes(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// TestFakeCancelEvents: a cancel killed after its status change and
// recovered emits order.canceled once.
func TestFakeCancelEvents(t *testing.T) {
	st := NewMemStore()
	pay := paymenttest.MustService(t)
	s := NewSubject(st, inventorytest.MustService(t), pay)
	k := MustStock(t, s, 5)
	o := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k, 1, 100}), "", "tok_visa")).Order
	s.Faults.Set("adjust", ErrCrash, true)
	if !Crashes(func() { _, _ = s.Service.Cancel(t.Context(), order.CancelCommand{OrderID: o.ID}) }) {
		t.Fatal("no crash")
	}
	if res, err := s.Order.Recover(t.Context(), 0); err != nil || res.CancelsCompleted != 1 {
		t.Fatalf("recover %+v %v", res, err)
	}
	want := []string{order.EventPlaced, order.EventCanceled}
	if got := st.EventTypes(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
