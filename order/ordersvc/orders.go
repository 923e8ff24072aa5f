package ordersvc

import (
	"context"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment"
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
	if !id.Valid("ord", q.ID) || q.AccessToken == "" {
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
	switch q.Status {
	case "", order.Pending, order.Authorized, order.Paid, order.Canceled, order.Refunded:
	default:
		v.Add("status", "must be one of pending, authorized, paid, canceled, refunded")
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
	list, err := s.store.ListOrders(ctx, q.Status, before, limit+1)
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
	return errs.E(errs.Conflict, order.CodeState, "an order that is %s cannot be %s", o.Status, op)
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
	switch o.Status {
	case order.Paid, order.Refunded:
		return o, nil
	case order.Authorized:
	default:
		return order.Order{}, stateErr(o, "captured")
	}
	p, err := s.deps.Payment.Capture(ctx, payment.CaptureCommand{PaymentID: o.PaymentID})
	if err != nil {
		return order.Order{}, err
	}
	return s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
		if o.Status != order.Authorized {
			return nil, nil
		}
		s.touch(o)
		o.Status, o.Paid = order.Paid, p.Captured
		return s.events(order.EventPaid, *o)
	})
}

// Cancel implements order.Service. The payment is voided, or refunded in
// what remains when it was captured; then the order is canceled and its
// committed units are put back on hand at the locations they came from.
func (s *Service) Cancel(ctx context.Context, cmd order.CancelCommand) (order.Order, error) {
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	switch o.Status {
	case order.Canceled:
		return o, nil
	case order.Authorized:
		if _, err := s.deps.Payment.Void(ctx, payment.VoidCommand{PaymentID: o.PaymentID}); err != nil {
			return order.Order{}, err
		}
	case order.Paid:
		if left := o.Paid.Amount - o.Refunded.Amount; left > 0 {
			if _, err := s.deps.Payment.Refund(ctx, payment.RefundCommand{PaymentID: o.PaymentID, Key: "cancel:" + o.ID,
				Amount: money.Money{Amount: left, Currency: o.Currency}}); err != nil {
				return order.Order{}, err
			}
		}
	default:
		return order.Order{}, stateErr(o, "canceled")
	}
	first := false
	out, err := s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
		if o.Status == order.Canceled {
			return nil, nil
		}
		first = true
		s.touch(o)
		if o.Status == order.Paid {
			o.Refunds = append(o.Refunds, order.Refund{Key: "cancel:" + o.ID, Amount: money.Money{Amount: o.Paid.Amount - o.Refunded.Amount, Currency: o.Currency}, CreatedAt: s.now()})
			o.Refunded = o.Paid
		}
		now := s.now()
		o.Status, o.CanceledAt = order.Canceled, &now
		return s.events(order.EventCanceled, *o)
	})
	if err != nil || !first {
		return out, err
	}
	s.restock(ctx, out)
	return out, nil
}

// restock puts an order's committed units back on hand.
func (s *Service) restock(ctx context.Context, o order.Order) {
	if o.ReservationID == "" {
		return
	}
	res, err := s.deps.Inventory.GetReservation(ctx, o.ReservationID)
	if err != nil {
		s.log.Error("canceled order: reading its reservation failed; stock not returned", "order", o.ID, "err", err)
		return
	}
	if res.State != inventory.Committed {
		if _, err := s.deps.Inventory.Release(ctx, inventory.ReleaseCommand{ReservationID: res.ID}); err != nil {
			s.log.Error("canceled order: releasing its reservation failed", "order", o.ID, "err", err)
		}
		return
	}
	for _, a := range res.Allocations {
		if !a.Held || a.Quantity == 0 {
			continue
		}
		if _, err := s.deps.Inventory.Adjust(ctx, inventory.AdjustCommand{SKU: a.SKU, LocationID: a.LocationID, Delta: a.Quantity,
			Reason: "order_canceled", Reference: o.ID}); err != nil {
			s.log.Error("canceled order: returning stock failed", "order", o.ID, "sku", a.SKU, "err", err)
		}
	}
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
		if o.Status != order.Paid {
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
