package searchhttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the search module's admin operations.
const (
	SearchRead  auth.Permission = "search:read"
	SearchWrite auth.Permission = "search:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: SearchRead, Description: "read search settings, rules and rebuild progress", Roles: auth.EveryRole()},
	{Name: SearchWrite, Description: "change search settings and rules, rebuild the index", Roles: []auth.Role{auth.CatalogManager}},
}
