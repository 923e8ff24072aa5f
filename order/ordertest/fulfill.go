package ordertest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// MustPaidOrder checks a cart of lines out and captures its payment.
func MustPaidOrder(tb testing.TB, s Subject, lines ...Line) order.Order {
	tb.Helper()
	o := MustCheckout(tb, s, Checkout(s.Carts.Add(lines...), "", "tok_visa")).Order
	paid, err := s.Order.Capture(context.Background(), order.CaptureCommand{OrderID: o.ID})
	if err != nil {
		tb.Fatalf("capture: %v", err)
	}
	return paid
}

func fulfilled(o order.Order) []int64 {
	var out []int64
	for _, it := range o.Items {
		out = append(out, it.Fulfilled)
	}
	return out
}

func testFulfillments(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	t.Run("Fulfillments", func(t *testing.T) {
		s := newSubject(t)
		k1, k2 := MustStock(t, s, 10), MustStock(t, s, 10)
		auth := MustCheckout(t, s, Checkout(s.Carts.Add(Line{k1, 3, 1000}, Line{k2, 1, 500}), "", "tok_visa")).Order
		_, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: auth.ID})
		errstest.Want(t, err, errs.Conflict, order.CodeState) // capture first
		o, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: auth.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Fulfillments) != 0 || fmt.Sprint(fulfilled(o)) != "[0 0]" {
			t.Fatalf("new order: %+v", o)
		}
		l1, l2 := o.Items[0].ID, o.Items[1].ID
		part, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID, Items: []order.FulfillmentItem{{ItemID: l1, Quantity: 1}},
			TrackingNumber: "1Z999", Carrier: "UPS"})
		if err != nil || part.Status != order.PartiallyFulfilled || fmt.Sprint(fulfilled(part)) != "[1 0]" || len(part.Fulfillments) != 1 {
			t.Fatalf("partial fulfillment %+v %v", part, err)
		}
		if f := part.Fulfillments[0]; f.ID == "" || f.TrackingNumber != "1Z999" || f.Carrier != "UPS" || len(f.Items) != 1 || f.Items[0].Quantity != 1 {
			t.Fatalf("fulfillment %+v", f)
		}
		// Bad requests write nothing.
		for _, tc := range []struct {
			items []order.FulfillmentItem
			kind  errs.Kind
			code  string
		}{
			{[]order.FulfillmentItem{{ItemID: l1, Quantity: 3}}, errs.Conflict, order.CodeFulfillmentExceeds},
			{[]order.FulfillmentItem{{ItemID: l2, Quantity: 1}, {ItemID: l1, Quantity: 5}}, errs.Conflict, order.CodeFulfillmentExceeds},
			{[]order.FulfillmentItem{{ItemID: "cli_nope", Quantity: 1}}, errs.Invalid, "validation_failed"},
			{[]order.FulfillmentItem{{ItemID: l1, Quantity: 0}}, errs.Invalid, "validation_failed"},
			{[]order.FulfillmentItem{{ItemID: l1, Quantity: -2}}, errs.Invalid, "validation_failed"},
			{[]order.FulfillmentItem{{ItemID: l1, Quantity: 1}, {ItemID: l1, Quantity: 1}}, errs.Invalid, "validation_failed"},
			{[]order.FulfillmentItem{{ItemID: "", Quantity: 1}}, errs.Invalid, "validation_failed"},
		} {
			_, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID, Items: tc.items})
			errstest.Want(t, err, tc.kind, tc.code)
		}
		if got, _ := s.Order.Get(ctx, o.ID); got.Version != part.Version || fmt.Sprint(fulfilled(got)) != "[1 0]" {
			t.Fatalf("a refused fulfillment changed the order: %+v", got)
		}
		_, err = s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: "ord_nope"})
		errstest.Want(t, err, errs.NotFound, "not_found")
		// A key makes it idempotent.
		keyed, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID, Key: "ship-2", Items: []order.FulfillmentItem{{ItemID: l2, Quantity: 1}}})
		if err != nil || keyed.Status != order.PartiallyFulfilled || fmt.Sprint(fulfilled(keyed)) != "[1 1]" {
			t.Fatalf("keyed fulfillment %+v %v", keyed, err)
		}
		again, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID, Key: "ship-2", Items: []order.FulfillmentItem{{ItemID: l2, Quantity: 1}}})
		if err != nil || len(again.Fulfillments) != 2 || fmt.Sprint(fulfilled(again)) != "[1 1]" {
			t.Fatalf("repeated fulfillment %+v %v", again, err)
		}
		// No items: everything that remains.
		all, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID})
		if err != nil || all.Status != order.Fulfilled || fmt.Sprint(fulfilled(all)) != "[3 1]" || len(all.Fulfillments) != 3 {
			t.Fatalf("fulfill the rest %+v %v", all, err)
		}
		if f := all.Fulfillments[2]; len(f.Items) != 1 || f.Items[0].ItemID != l1 || f.Items[0].Quantity != 2 {
			t.Fatalf("the rest %+v", f)
		}
		_, err = s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: o.ID})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
		_, err = s.Order.Cancel(ctx, order.CancelCommand{OrderID: o.ID})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
		// Listed on the order for staff and for the buyer.
		page, err := s.Order.List(ctx, order.ListQuery{Status: order.Fulfilled})
		if err != nil || len(page.Data) != 1 || page.Data[0].ID != o.ID || len(page.Data[0].Fulfillments) != 3 {
			t.Fatalf("list fulfilled %+v %v", page, err)
		}
		// A fulfilled order can be refunded; in full it is refunded and
		// cannot be fulfilled or canceled.
		ref, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r1", Amount: 500})
		if err != nil || ref.Status != order.Fulfilled || ref.Refunded.Amount != 500 {
			t.Fatalf("refund a fulfilled order %+v %v", ref, err)
		}
		if ref, err = s.Order.Refund(ctx, order.RefundCommand{OrderID: o.ID, Key: "r2", Amount: 3000}); err != nil || ref.Status != order.Refunded {
			t.Fatalf("full refund %+v %v", ref, err)
		}
		if c, err := s.Order.Capture(ctx, order.CaptureCommand{OrderID: o.ID}); err != nil || c.Status != order.Refunded {
			t.Fatalf("capture of a refunded order %+v %v", c, err)
		}
		// Refunded and canceled orders cannot be fulfilled.
		refunded := MustPaidOrder(t, s, Line{k1, 1, 100})
		if _, err := s.Order.Refund(ctx, order.RefundCommand{OrderID: refunded.ID, Key: "all", Amount: 100}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: refunded.ID})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
		canceled := MustPaidOrder(t, s, Line{k1, 1, 100})
		if _, err := s.Order.Cancel(ctx, order.CancelCommand{OrderID: canceled.ID}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: canceled.ID, Items: []order.FulfillmentItem{{ItemID: canceled.Items[0].ID, Quantity: 1}}})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
		// A partially fulfilled order cannot be canceled either.
		p := MustPaidOrder(t, s, Line{k2, 2, 100})
		if _, err := s.Order.Fulfill(ctx, order.FulfillCommand{OrderID: p.ID, Items: []order.FulfillmentItem{{ItemID: p.Items[0].ID, Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Order.Cancel(ctx, order.CancelCommand{OrderID: p.ID})
		errstest.Want(t, err, errs.Conflict, order.CodeState)
	})
}

// TestFulfillConcurrency: many concurrent fulfillments of one order never
// fulfill a line beyond its quantity, and exactly one "everything that
// remains" wins.
func TestFulfillConcurrency(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	s := newSubject(t)
	k := MustStock(t, s, 20)
	o := MustPaidOrder(t, s, Line{k, 5, 100})
	run := func(n int, cmd order.FulfillCommand) (ok int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Order.Fulfill(ctx, cmd)
				switch {
				case err == nil:
					mu.Lock()
					ok++
					mu.Unlock()
				case errs.HasCode(err, order.CodeFulfillmentExceeds), errs.HasCode(err, order.CodeState):
				default:
					t.Errorf("fulfill: %v", err)
				}
			}()
		}
		wg.Wait()
		return ok
	}
	if ok := run(30, order.FulfillCommand{OrderID: o.ID, Items: []order.FulfillmentItem{{ItemID: o.Items[0].ID, Quantity: 1}}}); ok != 5 {
		t.Fatalf("%d fulfillments of 1 unit of a line of 5 succeeded, want 5", ok)
	}
	got, err := s.Order.Get(ctx, o.ID)
	if err != nil || got.Status != order.Fulfilled || got.Items[0].Fulfilled != 5 || len(got.Fulfillments) != 5 {
		t.Fatalf("after the race: %+v %v", got, err)
	}
	o2 := MustPaidOrder(t, s, Line{k, 3, 100})
	if ok := run(10, order.FulfillCommand{OrderID: o2.ID}); ok != 1 {
		t.Fatalf("%d concurrent 'fulfill everything' succeeded, want 1", ok)
	}
	if got, _ := s.Order.Get(ctx, o2.ID); got.Items[0].Fulfilled != 3 || len(got.Fulfillments) != 1 {
		t.Fatalf("after the race: %+v", got)
	}
}
