package ordersvc

import (
	"context"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/platform/event"
)

// CustomerConsumer is the durable name of the order module's consumer of
// customer events.
const CustomerConsumer = "order_customer"

// HandleCustomerEvent anonymizes the orders of an erased customer: the
// email and the parts of the shipping address that name a person or a
// place are removed; items, amounts, country and subdivision stay for
// accounting and tax. Erasing is idempotent, so a redelivered event
// changes nothing more.
func (s *Service) HandleCustomerEvent(ctx context.Context, e event.Event) error {
	if e.Type != customer.EventErased || e.Subject == "" {
		return nil
	}
	before := ""
	for {
		list, err := s.store.ListOrders(ctx, "", e.Subject, before, 100)
		if err != nil {
			return err
		}
		for _, o := range list {
			if o.Email == "" && o.ShippingAddress.Name == "" && o.ShippingAddress.Line1 == "" {
				continue
			}
			if _, err := s.store.UpdateOrder(ctx, o.ID, func(o *order.Order) ([]event.Event, error) {
				o.Email = ""
				o.ShippingAddress = cart.Address{Country: o.ShippingAddress.Country, Subdivision: o.ShippingAddress.Subdivision}
				o.Version++
				o.UpdatedAt = s.now()
				return nil, nil
			}); err != nil {
				return err
			}
		}
		if len(list) < 100 {
			return nil
		}
		before = list[len(list)-1].ID
	}
}
