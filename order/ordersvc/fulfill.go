package ordersvc

import (
	"context"
	"fmt"
	"strings"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
)

func validateFulfill(cmd *order.FulfillCommand) error {
	var v errs.Validator
	cmd.TrackingNumber, cmd.Carrier = strings.TrimSpace(cmd.TrackingNumber), strings.TrimSpace(cmd.Carrier)
	v.Check(len(cmd.Key) <= order.MaxKey, "key", "is at most %d characters", order.MaxKey)
	v.Check(len(cmd.TrackingNumber) <= order.MaxTracking, "tracking_number", "is at most %d characters", order.MaxTracking)
	v.Check(len(cmd.Carrier) <= order.MaxCarrier, "carrier", "is at most %d characters", order.MaxCarrier)
	v.Check(len(cmd.Items) <= order.MaxFulfillmentItems, "items", "has at most %d lines", order.MaxFulfillmentItems)
	seen := map[string]bool{}
	for i, it := range cmd.Items {
		f := fmt.Sprintf("items[%d]", i)
		v.Check(it.ItemID != "", f+".item_id", "is required")
		v.Check(!seen[it.ItemID], f+".item_id", "names a line twice")
		v.Check(it.Quantity >= 1 && it.Quantity <= order.MaxQuantity, f+".quantity", "must be 1 to %d", order.MaxQuantity)
		seen[it.ItemID] = true
	}
	return v.Err()
}

// Fulfill implements order.Service. The check of what remains and the
// write happen in one transaction on the order's row, so concurrent
// fulfillments are serialized and never ship a line beyond its quantity;
// on any error nothing is written.
func (s *Service) Fulfill(ctx context.Context, cmd order.FulfillCommand) (order.Order, error) {
	if err := validateFulfill(&cmd); err != nil {
		return order.Order{}, err
	}
	o, err := s.Get(ctx, cmd.OrderID)
	if err != nil {
		return o, err
	}
	return s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
		if cmd.Key != "" {
			for _, f := range o.Fulfillments {
				if f.Key == cmd.Key {
					return nil, nil // a retry: the order as it is
				}
			}
		}
		if o.Status != order.Paid && o.Status != order.PartiallyFulfilled || o.Cancellation.Pending() {
			if o.Status == order.Authorized && !o.Cancellation.Pending() {
				return nil, errs.E(errs.Conflict, order.CodeState, "an order that is authorized cannot be fulfilled: capture its payment first")
			}
			return nil, stateErr(*o, "fulfilled")
		}
		items := cmd.Items
		if len(items) == 0 {
			for _, it := range o.Items {
				if left := it.Quantity - it.Fulfilled; left > 0 {
					items = append(items, order.FulfillmentItem{ItemID: it.ID, Quantity: left})
				}
			}
		}
		var v errs.Validator
		idx := make([]int, len(items))
		for i, fi := range items {
			idx[i] = -1
			for j, it := range o.Items {
				if it.ID == fi.ItemID {
					idx[i] = j
				}
			}
			v.Check(idx[i] >= 0, fmt.Sprintf("items[%d].item_id", i), "is not a line of this order")
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		for i, fi := range items {
			it := o.Items[idx[i]]
			if left := it.Quantity - it.Fulfilled; fi.Quantity > left {
				return nil, errs.E(errs.Conflict, order.CodeFulfillmentExceeds, "line %s (%s) has %d of %d units left to fulfill, not %d",
					it.ID, it.SKU, left, it.Quantity, fi.Quantity)
			}
		}
		for i, fi := range items {
			o.Items[idx[i]].Fulfilled += fi.Quantity
		}
		s.touch(o)
		o.Fulfillments = append(o.Fulfillments, order.Fulfillment{ID: id.New("ful"), Key: cmd.Key, Items: items,
			TrackingNumber: cmd.TrackingNumber, Carrier: cmd.Carrier, CreatedAt: s.now()})
		o.Status = order.Fulfilled
		for _, it := range o.Items {
			if it.Fulfilled < it.Quantity {
				o.Status = order.PartiallyFulfilled
			}
		}
		typ := order.EventFulfilled
		if o.Status == order.PartiallyFulfilled {
			typ = order.EventPartiallyFulfilled
		}
		return s.events(typ, *o)
	})
}
