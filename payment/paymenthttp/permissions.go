package paymenthttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the payment module's admin operations.
const (
	PaymentsRead   auth.Permission = "payments:read"
	PaymentsWrite  auth.Permission = "payments:write"
	PaymentsRefund auth.Permission = "payments:refund"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: PaymentsRead, Description: "read payments, check payment methods", Roles: auth.EveryRole()},
	{Name: PaymentsWrite, Description: "authorize, capture and void payments", Roles: []auth.Role{auth.OrderManager}},
	{Name: PaymentsRefund, Description: "refund payments", Roles: []auth.Role{auth.OrderManager}},
}
