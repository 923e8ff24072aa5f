package ordertest

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/event"
)

func fake(*testing.T) Subject {
	pay, _ := paymenttest.NewFake()
	return NewSubject(NewMemStore(), inventorytest.NewFake(), pay)
}

func TestFake(t *testing.T) { TestService(t, fake) }

func TestFakeRecovery(t *testing.T) { TestRecovery(t, fake) }

func TestFakeConcurrency(t *testing.T) {
	st := NewMemStore()
	TestConcurrency(t, func(*testing.T) Subject {
		pay, _ := paymenttest.NewFake()
		return NewSubject(st, inventorytest.NewFake(), pay)
	}, func() []event.Event {
		var out []event.Event
		for _, typ := range st.EventTypes() {
			out = append(out, event.Event{Type: typ})
		}
		return out
	})
}

// TestFakeEvents: every transition emits its event.
func TestFakeEvents(t *testing.T) {
	st := NewMemStore()
	pay, _ := paymenttest.NewFake()
	s := NewSubject(st, inventorytest.NewFake(), pay)
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
	want := []string{order.EventPlaced, order.EventPaid, order.EventRefunded, order.EventCanceled}
	if got := st.EventTypes(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
