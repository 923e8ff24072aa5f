package cataloghttp

import "github.com/agoracommerce/agora/platform/auth"

// The permissions of the catalog module's admin operations.
const (
	ProductsRead     auth.Permission = "products:read"
	ProductsWrite    auth.Permission = "products:write"
	CategoriesRead   auth.Permission = "categories:read"
	CategoriesWrite  auth.Permission = "categories:write"
	CollectionsRead  auth.Permission = "collections:read"
	CollectionsWrite auth.Permission = "collections:write"
)

// Permissions declares them, with the built-in roles besides owner and
// admin that hold each.
var Permissions = []auth.PermissionInfo{
	{Name: ProductsRead, Description: "read products", Roles: auth.EveryRole()},
	{Name: ProductsWrite, Description: "create, change, import and delete products", Roles: []auth.Role{auth.CatalogManager}},
	{Name: CategoriesRead, Description: "read categories", Roles: auth.EveryRole()},
	{Name: CategoriesWrite, Description: "create, change and delete categories", Roles: []auth.Role{auth.CatalogManager}},
	{Name: CollectionsRead, Description: "read collections", Roles: auth.EveryRole()},
	{Name: CollectionsWrite, Description: "create and delete collections", Roles: []auth.Role{auth.CatalogManager}},
}
