package orderhttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the order module's admin operations.
const (
	OrdersRead   auth.Permission = "orders:read"
	OrdersWrite  auth.Permission = "orders:write"
	OrdersRefund auth.Permission = "orders:refund"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: OrdersRead, Description: "read orders", Roles: auth.EveryRole()},
	{Name: OrdersWrite, Description: "capture and cancel orders, recover checkouts", Roles: []auth.Role{auth.OrderManager, auth.Support}},
	{Name: OrdersRefund, Description: "refund orders", Roles: []auth.Role{auth.OrderManager}},
}
