package auth

import (
	"maps"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Permission names one action on one kind of admin resource,
// "<resource>:<action>" ("products:write", "orders:refund"). Every admin
// operation needs exactly one (see Routes); a role is a set of them. A
// ":read" permission never changes anything, even when its operation is a
// POST (a price quote, a tax preview).
type Permission string

// Two route declarations are not permissions a role can hold: Public
// routes need no credential (the staff login), Authenticated ones any valid
// credential (the staff logout).
const (
	Public        Permission = "public"
	Authenticated Permission = "authenticated"
)

// ReadOnly reports whether p only reads (its action is "read"): operations
// that need it change nothing and are not written to the audit log.
func ReadOnly(p Permission) bool { return strings.HasSuffix(string(p), ":read") }

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

// BuiltinRoles lists the built-in roles. Owner holds every permission;
// admin every one but those declared owner-only; the others what the
// declarations of the permissions give them (PermissionInfo.Roles).
func BuiltinRoles() []Role {
	return []Role{Owner, Admin, CatalogManager, OrderManager, Support, Analyst}
}

// EveryRole lists the built-in roles besides owner and admin, for the
// permissions every built-in role holds (the reads of the shop's data).
func EveryRole() []Role { return []Role{CatalogManager, OrderManager, Support, Analyst} }

// PermissionInfo declares a permission: what it allows and which built-in
// roles hold it. Every module declares the permissions of its operations
// in its definition (module.Module.Permissions); the access module builds
// the built-in roles and the set of known permissions from them.
type PermissionInfo struct {
	Name        Permission
	Description string
	// Roles are the built-in roles besides owner and admin that hold it.
	Roles []Role
	// OwnerOnly marks a permission held by the owner role alone, which
	// cannot be granted to another role.
	OwnerOnly bool
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
