package carthttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the cart module's admin operations.
const (
	CartsRead  auth.Permission = "carts:read"
	CartsWrite auth.Permission = "carts:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: CartsRead, Description: "read any cart", Roles: auth.EveryRole()},
	{Name: CartsWrite, Description: "set a cart's shipping method, complete a cart", Roles: []auth.Role{auth.OrderManager, auth.Support}},
}
