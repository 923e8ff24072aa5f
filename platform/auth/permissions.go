package auth

import (
	"maps"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Permission names one action on one kind of admin resource,
// "<resource>:<action>" ("products:write", "orders:refund"). Every admin
// operation needs exactly one (see Routes); a role is a set of them.
type Permission string

// The permissions. A ":read" permission never changes anything, even when
// its operation is a POST (a price quote, a tax preview).
const (
	ProductsRead         Permission = "products:read"
	ProductsWrite        Permission = "products:write"
	CategoriesRead       Permission = "categories:read"
	CategoriesWrite      Permission = "categories:write"
	CollectionsRead      Permission = "collections:read"
	CollectionsWrite     Permission = "collections:write"
	InventoryRead        Permission = "inventory:read"
	InventoryWrite       Permission = "inventory:write"
	PricingRead          Permission = "pricing:read"
	PricingWrite         Permission = "pricing:write"
	TaxRead              Permission = "tax:read"
	TaxWrite             Permission = "tax:write"
	ShippingRead         Permission = "shipping:read"
	ShippingWrite        Permission = "shipping:write"
	CartsRead            Permission = "carts:read"
	CartsWrite           Permission = "carts:write"
	PaymentsRead         Permission = "payments:read"
	PaymentsWrite        Permission = "payments:write"
	PaymentsRefund       Permission = "payments:refund"
	OrdersRead           Permission = "orders:read"
	OrdersWrite          Permission = "orders:write"
	OrdersRefund         Permission = "orders:refund"
	CustomersRead        Permission = "customers:read"
	CustomersWrite       Permission = "customers:write"
	CustomersExport      Permission = "customers:export"
	CustomersErase       Permission = "customers:erase"
	SearchRead           Permission = "search:read"
	SearchWrite          Permission = "search:write"
	RolesRead            Permission = "roles:read"
	RolesWrite           Permission = "roles:write"
	APIKeysRead          Permission = "api_keys:read"
	APIKeysWrite         Permission = "api_keys:write"
	PublishableKeysRead  Permission = "publishable_keys:read"
	PublishableKeysWrite Permission = "publishable_keys:write"
	StaffRead            Permission = "staff:read"
	StaffWrite           Permission = "staff:write"
	SecurityRead         Permission = "security:read"
	SecurityWrite        Permission = "security:write"
	AuditRead            Permission = "audit:read"
)

// Two route declarations are not permissions a role can hold: Public
// routes need no credential (the staff login), Authenticated ones any valid
// credential (the staff logout).
const (
	Public        Permission = "public"
	Authenticated Permission = "authenticated"
)

// descriptions says what each permission allows; its keys are every
// permission there is.
var descriptions = map[Permission]string{
	ProductsRead:         "read products",
	ProductsWrite:        "create, change, import and delete products",
	CategoriesRead:       "read categories",
	CategoriesWrite:      "create, change and delete categories",
	CollectionsRead:      "read collections",
	CollectionsWrite:     "create and delete collections",
	InventoryRead:        "read stock, locations, the ledger and reservations",
	InventoryWrite:       "set and adjust stock, create locations, reserve, commit and release stock",
	PricingRead:          "read price lists and prices, quote prices",
	PricingWrite:         "create, change and delete price lists and their prices",
	TaxRead:              "read tax regions and classes, preview tax calculations",
	TaxWrite:             "create, change and delete tax regions and classes",
	ShippingRead:         "read shipping zones and options",
	ShippingWrite:        "create, change and delete shipping zones and options",
	CartsRead:            "read any cart",
	CartsWrite:           "set a cart's shipping method, complete a cart",
	PaymentsRead:         "read payments, check payment methods",
	PaymentsWrite:        "authorize, capture and void payments",
	PaymentsRefund:       "refund payments",
	OrdersRead:           "read orders",
	OrdersWrite:          "capture and cancel orders, recover checkouts",
	OrdersRefund:         "refund orders",
	CustomersRead:        "read customers",
	CustomersWrite:       "change customers, their addresses and groups; manage customer groups",
	CustomersExport:      "export a customer's personal data (recorded in the audit log)",
	CustomersErase:       "erase a customer's personal data",
	SearchRead:           "read search settings, rules and rebuild progress",
	SearchWrite:          "change search settings and rules, rebuild the index",
	RolesRead:            "read roles",
	RolesWrite:           "create, change and delete custom roles",
	APIKeysRead:          "list admin API keys (never their secrets)",
	APIKeysWrite:         "create and revoke admin API keys",
	PublishableKeysRead:  "list publishable keys",
	PublishableKeysWrite: "create and revoke publishable keys",
	StaffRead:            "read staff accounts",
	StaffWrite:           "create, change and delete staff accounts",
	SecurityRead:         "read the card-testing blocks of client addresses",
	SecurityWrite:        "lift the card-testing block of a client address",
	AuditRead:            "read the audit log (owner only)",
}

// Permissions lists every permission, sorted.
func Permissions() []Permission {
	out := make([]Permission, 0, len(descriptions))
	for p := range descriptions {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Describe says what p allows, or "" for an unknown permission.
func Describe(p Permission) string { return descriptions[p] }

// Known reports whether p is a permission.
func Known(p Permission) bool { _, ok := descriptions[p]; return ok }

// ReadOnly reports whether p only reads (its action is "read"): operations
// that need it change nothing and are not written to the audit log.
func ReadOnly(p Permission) bool { return strings.HasSuffix(string(p), ":read") }

// OwnerOnly reports whether p is held by the owner role alone and cannot
// be granted to another role.
func OwnerOnly(p Permission) bool { return p == AuditRead }

// Role names a set of permissions: a built-in role or a custom one.
type Role string

// The built-in roles.
const (
	Owner          Role = "owner"
	Admin          Role = "admin"
	CatalogManager Role = "catalog_manager"
	OrderManager   Role = "order_manager"
	Support        Role = "support"
	Analyst        Role = "analyst"
)

// Roles lists the built-in roles.
func Roles() []Role { return []Role{Owner, Admin, CatalogManager, OrderManager, Support, Analyst} }

// businessReads are the read permissions of the shop's data, which every
// built-in role holds (security data — roles, keys, staff, the audit log —
// is not among them).
var businessReads = []Permission{
	ProductsRead, CategoriesRead, CollectionsRead, InventoryRead, PricingRead, TaxRead, ShippingRead,
	CartsRead, PaymentsRead, OrdersRead, CustomersRead, SearchRead,
}

// builtin are the permission sets of the built-in roles.
var builtin = map[Role][]Permission{
	Owner: Permissions(),
	Admin: slices.DeleteFunc(Permissions(), OwnerOnly),
	CatalogManager: append(slices.Clone(businessReads),
		ProductsWrite, CategoriesWrite, CollectionsWrite, InventoryWrite, PricingWrite, SearchWrite),
	OrderManager: append(slices.Clone(businessReads),
		OrdersWrite, OrdersRefund, PaymentsWrite, PaymentsRefund, CartsWrite, InventoryWrite),
	Support: append(slices.Clone(businessReads),
		OrdersWrite, CartsWrite, CustomersWrite, CustomersExport, SecurityRead, SecurityWrite),
	Analyst: slices.Clone(businessReads),
}

// BuiltinRoles lists the built-in roles.
func BuiltinRoles() []Role { return Roles() }

// EveryRole lists the built-in roles besides owner and admin, for the
// permissions every built-in role holds (the reads of the shop's data).
func EveryRole() []Role { return []Role{CatalogManager, OrderManager, Support, Analyst} }

// PermissionInfo declares a permission: what it allows and which built-in
// roles hold it, for a module's definition (module.Module.Permissions).
type PermissionInfo struct {
	Name        Permission `json:"name"`
	Description string     `json:"description"`
	// Roles are the built-in roles besides owner and admin that hold it.
	Roles []Role `json:"-"`
	// OwnerOnly marks a permission held by the owner role alone, which
	// cannot be granted to another role.
	OwnerOnly bool `json:"-"`
}

// ValidRole reports whether r is a built-in role.
func ValidRole(r Role) bool { _, ok := builtin[r]; return ok }

// BuiltinPermissions returns the permissions of a built-in role, sorted
// (nil for any other role).
func BuiltinPermissions(r Role) []Permission {
	ps := slices.Clone(builtin[r])
	slices.Sort(ps)
	return ps
}

// Set is a set of permissions.
type Set map[Permission]bool

// NewSet returns the set of ps.
func NewSet(ps ...Permission) Set {
	s := make(Set, len(ps))
	for _, p := range ps {
		s[p] = true
	}
	return s
}

// Has reports whether s holds p.
func (s Set) Has(p Permission) bool { return s[p] }

// Missing returns the permissions of ps that s does not hold, sorted.
func (s Set) Missing(ps []Permission) []Permission {
	var out []Permission
	for _, p := range ps {
		if !s[p] && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// Routes declares the permission every admin operation needs, by the
// route pattern it is served under ("PATCH /admin/products/{id}", as on the
// ServeMux). It is the one place where admin access is decided: the admin
// middleware looks every request up in it, and a test fails when an admin
// operation has no entry.
type Routes map[string]Permission

// Of returns the permission of a route pattern.
func (rs Routes) Of(pattern string) (Permission, bool) {
	p, ok := rs[pattern]
	return p, ok
}

// permissionKey is the key of an operation's Metadata that holds the
// permission the operation needs.
const permissionKey = "agora.permission"

// Require returns op declaring that it needs p. Every admin operation
// declares its permission so, next to its route; RoutesOf collects them
// for the Guard.
func Require(p Permission, op huma.Operation) huma.Operation {
	m := maps.Clone(op.Metadata)
	if m == nil {
		m = map[string]any{}
	}
	m[permissionKey] = p
	op.Metadata = m
	return op
}

// PermissionOf returns the permission op declares (ok false when none).
func PermissionOf(op *huma.Operation) (Permission, bool) {
	p, ok := op.Metadata[permissionKey].(Permission)
	return p, ok
}

// RoutesOf returns the permission of every operation of doc that declares
// one, by route pattern ("POST /admin/products").
func RoutesOf(doc *huma.OpenAPI) Routes {
	out := Routes{}
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{
			"GET": item.Get, "HEAD": item.Head, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete,
		} {
			if op == nil {
				continue
			}
			if p, ok := PermissionOf(op); ok {
				out[method+" "+path] = p
			}
		}
	}
	return out
}
