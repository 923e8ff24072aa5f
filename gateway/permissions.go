package gateway

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the gateway's admin operations (its card-testing
// blocks).
const (
	SecurityRead  auth.Permission = "security:read"
	SecurityWrite auth.Permission = "security:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: SecurityRead, Description: "read the card-testing blocks of client addresses", Roles: []auth.Role{auth.Support}},
	{Name: SecurityWrite, Description: "lift the card-testing block of a client address", Roles: []auth.Role{auth.Support}},
}
