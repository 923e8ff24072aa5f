package shippinghttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the shipping module's admin operations.
const (
	ShippingRead  auth.Permission = "shipping:read"
	ShippingWrite auth.Permission = "shipping:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: ShippingRead, Description: "read shipping zones and options", Roles: auth.EveryRole()},
	{Name: ShippingWrite, Description: "create, change and delete shipping zones and options"},
}
