package app

import (
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
)

// adminRoutes is the one place where admin access is decided: the
// permission every admin operation needs, by its route pattern. The admin
// guard enforces it on every request (403 forbidden when the caller's role
// lacks the permission), and TestEveryAdminRouteDeclaresAPermission fails
// when an admin operation of the OpenAPI document has no entry here, or
// an entry names no operation. A route missing from the table is open to
// the owner role only.
var adminRoutes = auth.Routes{
	// catalog
	"POST /admin/products":           auth.ProductsWrite,
	"POST /admin/products/import":    auth.ProductsWrite,
	"GET /admin/products":            auth.ProductsRead,
	"GET /admin/products/{id}":       auth.ProductsRead,
	"PATCH /admin/products/{id}":     auth.ProductsWrite,
	"DELETE /admin/products/{id}":    auth.ProductsWrite,
	"POST /admin/categories":         auth.CategoriesWrite,
	"GET /admin/categories":          auth.CategoriesRead,
	"GET /admin/categories/{id}":     auth.CategoriesRead,
	"PATCH /admin/categories/{id}":   auth.CategoriesWrite,
	"DELETE /admin/categories/{id}":  auth.CategoriesWrite,
	"POST /admin/collections":        auth.CollectionsWrite,
	"GET /admin/collections":         auth.CollectionsRead,
	"GET /admin/collections/{id}":    auth.CollectionsRead,
	"DELETE /admin/collections/{id}": auth.CollectionsWrite,

	// pricing
	"POST /admin/price-lists":            auth.PricingWrite,
	"GET /admin/price-lists":             auth.PricingRead,
	"GET /admin/price-lists/{id}":        auth.PricingRead,
	"PATCH /admin/price-lists/{id}":      auth.PricingWrite,
	"DELETE /admin/price-lists/{id}":     auth.PricingWrite,
	"PUT /admin/price-lists/{id}/prices": auth.PricingWrite,
	"GET /admin/price-lists/{id}/prices": auth.PricingRead,
	"POST /admin/pricing/quote":          auth.PricingRead,

	// inventory
	"GET /admin/inventory/locations":                  auth.InventoryRead,
	"POST /admin/inventory/locations":                 auth.InventoryWrite,
	"GET /admin/inventory/reconcile":                  auth.InventoryRead,
	"GET /admin/inventory/{sku}":                      auth.InventoryRead,
	"PUT /admin/inventory/{sku}":                      auth.InventoryWrite,
	"PATCH /admin/inventory/{sku}":                    auth.InventoryWrite,
	"POST /admin/inventory/{sku}/adjustments":         auth.InventoryWrite,
	"GET /admin/inventory/ledger/{sku}":               auth.InventoryRead,
	"POST /admin/inventory/reservations":              auth.InventoryWrite,
	"POST /admin/inventory/reservations/expire":       auth.InventoryWrite,
	"GET /admin/inventory/reservations/{id}":          auth.InventoryRead,
	"POST /admin/inventory/reservations/{id}/commit":  auth.InventoryWrite,
	"POST /admin/inventory/reservations/{id}/release": auth.InventoryWrite,

	// tax
	"POST /admin/tax/regions":          auth.TaxWrite,
	"GET /admin/tax/regions":           auth.TaxRead,
	"GET /admin/tax/regions/{id}":      auth.TaxRead,
	"PATCH /admin/tax/regions/{id}":    auth.TaxWrite,
	"DELETE /admin/tax/regions/{id}":   auth.TaxWrite,
	"GET /admin/tax/classes":           auth.TaxRead,
	"POST /admin/tax/classes":          auth.TaxWrite,
	"DELETE /admin/tax/classes/{code}": auth.TaxWrite,
	"POST /admin/tax/calculate":        auth.TaxRead,

	// shipping
	"POST /admin/shipping/zones":          auth.ShippingWrite,
	"GET /admin/shipping/zones":           auth.ShippingRead,
	"GET /admin/shipping/zones/{id}":      auth.ShippingRead,
	"PATCH /admin/shipping/zones/{id}":    auth.ShippingWrite,
	"DELETE /admin/shipping/zones/{id}":   auth.ShippingWrite,
	"POST /admin/shipping/options":        auth.ShippingWrite,
	"GET /admin/shipping/options":         auth.ShippingRead,
	"GET /admin/shipping/options/{id}":    auth.ShippingRead,
	"PATCH /admin/shipping/options/{id}":  auth.ShippingWrite,
	"DELETE /admin/shipping/options/{id}": auth.ShippingWrite,

	// customer
	"GET /admin/customers":                                auth.CustomersRead,
	"GET /admin/customers/{id}":                           auth.CustomersRead,
	"PATCH /admin/customers/{id}":                         auth.CustomersWrite,
	"POST /admin/customers/{id}/addresses":                auth.CustomersWrite,
	"PUT /admin/customers/{id}/addresses/{address_id}":    auth.CustomersWrite,
	"DELETE /admin/customers/{id}/addresses/{address_id}": auth.CustomersWrite,
	"PUT /admin/customers/{id}/groups":                    auth.CustomersWrite,
	"POST /admin/customers/{id}/export":                   auth.CustomersExport,
	"POST /admin/customers/{id}/erase":                    auth.CustomersErase,
	"GET /admin/customer-groups":                          auth.CustomersRead,
	"POST /admin/customer-groups":                         auth.CustomersWrite,
	"DELETE /admin/customer-groups/{code}":                auth.CustomersWrite,

	// cart
	"GET /admin/carts/{id}":                  auth.CartsRead,
	"POST /admin/carts/{id}/shipping-method": auth.CartsWrite,
	"POST /admin/carts/{id}/complete":        auth.CartsWrite,
	"POST /admin/carts/{id}/hold":            auth.CartsWrite,
	"POST /admin/carts/{id}/release":         auth.CartsWrite,

	// payment
	"POST /admin/payments/check-method": auth.PaymentsRead,
	"POST /admin/payments":              auth.PaymentsWrite,
	"GET /admin/payments/{id}":          auth.PaymentsRead,
	"GET /admin/payments/by-key/{key}":  auth.PaymentsRead,
	"POST /admin/payments/{id}/capture": auth.PaymentsWrite,
	"POST /admin/payments/{id}/void":    auth.PaymentsWrite,
	"POST /admin/payments/{id}/refunds": auth.PaymentsRefund,

	// order
	"GET /admin/orders":                    auth.OrdersRead,
	"GET /admin/orders/{id}":               auth.OrdersRead,
	"POST /admin/orders/{id}/capture":      auth.OrdersWrite,
	"POST /admin/orders/{id}/cancel":       auth.OrdersWrite,
	"POST /admin/orders/{id}/fulfillments": auth.OrdersWrite,
	"POST /admin/orders/{id}/refunds":      auth.OrdersRefund,
	"POST /admin/orders/checkouts/recover": auth.OrdersWrite,

	// search
	"GET /admin/search/settings/{locale}": auth.SearchRead,
	"PUT /admin/search/settings/{locale}": auth.SearchWrite,
	"GET /admin/search/rules":             auth.SearchRead,
	"PUT /admin/search/rules":             auth.SearchWrite,
	"DELETE /admin/search/rules/{id}":     auth.SearchWrite,
	"POST /admin/search/reindex":          auth.SearchWrite,
	"GET /admin/search/reindex":           auth.SearchRead,

	// access: roles, API keys, publishable keys
	"GET /admin/permissions":              auth.RolesRead,
	"GET /admin/roles":                    auth.RolesRead,
	"POST /admin/roles":                   auth.RolesWrite,
	"GET /admin/roles/{name}":             auth.RolesRead,
	"PATCH /admin/roles/{name}":           auth.RolesWrite,
	"DELETE /admin/roles/{name}":          auth.RolesWrite,
	"GET /admin/api-keys":                 auth.APIKeysRead,
	"POST /admin/api-keys":                auth.APIKeysWrite,
	"GET /admin/api-keys/{id}":            auth.APIKeysRead,
	"DELETE /admin/api-keys/{id}":         auth.APIKeysWrite,
	"GET /admin/publishable-keys":         auth.PublishableKeysRead,
	"POST /admin/publishable-keys":        auth.PublishableKeysWrite,
	"GET /admin/publishable-keys/{id}":    auth.PublishableKeysRead,
	"DELETE /admin/publishable-keys/{id}": auth.PublishableKeysWrite,

	// staff accounts and their sessions
	"GET /admin/staff":               auth.StaffRead,
	"POST /admin/staff":              auth.StaffWrite,
	"GET /admin/staff/{id}":          auth.StaffRead,
	"PATCH /admin/staff/{id}":        auth.StaffWrite,
	"DELETE /admin/staff/{id}":       auth.StaffWrite,
	"POST /admin/sessions":           auth.Public,
	"DELETE /admin/sessions/current": auth.Authenticated,

	// card-testing blocks
	"GET /admin/security/blocks/{address}":    auth.SecurityRead,
	"DELETE /admin/security/blocks/{address}": auth.SecurityWrite,

	// audit log (owner only)
	"GET /admin/audit-log":      auth.AuditRead,
	"GET /admin/audit-log/{id}": auth.AuditRead,
}

// documentAccess completes the OpenAPI document with what the guard does
// outside the operations: every store operation takes X-Publishable-Key and
// may answer 401 for an unknown or revoked one.
func documentAccess(doc *huma.OpenAPI) {
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/store/") {
			continue
		}
		for _, op := range []*huma.Operation{item.Get, item.Head, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			if !slices.ContainsFunc(op.Parameters, func(p *huma.Param) bool { return strings.EqualFold(p.Name, auth.PublishableKeyHeader) }) {
				op.Parameters = append(op.Parameters, &huma.Param{
					Name: auth.PublishableKeyHeader, In: "header",
					Description: "Publishable key (pk_…) selecting a sales channel; without it, the default channel.",
					Schema:      &huma.Schema{Type: "string", MaxLength: ptr(100)},
				})
			}
			if op.Responses == nil || op.Responses["401"] != nil {
				continue
			}
			for _, code := range []string{"400", "404", "default"} {
				if r := op.Responses[code]; r != nil && r.Content != nil {
					op.Responses["401"] = &huma.Response{Description: "Unauthorized: an unknown or revoked publishable key", Content: r.Content}
					break
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
