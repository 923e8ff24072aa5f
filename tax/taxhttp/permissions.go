package taxhttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the tax module's admin operations.
const (
	TaxRead  auth.Permission = "tax:read"
	TaxWrite auth.Permission = "tax:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: TaxRead, Description: "read tax regions and classes, preview tax calculations", Roles: auth.EveryRole()},
	{Name: TaxWrite, Description: "create, change and delete tax regions and classes"},
}
