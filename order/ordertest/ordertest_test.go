package ordertest

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/event/eventtest"
)

// subject is the order service on SQLite, calling inventory and payment on
// the same database, and the outbox its events are written to.
func subject(t *testing.T) (Subject, eventtest.Outbox) {
	st := MustStore(t)
	return NewSubject(st, inventorytest.MustServiceOn(t, st.DB), paymenttest.MustServiceOn(t, st.DB)), eventtest.Outbox{DB: st.DB, Module: order.Module}
}

// TestEvents: every transition writes its event.
func TestEvents(t *testing.T) {
	s, ob := subject(t)
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
	if got := ob.EventTypes(t); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// TestCancelEvents: a cancel killed after its status change and
// recovered writes order.canceled once.
func TestCancelEvents(t *testing.T) {
	s, ob := subject(t)
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
	if got := ob.EventTypes(t); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
