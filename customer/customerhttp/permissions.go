package customerhttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the customer module's admin operations.
const (
	CustomersRead   auth.Permission = "customers:read"
	CustomersWrite  auth.Permission = "customers:write"
	CustomersExport auth.Permission = "customers:export"
	CustomersErase  auth.Permission = "customers:erase"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: CustomersRead, Description: "read customers", Roles: auth.EveryRole()},
	{Name: CustomersWrite, Description: "change customers, their addresses and groups; manage customer groups", Roles: []auth.Role{auth.Support}},
	{Name: CustomersExport, Description: "export a customer's personal data (recorded in the audit log)", Roles: []auth.Role{auth.Support}},
	{Name: CustomersErase, Description: "erase a customer's personal data"},
}
