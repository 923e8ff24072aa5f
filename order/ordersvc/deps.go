package ordersvc

import (
	"context"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/payment"
)

// The narrow views of other modules the order module needs; the local
// services, their fakes and their HTTP clients all satisfy them.

type carts interface {
	Get(ctx context.Context, id string) (cart.Cart, error)
	Hold(ctx context.Context, cmd cart.HoldCommand) (cart.Cart, error)
	Release(ctx context.Context, cmd cart.ReleaseCommand) (cart.Cart, error)
	Complete(ctx context.Context, id string) (cart.Cart, error)
}

type stock interface {
	Reserve(ctx context.Context, cmd inventory.ReserveCommand) (inventory.Reservation, error)
	Commit(ctx context.Context, cmd inventory.CommitCommand) (inventory.Reservation, error)
	Release(ctx context.Context, cmd inventory.ReleaseCommand) (inventory.Reservation, error)
	GetReservation(ctx context.Context, id string) (inventory.Reservation, error)
	Adjust(ctx context.Context, cmd inventory.AdjustCommand) (inventory.Level, error)
	Ledger(ctx context.Context, q inventory.LedgerQuery) (inventory.Page[inventory.LedgerEntry], error)
}

type payments interface {
	CheckMethod(ctx context.Context, q payment.CheckMethodQuery) error
	Authorize(ctx context.Context, cmd payment.AuthorizeCommand) (payment.Payment, error)
	GetByKey(ctx context.Context, key string) (payment.Payment, error)
	Capture(ctx context.Context, cmd payment.CaptureCommand) (payment.Payment, error)
	Void(ctx context.Context, cmd payment.VoidCommand) (payment.Payment, error)
	Refund(ctx context.Context, cmd payment.RefundCommand) (payment.Payment, error)
}

// Deps are the services the order module calls.
type Deps struct {
	Cart      carts
	Inventory stock
	Payment   payments
}

// NewDeps bundles the services the order module calls.
func NewDeps(c carts, i stock, p payments) Deps {
	return Deps{Cart: c, Inventory: i, Payment: p}
}
