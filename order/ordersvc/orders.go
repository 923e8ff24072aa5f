package ordersvc

import (
	"context"
	"slices"
	"time"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
)

// Get implements order.Service.
func (s *Service) Get(ctx context.Context, orderID string) (order.Order, error) {
	if !id.Valid("ord", orderID) {
		return order.Order{}, notFound()
	}
	return s.store.GetOrder(ctx, orderID)
}

// GetForBuyer implements order.Service.
func (s *Service) GetForBuyer(ctx context.Context, q order.BuyerQuery) (order.Order, error) {
	if !id.Valid("ord", q.ID) {
		return order.Order{}, notFound()
	}
	if sh, ok := auth.ShopperOf(ctx); ok && sh.CustomerID != "" && (q.AccessToken == "" || q.AccessToken == sh.Token) {
		o, err := s.store.GetOrder(ctx, q.ID)
		if err != nil || o.CustomerID != sh.CustomerID {
			return order.Order{}, notFound() // another's order: as if it did not exist
		}
		return o, nil
	}
	if q.AccessToken == "" {
		return order.Order{}, notFound()
	}
	ok, err := s.store.HasToken(ctx, q.ID, hashToken(q.AccessToken))
	if err != nil {
		return order.Order{}, err
	}
	if !ok {
		return order.Order{}, notFound()
	}
	return s.store.GetOrder(ctx, q.ID)
}

// List implements order.Service.
func (s *Service) List(ctx context.Context, q order.ListQuery) (order.Page[order.Order], error) {
	var v errs.Validator
	if q.Status != "" && !slices.Contains(order.Statuses, q.Status) {
		v.Add("status", "must be one of pending, authorized, paid, partially_fulfilled, fulfilled, canceled, refunded")
	}
	v.Check(q.Limit >= 0 && q.Limit <= order.MaxListLimit, "limit", "must be 1 to %d", order.MaxListLimit)
	if err := v.Err(); err != nil {
		return order.Page[order.Order]{}, err
	}
	before, err := id.After(q.Cursor, "ord")
	if err != nil {
		return order.Page[order.Order]{}, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = order.DefaultLimit
	}
	list, err := s.store.ListOrders(ctx, q.Status, q.CustomerID, before, limit+1)
	if err != nil {
		return order.Page[order.Order]{}, err
	}
	page := order.Page[order.Order]{Data: list}
	if len(list) > limit {
		page.Data = list[:limit]
		page.NextCursor = id.Cursor(list[limit-1].ID)
	}
	if page.Data == nil {
		page.Data = []order.Order{}
	}
	return page, nil
}

func stateErr(o order.Order, op string) error {
	if o.Cancellation.Pending() {
		return cancelling()
	}
	return errs.E(errs.Conflict, order.CodeState, "an order that is %s cannot be %s", o.Status, op)
}

// busyRetry is the Retry-After of the answers that another request holds
// the order: a retry, even with the same Idempotency-Key, runs again.
const busyRetry = time.Second

func cancelling() error {
	e := errs.E(errs.Conflict, order.CodeCancelInProgress, "the order is being canceled")
	e.RetryAfter = busyRetry
	return e
}

// paidStatus reports whether o's payment is captured and not refunded in
// full, and no cancel is running: it may be refunded (and, but for
// fulfilled, fulfilled).
func paidStatus(o order.Order) bool {
	switch o.Status {
	case order.Paid, order.PartiallyFulfilled, order.Fulfilled:
		return !o.Cancellation.Pending()
	}
	return false
}

func (s *Service) touch(o *order.Order) {
	o.Version++
	o.UpdatedAt = s.now()
}

func paymentBusy() error {
	e := errs.E(errs.Conflict, order.CodePaymentInProgress, "a capture or refund of the order is running; repeat the request when it is done")
	e.RetryAfter = busyRetry
	return e
}

// busy reports whether o's payment is being moved by a cancel or by a
// payment operation that is not op with key (or that is still running:
// its last run neither failed nor stopped RecoverAfter ago).
func (s *Service) busy(o order.Order, kind, key string) error {
	if o.Cancellation.Pending() {
		return cancelling()
	}
	op := o.PaymentOp
	if op == nil {
		return nil
	}
	if op.Kind != kind || op.Key != key || (op.Error == "" && op.StartedAt.After(s.now().Add(-s.cfg.RecoverAfter))) {
		return paymentBusy()
	}
	return nil
}

// runPayment moves the payment of o for the operation op: op is recorded
// on the order (compare-and-set: refused when another operation or a
// cancel holds the order, or when check fails), the payment is called,
// then apply records the result and clears op, in one write that fails
// if another runner took the operation over. A payment error that leaves
// the outcome unknown keeps op for recovery or the same request
// repeated; any other clears it and is returned. done reports that the
// operation already happened.
func (s *Service) runPayment(ctx context.Context, orderID string, op order.PaymentOp,
	check func(o *order.Order) (done bool, err error),
	call func(ctx context.Context, o order.Order) (payment.Payment, error),
	apply func(o *order.Order, p payment.Payment) []event.Event) (order.Order, error) {
	var done bool
	o, err := s.store.UpdateOrder(ctx, orderID, func(o *order.Order) ([]event.Event, error) {
		var err error
		if done, err = check(o); err != nil || done {
			return nil, err
		}
		if err := s.busy(*o, op.Kind, op.Key); err != nil {
			return nil, err
		}
		s.touch(o)
		if prev := o.PaymentOp; prev != nil {
			op.StartedAt = prev.StartedAt
		}
		s.claim(&op)
		o.PaymentOp = &op
		return nil, nil
	})
	if err != nil || done {
		return o, err
	}
	return s.finishPayment(ctx, o, call, apply)
}

// paymentRunner runs o's payment operation. It holds the order while the
// operation is the one it started (other writes, such as a fulfillment,
// may change the order meanwhile); a claim by recovery or by the same
// request repeated makes it lose.
func (s *Service) paymentRunner(o order.Order) *runner {
	started := o.PaymentOp.StartedAt
	return &runner{s: s, o: o, lost: order.CodePaymentInProgress,
		held: func(o *order.Order) bool { return o.PaymentOp != nil && o.PaymentOp.StartedAt.Equal(started) }}
}

// claim makes op a new run: its StartedAt, which names the run, moves
// forward.
func (s *Service) claim(op *order.PaymentOp) {
	now := s.now()
	if !now.After(op.StartedAt) {
		now = op.StartedAt.Add(time.Microsecond)
	}
	op.Error, op.StartedAt = "", now
}

// finishPayment runs the payment call of o's recorded operation and
// records its result.
func (s *Service) finishPayment(ctx context.Context, o order.Order,
	call func(ctx context.Context, o order.Order) (payment.Payment, error),
	apply func(o *order.Order, p payment.Payment) []event.Event) (order.Order, error) {
	ctx = context.WithoutCancel(ctx) // the order must learn what the payment did
	r := s.paymentRunner(o)
	p, perr := call(ctx, o)
	if perr != nil && !definitive(perr) {
		s.log.Error("order payment operation failed; recovery will retry", "order", o.ID, "op", o.PaymentOp.Kind, "err", perr)
		code := errs.CodeOf(perr)
		_ = r.write(ctx, func(o *order.Order) []event.Event { o.PaymentOp.Error = code; return nil })
		return order.Order{}, errs.E(errs.Unavailable, order.CodePaymentIncomplete,
			"the payment provider did not answer; the %s is retried automatically, and repeating the request finishes it", o.PaymentOp.Kind)
	}
	var events []event.Event
	if err := r.write(ctx, func(o *order.Order) []event.Event {
		events = nil
		if perr == nil {
			events = apply(o, p)
		}
		o.PaymentOp = nil
		return events
	}); err != nil {
		return order.Order{}, err
	}
	if perr != nil {
		return order.Order{}, perr
	}
	return r.o, nil
}

// Capture implements order.Service. The capture is recorded on the order
// before the payment is captured (see runPayment), so that a cancel or a
// refund racing it is refused instead of missing the money it took.
func (s *Service) Capture(ctx context.Context, cmd order.CaptureCommand) (order.Order, error) {
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	check := func(o *order.Order) (bool, error) {
		switch {
		case o.Cancellation.Pending():
			return false, cancelling()
		case paidStatus(*o) || o.Status == order.Refunded:
			return true, nil
		case o.Status != order.Authorized:
			return false, stateErr(*o, "captured")
		}
		return false, nil
	}
	if done, err := check(&o); err != nil || done {
		return o, err
	}
	if err := s.busy(o, order.OpCapture, ""); err != nil {
		return order.Order{}, err
	}
	return s.runPayment(ctx, o.ID, order.PaymentOp{Kind: order.OpCapture, Amount: o.Totals.Total}, check, s.capturePayment, s.applyCapture)
}

func (s *Service) capturePayment(ctx context.Context, o order.Order) (payment.Payment, error) {
	return s.deps.Payment.Capture(ctx, payment.CaptureCommand{PaymentID: o.PaymentID, By: order.Module})
}

func (s *Service) applyCapture(o *order.Order, p payment.Payment) []event.Event {
	o.Status, o.Paid = order.Paid, p.Captured
	events, err := s.events(order.EventPaid, *o)
	if err != nil {
		s.log.Error("order.paid event", "order", o.ID, "err", err)
	}
	return events
}

// Refund implements order.Service. Like a capture, the refund is recorded
// on the order before the payment is refunded.
func (s *Service) Refund(ctx context.Context, cmd order.RefundCommand) (order.Order, error) {
	var v errs.Validator
	v.Check(cmd.Key != "", "key", "is required: send an Idempotency-Key, so that a retry never refunds twice")
	v.Check(len(cmd.Key) <= order.MaxKey, "key", "is at most %d characters", order.MaxKey)
	v.Check(cmd.Amount > 0, "amount", "must be positive")
	if err := v.Err(); err != nil {
		return order.Order{}, err
	}
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	amount := money.Money{Amount: cmd.Amount, Currency: o.Currency}
	check := func(o *order.Order) (bool, error) {
		for _, r := range o.Refunds {
			if r.Key == cmd.Key {
				if r.Amount != amount {
					return false, errs.E(errs.Conflict, order.CodeKeyConflict, "the key was used for a refund of another amount")
				}
				return true, nil
			}
		}
		if !paidStatus(*o) {
			return false, stateErr(*o, "refunded")
		}
		if cmd.Amount > o.Paid.Amount-o.Refunded.Amount {
			return false, errs.E(errs.Conflict, order.CodeRefundExceeds, "at most %s can be refunded", money.Format(o.Paid.Amount-o.Refunded.Amount, o.Currency))
		}
		return false, nil
	}
	if done, err := check(&o); err != nil || done {
		return o, err
	}
	if err := s.busy(o, order.OpRefund, cmd.Key); err != nil {
		return order.Order{}, err
	}
	return s.runPayment(ctx, o.ID, order.PaymentOp{Kind: order.OpRefund, Key: cmd.Key, Amount: amount}, check, s.refundPayment, s.applyRefund)
}

func (s *Service) refundPayment(ctx context.Context, o order.Order) (payment.Payment, error) {
	op := o.PaymentOp
	return s.deps.Payment.Refund(ctx, payment.RefundCommand{PaymentID: o.PaymentID, By: order.Module, Key: o.ID + ":" + op.Key, Amount: op.Amount})
}

func (s *Service) applyRefund(o *order.Order, _ payment.Payment) []event.Event {
	op := o.PaymentOp
	o.Refunds = append(o.Refunds, order.Refund{Key: op.Key, Amount: op.Amount, CreatedAt: s.now()})
	o.Refunded.Amount += op.Amount.Amount
	if o.Refunded.Amount == o.Paid.Amount {
		o.Status = order.Refunded
	}
	events, err := s.events(order.EventRefunded, *o)
	if err != nil {
		s.log.Error("order.refunded event", "order", o.ID, "err", err)
	}
	return events
}
