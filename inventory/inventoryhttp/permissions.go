package inventoryhttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the inventory module's admin operations.
const (
	InventoryRead  auth.Permission = "inventory:read"
	InventoryWrite auth.Permission = "inventory:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: InventoryRead, Description: "read stock, locations, the ledger and reservations", Roles: auth.EveryRole()},
	{Name: InventoryWrite, Description: "set and adjust stock, create locations, reserve, commit and release stock", Roles: []auth.Role{auth.CatalogManager, auth.OrderManager}},
}
