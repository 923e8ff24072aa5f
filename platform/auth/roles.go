package auth

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// RoleInfo is a role as the admin API shows it.
type RoleInfo struct {
	Name        Role         `json:"name" doc:"Role name; built-in roles are owner, admin, catalog_manager, order_manager, support and analyst"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions" doc:"The permissions the role grants, sorted"`
	BuiltIn     bool         `json:"built_in" doc:"Built-in roles cannot be changed or deleted"`
	Version     int64        `json:"version" doc:"Version of a custom role, for optimistic concurrency (0 for built-in roles)"`
	CreatedAt   *time.Time   `json:"created_at,omitempty"`
	UpdatedAt   *time.Time   `json:"updated_at,omitempty"`
}

// Page is one page of a list, with the cursor of the next page (null on
// the last page).
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

var builtinDescriptions = map[Role]string{
	Owner:          "Everything, including the audit log.",
	Admin:          "Everything except the audit log.",
	CatalogManager: "Reads the shop's data; changes products, categories, collections, stock, prices and search.",
	OrderManager:   "Reads the shop's data; handles orders, payments, refunds, carts and stock.",
	Support:        "Reads the shop's data; captures and cancels orders, changes carts and customers, exports a customer's data; no refunds, no erasure.",
	Analyst:        "Reads the shop's data; changes nothing.",
}

func builtinInfo(r Role) RoleInfo {
	return RoleInfo{Name: r, Description: builtinDescriptions[r], Permissions: BuiltinPermissions(r), BuiltIn: true}
}

// CreateRoleCommand creates a custom role.
type CreateRoleCommand struct {
	Name        Role         `json:"name" minLength:"2" maxLength:"40" pattern:"^[a-z][a-z0-9_]*$" doc:"Lower-case letters, digits and underscores"`
	Description string       `json:"description,omitempty" maxLength:"500"`
	Permissions []Permission `json:"permissions" minItems:"1" maxItems:"100"`
	// By is the caller, who must hold every permission granted; nil for
	// the operator.
	By *Principal `json:"-"`
}

// UpdateRoleCommand changes a custom role: the fields that are present.
type UpdateRoleCommand struct {
	Name        Role          `json:"-"`
	Description *string       `json:"description,omitempty" maxLength:"500"`
	Permissions *[]Permission `json:"permissions,omitempty" minItems:"1" maxItems:"100"`
	Version     int64         `json:"version,omitempty" minimum:"0" doc:"When set, a role changed since is 409 version_conflict"`
	By          *Principal    `json:"-"`
}

// RoleQuery lists roles by name, built-in and custom together.
type RoleQuery struct {
	Limit  int
	Cursor string
}

var roleName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// checkPermissions validates a permission list and returns it sorted and
// without duplicates.
func checkPermissions(v *errs.Validator, field string, ps []Permission) []Permission {
	out := make([]Permission, 0, len(ps))
	for i, p := range ps {
		switch {
		case !Known(p):
			v.Add(field+"["+strconv.Itoa(i)+"]", "is not a permission (GET /admin/permissions lists them)")
		case OwnerOnly(p):
			v.Add(field+"["+strconv.Itoa(i)+"]", "is held by the owner role only and cannot be granted")
		case !slices.Contains(out, p):
			out = append(out, p)
		}
	}
	if len(ps) == 0 {
		v.Add(field, "must name at least one permission")
	}
	slices.Sort(out)
	return out
}

// mayGrant is Forbidden when by lacks one of ps.
func mayGrant(by *Principal, what string, ps []Permission) error {
	if by == nil {
		return nil
	}
	if missing := by.Permissions.Missing(ps); len(missing) > 0 {
		return errs.E(errs.Forbidden, "forbidden", "%s needs permissions your role %s does not hold: %s", what, by.Role, joinPerms(missing))
	}
	return nil
}

func joinPerms(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// CreateRole stores a custom role. Errors: Invalid (name, permissions),
// Conflict role_exists (a built-in or existing name), Forbidden (the caller
// lacks a permission it grants).
func (k *Keys) CreateRole(ctx context.Context, cmd CreateRoleCommand) (RoleInfo, error) {
	v := &errs.Validator{}
	v.Check(roleName.MatchString(string(cmd.Name)), "name", "must be 2 to 40 lower-case letters, digits and underscores, starting with a letter")
	v.Check(len(cmd.Description) <= 500, "description", "is longer than 500 characters")
	perms := checkPermissions(v, "permissions", cmd.Permissions)
	if err := v.Err(); err != nil {
		return RoleInfo{}, err
	}
	if ValidRole(cmd.Name) {
		return RoleInfo{}, errs.E(errs.Conflict, "role_exists", "%s is a built-in role", cmd.Name)
	}
	if err := mayGrant(cmd.By, "this role", perms); err != nil {
		return RoleInfo{}, err
	}
	now := k.now().UTC()
	doc, _ := json.Marshal(perms)
	_, err := k.db.ExecContext(ctx, `INSERT INTO platform_roles (name, description, permissions, version, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)`,
		string(cmd.Name), cmd.Description, string(doc), now, now)
	if sqldb.IsUnique(err) {
		return RoleInfo{}, errs.E(errs.Conflict, "role_exists", "a role named %s exists", cmd.Name)
	}
	if err != nil {
		return RoleInfo{}, err
	}
	return RoleInfo{Name: cmd.Name, Description: cmd.Description, Permissions: perms, Version: 1, CreatedAt: &now, UpdatedAt: &now}, nil
}

// RoleExists reports whether r is a built-in role or a stored custom role.
func (k *Keys) RoleExists(ctx context.Context, r Role) (bool, error) {
	if ValidRole(r) {
		return true, nil
	}
	_, err := k.GetRole(ctx, r)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getRole(ctx context.Context, q querier, r Role) (RoleInfo, error) {
	if ValidRole(r) {
		return builtinInfo(r), nil
	}
	var ri RoleInfo
	var doc string
	var created, updated time.Time
	err := q.QueryRowContext(ctx, `SELECT name, description, permissions, version, created_at, updated_at FROM platform_roles WHERE name = ?`, string(r)).
		Scan(&ri.Name, &ri.Description, &doc, &ri.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return RoleInfo{}, errs.E(errs.NotFound, "not_found", "role %s not found", r)
	}
	if err != nil {
		return RoleInfo{}, err
	}
	if err := json.Unmarshal([]byte(doc), &ri.Permissions); err != nil {
		return RoleInfo{}, err
	}
	created, updated = created.UTC(), updated.UTC()
	ri.CreatedAt, ri.UpdatedAt = &created, &updated
	return ri, nil
}

// GetRole reads a built-in or custom role; NotFound when there is none.
func (k *Keys) GetRole(ctx context.Context, r Role) (RoleInfo, error) {
	return getRole(ctx, k.db.Primary(), r)
}

// ListRoles lists built-in and custom roles together, by name.
func (k *Keys) ListRoles(ctx context.Context, q RoleQuery) (Page[RoleInfo], error) {
	after := ""
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || !roleName.Match(b) {
			return Page[RoleInfo]{}, errs.Validation(errs.Field("cursor", "is not a cursor of this list"))
		}
		after = string(b)
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var all []RoleInfo
	for _, r := range Roles() {
		if string(r) > after {
			all = append(all, builtinInfo(r))
		}
	}
	rows, err := k.db.Primary().QueryContext(ctx, `SELECT name FROM platform_roles WHERE name > ? ORDER BY name LIMIT ?`, after, limit+1)
	if err != nil {
		return Page[RoleInfo]{}, err
	}
	var names []Role
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return Page[RoleInfo]{}, err
		}
		names = append(names, Role(n))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page[RoleInfo]{}, err
	}
	for _, n := range names {
		ri, err := k.GetRole(ctx, n)
		if errs.Is(err, errs.NotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return Page[RoleInfo]{}, err
		}
		all = append(all, ri)
	}
	slices.SortFunc(all, func(a, b RoleInfo) int { return strings.Compare(string(a.Name), string(b.Name)) })
	page := Page[RoleInfo]{Data: all}
	if len(all) > limit {
		page.Data = all[:limit]
		c := base64.RawURLEncoding.EncodeToString([]byte(page.Data[limit-1].Name))
		page.NextCursor = &c
	}
	if page.Data == nil {
		page.Data = []RoleInfo{}
	}
	return page, nil
}

func errBuiltIn(r Role) error {
	return errs.E(errs.Conflict, "built_in_role", "%s is a built-in role; built-in roles cannot be changed or deleted", r)
}

// UpdateRole changes a custom role; keys with the role have the new
// permissions from their next request. Errors: NotFound, Conflict
// built_in_role or version_conflict, Invalid, Forbidden (the caller lacks
// a permission the role has or will have).
func (k *Keys) UpdateRole(ctx context.Context, cmd UpdateRoleCommand) (RoleInfo, error) {
	if ValidRole(cmd.Name) {
		return RoleInfo{}, errBuiltIn(cmd.Name)
	}
	v := &errs.Validator{}
	var perms []Permission
	if cmd.Permissions != nil {
		perms = checkPermissions(v, "permissions", *cmd.Permissions)
	}
	if cmd.Description != nil {
		v.Check(len(*cmd.Description) <= 500, "description", "is longer than 500 characters")
	}
	if err := v.Err(); err != nil {
		return RoleInfo{}, err
	}
	var out RoleInfo
	err := k.db.Tx(ctx, func(tx *sqldb.Tx) error {
		ri, err := getRole(ctx, tx, cmd.Name)
		if err != nil {
			return err
		}
		if cmd.Version != 0 && cmd.Version != ri.Version {
			return errs.E(errs.Conflict, "version_conflict", "the role is at version %d, not %d", ri.Version, cmd.Version)
		}
		if err := mayGrant(cmd.By, "changing this role", append(slices.Clone(ri.Permissions), perms...)); err != nil {
			return err
		}
		if cmd.Description != nil {
			ri.Description = *cmd.Description
		}
		if cmd.Permissions != nil {
			ri.Permissions = perms
		}
		now := k.now().UTC()
		doc, _ := json.Marshal(ri.Permissions)
		res, err := tx.ExecContext(ctx, `UPDATE platform_roles SET description = ?, permissions = ?, version = ?, updated_at = ? WHERE name = ? AND version = ?`,
			ri.Description, string(doc), ri.Version+1, now, string(cmd.Name), ri.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "version_conflict", "the role changed meanwhile; read it again")
		}
		ri.Version++
		ri.UpdatedAt = &now
		out = ri
		return nil
	})
	return out, err
}

// DeleteRole deletes a custom role. Errors: NotFound, Conflict
// built_in_role, Conflict role_in_use (live keys or enabled staff accounts
// have it), Forbidden
// (the caller lacks one of its permissions).
func (k *Keys) DeleteRole(ctx context.Context, r Role, by *Principal) error {
	if ValidRole(r) {
		return errBuiltIn(r)
	}
	return k.db.Tx(ctx, func(tx *sqldb.Tx) error {
		ri, err := getRole(ctx, tx, r)
		if err != nil {
			return err
		}
		if err := mayGrant(by, "deleting this role", ri.Permissions); err != nil {
			return err
		}
		var keys, staff int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE role = ? AND revoked_at IS NULL`, string(r)).Scan(&keys); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_staff WHERE role = ? AND disabled_at IS NULL`, string(r)).Scan(&staff); err != nil {
			return err
		}
		if keys+staff > 0 {
			return errs.E(errs.Conflict, "role_in_use", "%d live API keys and %d enabled staff accounts have the role %s; revoke or change them first", keys, staff, r)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM platform_roles WHERE name = ?`, string(r))
		return err
	})
}

// rolePermissions returns the permissions of a built-in or stored role,
// NotFound when it does not exist.
func rolePermissions(ctx context.Context, q querier, r Role) ([]Permission, error) {
	ri, err := getRole(ctx, q, r)
	if err != nil {
		return nil, err
	}
	return ri.Permissions, nil
}
