package pricinghttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the pricing module's admin operations.
const (
	PricingRead  auth.Permission = "pricing:read"
	PricingWrite auth.Permission = "pricing:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: PricingRead, Description: "read price lists and prices, quote prices", Roles: auth.EveryRole()},
	{Name: PricingWrite, Description: "create, change and delete price lists and their prices", Roles: []auth.Role{auth.CatalogManager}},
}
