package ordersvc

import (
	"context"
	"slices"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
)

// The cancel saga. Its log is the order's Cancellation, written in the
// order's row:
//
//	intent   (one transaction) Cancellation{step: payment, refund}: the
//	         order refuses capture, refunds and fulfillments from now on
//	payment  Void (authorized) or Refund of the recorded amount with the
//	         key "cancel:<order>" (paid); both idempotent
//	         → (one transaction) status canceled, step stock, order.canceled
//	stock    release the reservation, or put each committed allocation
//	         back on hand (Adjust, reason order_canceled, reference the
//	         order), recording each allocation done
//	         → (one transaction) step done
//
// Whoever runs a cancel holds it by the order's version: every write of a
// step checks that the order was not changed since the runner's last
// write, so a runner that lost the cancel to another (recovery, a repeated
// request) stops at its next write. A cancel is taken over when its last
// run failed (Cancellation.Error) or when it was unchanged for
// RecoverAfter. Adjust is not idempotent by itself: a runner that takes
// over a cancel at step stock first looks in the SKU's ledger for the
// allocation's order_canceled row before putting its units back.

// restockReason is the reason of the ledger rows that return a canceled
// order's units; their reference is the order id.
const restockReason = "order_canceled"

// Cancel implements order.Service.
func (s *Service) Cancel(ctx context.Context, cmd order.CancelCommand) (order.Order, error) {
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	if o.Status == order.Canceled && !o.Cancellation.Pending() {
		return o, nil
	}
	resumed := false
	var unchanged bool
	o, err = s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
		unchanged, resumed = false, false
		if c := o.Cancellation; c.Pending() {
			if c.Error == "" && o.UpdatedAt.After(s.now().Add(-s.cfg.RecoverAfter)) {
				return nil, cancelling()
			}
			// Its last run failed or died: take it over.
			resumed, c.Error = true, ""
			s.touch(o)
			return nil, nil
		}
		if o.Status == order.Canceled {
			unchanged = true
			return nil, nil
		}
		if o.PaymentOp != nil {
			return nil, paymentBusy()
		}
		switch o.Status {
		case order.Authorized, order.Paid:
		default:
			return nil, stateErr(*o, "canceled")
		}
		s.touch(o)
		c := &order.Cancellation{Step: order.CancelPayment, From: o.Status, Refund: money.Money{Amount: 0, Currency: o.Currency},
			Restocked: []string{}, RequestedAt: s.now()}
		if o.Status == order.Paid {
			c.Refund.Amount = o.Paid.Amount - o.Refunded.Amount
		}
		o.Cancellation = c
		return nil, nil
	})
	if err != nil || unchanged {
		return o, err
	}
	return s.runCancel(ctx, o, resumed)
}

// runner runs a cancel or a payment operation of an order: it holds the
// order as it last wrote it.
type runner struct {
	s *Service
	o order.Order
	// held reports whether the runner still holds the stored order (nil:
	// its version is the one the runner last wrote); lost is the code of
	// the error of a write that finds it does not.
	held func(o *order.Order) bool
	lost string
}

// write applies fn to the stored order if the runner still holds it (by
// default: nobody changed the order since the runner's last write), in
// one transaction with fn's events.
func (r *runner) write(ctx context.Context, fn func(o *order.Order) []event.Event) error {
	held := r.held
	if held == nil {
		version := r.o.Version
		held = func(o *order.Order) bool { return o.Version == version }
	}
	out, err := r.s.store.UpdateOrder(ctx, r.o.ID, func(o *order.Order) ([]event.Event, error) {
		if !held(o) {
			return nil, errs.E(errs.Conflict, r.lost, "the operation was taken over by another process")
		}
		r.s.touch(o)
		return fn(o), nil
	})
	if err == nil {
		r.o = out
	}
	return err
}

// definitive reports whether a payment error means the call had no effect
// and will not succeed if repeated (the payment's state forbids it).
func definitive(err error) bool {
	switch errs.KindOf(err) {
	case errs.Conflict, errs.Invalid, errs.NotFound, errs.PaymentFailed:
		return true
	}
	return false
}

// runCancel runs the cancel's remaining steps. resumed says that another
// run may have done part of the stock step without recording it.
func (s *Service) runCancel(ctx context.Context, o order.Order, resumed bool) (order.Order, error) {
	ctx = context.WithoutCancel(ctx)
	r := &runner{s: s, o: o, lost: order.CodeCancelInProgress}
	fail := func(step string, err error) (order.Order, error) {
		if errs.HasCode(err, order.CodeCancelInProgress) {
			s.log.Warn("order cancel taken over by another runner", "order", r.o.ID, "step", step)
			return order.Order{}, err
		}
		s.log.Error("order cancel step failed; recovery will retry", "order", r.o.ID, "step", step, "err", err)
		code := errs.CodeOf(err)
		restocked := slices.Clone(r.o.Cancellation.Restocked)
		_ = r.write(ctx, func(o *order.Order) []event.Event {
			o.Cancellation.Error, o.Cancellation.Restocked = code, restocked
			return nil
		})
		if errs.Is(err, errs.Unavailable) {
			return order.Order{}, err
		}
		return order.Order{}, errs.E(errs.Unavailable, order.CodeCancelIncomplete,
			"the order could not be canceled completely now; the cancel is retried automatically, and repeating the request finishes it")
	}
	if r.o.Cancellation.Step == order.CancelPayment {
		if err := s.cancelPayment(ctx, r.o); err != nil {
			if !definitive(err) {
				return fail("payment", err)
			}
			// Nothing was voided or refunded: give the cancel up.
			if werr := r.write(ctx, func(o *order.Order) []event.Event { o.Cancellation = nil; return nil }); werr != nil {
				return fail("payment", werr)
			}
			return order.Order{}, err
		}
		err := r.write(ctx, func(o *order.Order) []event.Event {
			c, now := o.Cancellation, s.now()
			if c.Refund.Amount > 0 {
				o.Refunds = append(o.Refunds, order.Refund{Key: "cancel:" + o.ID, Amount: c.Refund, CreatedAt: now})
				o.Refunded.Amount += c.Refund.Amount
			}
			o.Status, o.CanceledAt, c.Step, c.Error = order.Canceled, &now, order.CancelStock, ""
			events, err := s.events(order.EventCanceled, *o)
			if err != nil {
				s.log.Error("order.canceled event", "order", o.ID, "err", err)
			}
			return events
		})
		if err != nil {
			return fail("payment", err)
		}
	}
	if r.o.Cancellation.Step == order.CancelStock {
		if err := s.restock(ctx, &r.o, resumed); err != nil {
			return fail("stock", err)
		}
		restocked := slices.Clone(r.o.Cancellation.Restocked)
		err := r.write(ctx, func(o *order.Order) []event.Event {
			now := s.now()
			o.Cancellation.Step, o.Cancellation.CompletedAt, o.Cancellation.Error, o.Cancellation.Restocked = order.CancelDone, &now, "", restocked
			return nil
		})
		if err != nil {
			return fail("stock", err)
		}
	}
	return r.o, nil
}

// cancelPayment voids the order's authorization or refunds the amount the
// cancel recorded; both calls are idempotent.
func (s *Service) cancelPayment(ctx context.Context, o order.Order) error {
	c := o.Cancellation
	switch {
	case c.From == order.Authorized:
		_, err := s.deps.Payment.Void(ctx, payment.VoidCommand{PaymentID: o.PaymentID, By: order.Module})
		return err
	case c.Refund.Amount > 0:
		_, err := s.deps.Payment.Refund(ctx, payment.RefundCommand{PaymentID: o.PaymentID, By: order.Module, Key: "cancel:" + o.ID, Amount: c.Refund})
		return err
	}
	return nil
}

func allocationKey(a inventory.Allocation) string { return a.SKU + "@" + a.LocationID }

// restock gives a canceled order's stock back: its reservation is released
// if it was never committed, else each committed allocation is put back
// on hand once. Done allocations are added to o.Cancellation.Restocked.
func (s *Service) restock(ctx context.Context, o *order.Order, resumed bool) error {
	if o.ReservationID == "" {
		return nil
	}
	res, err := s.deps.Inventory.GetReservation(ctx, o.ReservationID)
	if errs.Is(err, errs.NotFound) {
		s.log.Warn("canceled order: its reservation is gone; no stock to return", "order", o.ID, "reservation", o.ReservationID)
		return nil
	}
	if err != nil {
		return err
	}
	if res.State == inventory.Active {
		released, err := s.deps.Inventory.Release(ctx, inventory.ReleaseCommand{ReservationID: res.ID})
		switch {
		case err == nil:
			res = released
		case errs.Is(err, errs.NotFound):
			return nil
		case errs.Is(err, errs.Conflict):
			// Committed meanwhile (the checkout finishing): read it again.
			if res, err = s.deps.Inventory.GetReservation(ctx, o.ReservationID); err != nil {
				return err
			}
		default:
			return err
		}
	}
	if res.State != inventory.Committed {
		return nil // released or expired: nothing is held
	}
	c := o.Cancellation
	for _, a := range res.Allocations {
		if !a.Held || a.Quantity == 0 || slices.Contains(c.Restocked, allocationKey(a)) {
			continue
		}
		if resumed {
			done, err := s.returned(ctx, o.ID, a)
			if err != nil {
				return err
			}
			if done {
				c.Restocked = append(c.Restocked, allocationKey(a))
				continue
			}
		}
		if _, err := s.deps.Inventory.Adjust(ctx, inventory.AdjustCommand{SKU: a.SKU, LocationID: a.LocationID, Delta: a.Quantity,
			Reason: restockReason, Reference: o.ID}); err != nil {
			return err
		}
		c.Restocked = append(c.Restocked, allocationKey(a))
	}
	return nil
}

// returned reports whether the SKU's ledger has the row that put the
// allocation of the canceled order back on hand.
func (s *Service) returned(ctx context.Context, orderID string, a inventory.Allocation) (bool, error) {
	q := inventory.LedgerQuery{SKU: a.SKU, Limit: inventory.MaxListLimit}
	for {
		page, err := s.deps.Inventory.Ledger(ctx, q)
		if err != nil {
			return false, err
		}
		for _, e := range page.Data {
			if e.Reason == restockReason && e.Reference == orderID && e.LocationID == a.LocationID && e.OnHandDelta == a.Quantity {
				return true, nil
			}
		}
		if page.NextCursor == "" {
			return false, nil
		}
		q.Cursor = page.NextCursor
	}
}

// recoverPayments takes over and finishes the captures and refunds whose
// run failed or stopped (unchanged for olderThan).
func (s *Service) recoverPayments(ctx context.Context, olderThan time.Duration, out *order.RecoverResult) error {
	list, err := s.store.PendingPayments(ctx, s.now().Add(-olderThan), s.cfg.RecoverBatch)
	if err != nil {
		return err
	}
	for _, o := range list {
		// Claim it: a live runner loses its next write.
		r := s.paymentRunner(o)
		if err := r.write(ctx, func(o *order.Order) []event.Event { s.claim(o.PaymentOp); return nil }); err != nil {
			out.PaymentsFailed++
			continue
		}
		call, apply := s.capturePayment, s.applyCapture
		if r.o.PaymentOp.Kind == order.OpRefund {
			call, apply = s.refundPayment, s.applyRefund
		}
		if _, err := s.finishPayment(ctx, r.o, call, apply); err != nil && !definitive(err) {
			out.PaymentsFailed++
			continue
		}
		out.PaymentsCompleted++
	}
	return nil
}

// recoverCancels takes over and finishes the cancels with steps left that
// were unchanged for olderThan.
func (s *Service) recoverCancels(ctx context.Context, olderThan time.Duration, out *order.RecoverResult) error {
	list, err := s.store.PendingCancels(ctx, s.now().Add(-olderThan), s.cfg.RecoverBatch)
	if err != nil {
		return err
	}
	for _, o := range list {
		// Claim it: a live runner loses its next write.
		r := &runner{s: s, o: o, lost: order.CodeCancelInProgress}
		if err := r.write(ctx, func(o *order.Order) []event.Event { o.Cancellation.Error = ""; return nil }); err != nil {
			out.CancelsFailed++
			continue
		}
		_, err := s.runCancel(ctx, r.o, true)
		switch {
		case err == nil:
			out.CancelsCompleted++
		case definitive(err) && !errs.HasCode(err, order.CodeCancelInProgress):
			s.log.Warn("order cancel given up: the payment cannot be voided or refunded", "order", o.ID, "err", err)
			out.CancelsAborted++
		default:
			out.CancelsFailed++
		}
	}
	return nil
}
