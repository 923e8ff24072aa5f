package cartsvc

import (
	"context"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/tax"
)

// The narrow views of other modules the cart needs; the local services,
// their fakes and their HTTP clients all satisfy them.

type pricer interface {
	Quote(ctx context.Context, q pricing.QuoteQuery) (pricing.Quote, error)
}

type products interface {
	GetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error)
	StoreProduct(ctx context.Context, q catalog.StoreProductQuery) (catalog.StoreProduct, error)
	ListProducts(ctx context.Context, q catalog.ListProductsQuery) (catalog.Page[catalog.Product], error)
}

type stock interface {
	// Availability is advisory (see inventory.Service): checkout's
	// reservation is what holds the units.
	Availability(ctx context.Context, sku string) (inventory.Stock, error)
}

// customers tells the groups of a cart's customer (price lists can target
// them).
type customers interface {
	Get(ctx context.Context, id string) (customer.Customer, error)
}

type taxer interface {
	Calculate(ctx context.Context, q tax.CalculateQuery) (tax.Calculation, error)
}

// Deps are the services the cart calls.
type Deps struct {
	Pricing   pricer
	Catalog   products
	Inventory stock
	Tax       taxer
	// Customers (optional) gives the groups of a customer's cart when the
	// caller is not that customer's own store request.
	Customers customers
}

// NewDeps bundles the services the cart calls.
func NewDeps(p pricer, c products, i stock, t taxer) Deps {
	return Deps{Pricing: p, Catalog: c, Inventory: i, Tax: t}
}
