package ordersvc

import (
	"context"
	"slices"

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

func cancelling() error {
	return errs.E(errs.Conflict, order.CodeCancelInProgress, "the order is being canceled")
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

// Capture implements order.Service.
func (s *Service) Capture(ctx context.Context, cmd order.CaptureCommand) (order.Order, error) {
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	switch {
	case o.Cancellation.Pending():
		return order.Order{}, cancelling()
	case paidStatus(o) || o.Status == order.Refunded:
		return o, nil
	case o.Status != order.Authorized:
		return order.Order{}, stateErr(o, "captured")
	}
	p, err := s.deps.Payment.Capture(ctx, payment.CaptureCommand{PaymentID: o.PaymentID})
	if err != nil {
		return order.Order{}, err
	}
	return s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
		if o.Status != order.Authorized || o.Cancellation.Pending() {
			return nil, nil
		}
		s.touch(o)
		o.Status, o.Paid = order.Paid, p.Captured
		return s.events(order.EventPaid, *o)
	})
}

// Refund implements order.Service.
func (s *Service) Refund(ctx context.Context, cmd order.RefundCommand) (order.Order, error) {
	if cmd.Key == "" {
		cmd.Key = id.New("ref")
	}
	if len(cmd.Key) > order.MaxKey {
		return order.Order{}, errs.Validation(errs.Field("key", "is at most %d characters", order.MaxKey))
	}
	if cmd.Amount <= 0 {
		return order.Order{}, errs.Validation(errs.Field("amount", "must be positive"))
	}
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	amount := money.Money{Amount: cmd.Amount, Currency: o.Currency}
	check := func(o *order.Order) (bool, error) {
		for _, r := range o.Refunds {
			if r.Key == cmd.Key {
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
	if _, err := s.deps.Payment.Refund(ctx, payment.RefundCommand{PaymentID: o.PaymentID, Key: o.ID + ":" + cmd.Key, Amount: amount}); err != nil {
		return order.Order{}, err
	}
	return s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
		if done, err := check(o); err != nil || done {
			return nil, err
		}
		s.touch(o)
		o.Refunds = append(o.Refunds, order.Refund{Key: cmd.Key, Amount: amount, CreatedAt: s.now()})
		o.Refunded.Amount += cmd.Amount
		if o.Refunded.Amount == o.Paid.Amount {
			o.Status = order.Refunded
		}
		return s.events(order.EventRefunded, *o)
	})
}
