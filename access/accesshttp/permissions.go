package accesshttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the module's operations.
const (
	RolesRead            auth.Permission = "roles:read"
	RolesWrite           auth.Permission = "roles:write"
	APIKeysRead          auth.Permission = "api_keys:read"
	APIKeysWrite         auth.Permission = "api_keys:write"
	PublishableKeysRead  auth.Permission = "publishable_keys:read"
	PublishableKeysWrite auth.Permission = "publishable_keys:write"
	StaffRead            auth.Permission = "staff:read"
	StaffWrite           auth.Permission = "staff:write"
	AuditRead            auth.Permission = "audit:read"
)

// Permissions declares them. Security data (roles, keys, staff, the audit
// log) belongs to the owner and admin roles only; the audit log to the
// owner alone.
var Permissions = []auth.PermissionInfo{
	{Name: RolesRead, Description: "read roles"},
	{Name: RolesWrite, Description: "create, change and delete custom roles"},
	{Name: APIKeysRead, Description: "list admin API keys (never their secrets)"},
	{Name: APIKeysWrite, Description: "create and revoke admin API keys"},
	{Name: PublishableKeysRead, Description: "list publishable keys"},
	{Name: PublishableKeysWrite, Description: "create and revoke publishable keys"},
	{Name: StaffRead, Description: "read staff accounts"},
	{Name: StaffWrite, Description: "create, change and delete staff accounts"},
	{Name: AuditRead, Description: "read the audit log (owner only)", OwnerOnly: true},
}
