package ordertest

import (
	"context"
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
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
)

// crash leaves the saga log and side effects a checkout killed at step
// would leave: done says whether the step's call had happened (but was
// not recorded). The log is the one Checkout writes — started (step
// reserve), with the order (step commit), done — or, with legacy, the one
// earlier versions wrote, which also recorded the steps authorize,
// create_order and complete_cart as they went: a checkout in flight
// during an upgrade must recover as well.
func crash(tb testing.TB, s Subject, cartID string, step ordersvc.Step, done, legacy bool) ordersvc.Checkout {
	tb.Helper()
	ctx := context.Background()
	c, _ := s.Carts.Get(ctx, cartID)
	now := time.Now().UTC()
	chk := ordersvc.Checkout{ID: id.New("chk"), CartID: cartID, Step: ordersvc.StepReserve, State: ordersvc.Running, OrderID: id.New("ord"),
		Provider: "test", Version: 1, CreatedAt: now, UpdatedAt: now}
	for _, it := range c.Items {
		chk.Lines = append(chk.Lines, inventory.Line{SKU: it.SKU, Quantity: it.Quantity})
	}
	chk.Order = order.Order{ID: chk.OrderID, Status: order.Pending, CartID: cartID, CheckoutID: chk.ID, Currency: c.Currency, Totals: c.Totals,
		Paid: usd(0), Refunded: usd(0), Refunds: []order.Refund{}, Version: 1, CreatedAt: now, UpdatedAt: now}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("crash at %s: %v", step, err)
		}
	}
	logged := chk // what the saga log holds
	record := func(next ordersvc.Step) {
		tb.Helper()
		chk.Step = next
		if legacy {
			chk.Version++
			must(s.Store.SaveCheckout(ctx, chk, nil))
			logged = chk
		}
	}
	must(s.Store.InsertCheckout(ctx, chk))
	if step == ordersvc.StepReserve && !done {
		return logged
	}
	r, err := s.Inventory.Reserve(ctx, inventory.ReserveCommand{Reference: chk.ID, Owner: chk.ID, Lines: chk.Lines})
	must(err)
	if step == ordersvc.StepReserve {
		return logged
	}
	chk.ReservationID = r.ID
	record(ordersvc.StepAuthorize)
	if step == ordersvc.StepAuthorize && !done {
		return logged
	}
	p, err := s.Payment.Authorize(ctx, payment.AuthorizeCommand{Key: chk.ID, Reference: chk.ID, Provider: "test", Token: "tok_visa", Amount: c.Totals.Total})
	must(err)
	if step == ordersvc.StepAuthorize {
		return logged
	}
	chk.PaymentID = p.ID
	record(ordersvc.StepCreateOrder)
	if step == ordersvc.StepCreateOrder {
		return logged
	}
	o := chk.Order
	o.Status, o.PaymentID, o.ReservationID = order.Authorized, p.ID, r.ID
	chk.Step = ordersvc.StepCommit
	chk.Version++
	_, err = s.Store.CreateOrder(ctx, o, "hash-"+chk.ID, chk)
	must(err)
	logged = chk
	if step == ordersvc.StepCommit && !done {
		return logged
	}
	_, err = s.Inventory.Commit(ctx, inventory.CommitCommand{ReservationID: r.ID, OrderID: o.ID})
	must(err)
	if step == ordersvc.StepCommit {
		return logged
	}
	record(ordersvc.StepCompleteCart)
	if done {
		_, err = s.Carts.Complete(ctx, cartID)
		must(err)
	}
	return logged
}

// TestRecovery leaves a checkout as a process killed at each step would,
// then checks that a recovery pass compensates it (before the order
// exists) or completes it (after).
func TestRecovery(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()
	for _, tc := range []struct {
		step     ordersvc.Step
		done     bool
		complete bool
	}{
		// step, whether its call happened, whether recovery completes
		{ordersvc.StepReserve, false, false},
		{ordersvc.StepReserve, true, false},
		{ordersvc.StepAuthorize, false, false},
		{ordersvc.StepAuthorize, true, false},
		{ordersvc.StepCreateOrder, false, false},
		{ordersvc.StepCommit, false, true},
		{ordersvc.StepCommit, true, true},
		{ordersvc.StepCompleteCart, false, true},
		{ordersvc.StepCompleteCart, true, true},
	} {
		for _, legacy := range []bool{false, true} {
			name := string(tc.step)
			if tc.done {
				name += "-done"
			}
			if legacy {
				name += "-legacy-log"
			}
			t.Run(name, func(t *testing.T) {
				s := newSubject(t)
				k := MustStock(t, s, 4)
				cartID := s.Carts.Add(Line{k, 3, 500})
				chk := crash(t, s, cartID, tc.step, tc.done, legacy)
				res, err := s.Order.Recover(ctx, 0)
				if err != nil || res.Failed != 0 {
					t.Fatalf("recover %+v %v", res, err)
				}
				got, err := s.Store.GetCheckout(ctx, chk.ID)
				if err != nil {
					t.Fatal(err)
				}
				pay, payErr := s.Payment.GetByKey(ctx, chk.ID)
				c, _ := s.Carts.Get(ctx, cartID)
				if tc.complete {
					if res.Completed != 1 || got.State != ordersvc.Completed {
						t.Fatalf("recover %+v, checkout %s", res, got.State)
					}
					WantStock(t, s, k, 1, 0, 3)
					o, err := s.Order.Get(ctx, chk.OrderID)
					if err != nil || o.Status != order.Authorized || c.Status != cart.Completed || pay.Status != payment.Authorized {
						t.Fatalf("order %+v %v, cart %s, payment %s", o, err, c.Status, pay.Status)
					}
				} else {
					if res.Compensated != 1 || got.State != ordersvc.Compensated {
						t.Fatalf("recover %+v, checkout %s", res, got.State)
					}
					WantStock(t, s, k, 4, 0, 0)
					if payErr == nil && pay.Status != payment.Voided {
						t.Fatalf("payment left %s", pay.Status)
					}
					_, err := s.Order.Get(ctx, chk.OrderID)
					errstest.Want(t, err, errs.NotFound, "not_found")
					if c.Status != cart.Active {
						t.Fatalf("cart %s", c.Status)
					}
					MustCheckout(t, s, Checkout(cartID, "", "tok_visa")) // the cart can be checked out again
				}
				if res, _ := s.Order.Recover(ctx, 0); res != (order.RecoverResult{}) {
					t.Fatalf("second pass %+v", res)
				}
			})
		}
	}
}

// TestConcurrency runs 50 concurrent checkouts of 50 carts for a SKU with
// 10 units: exactly 10 orders, every other checkout out of stock with
// nothing held or charged.
func TestConcurrency(t *testing.T, newSubject func(t *testing.T) Subject, events func() []event.Event) {
	ctx := context.Background()
	s := newSubject(t)
	k := MustStock(t, s, 10)
	var carts []string
	for range 50 {
		carts = append(carts, s.Carts.Add(Line{k, 1, 100}))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var placed []order.Order
	for _, c := range carts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Order.Checkout(ctx, Checkout(c, "", "tok_visa"))
			switch {
			case err == nil:
				mu.Lock()
				placed = append(placed, r.Order)
				mu.Unlock()
			case errs.HasCode(err, "out_of_stock"):
			default:
				t.Errorf("checkout: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(placed) != 10 {
		t.Fatalf("%d orders placed, want 10", len(placed))
	}
	WantStock(t, s, k, 0, 0, 10)
	numbers := map[string]bool{}
	for _, o := range placed {
		if numbers[o.Number] {
			t.Fatalf("order number %s twice", o.Number)
		}
		numbers[o.Number] = true
	}
	if page, err := s.Order.List(ctx, order.ListQuery{Limit: 100}); err != nil || len(page.Data) != 10 {
		t.Fatalf("list: %d %v", len(page.Data), err)
	}
	if events != nil {
		n := 0
		for _, e := range events() {
			if e.Type == order.EventPlaced {
				n++
			}
		}
		if n != 10 {
			t.Fatalf("%d order.placed events, want 10", n)
		}
	}
}
