package accesssvc

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
)

var builtinDescriptions = map[auth.Role]string{
	auth.Owner:          "Everything, including the audit log.",
	auth.Admin:          "Everything except the audit log.",
	auth.CatalogManager: "Reads the shop's data; changes products, categories, collections, stock, prices and search.",
	auth.OrderManager:   "Reads the shop's data; handles orders, payments, refunds, carts and stock.",
	auth.Support:        "Reads the shop's data; captures and cancels orders, changes carts and customers, exports a customer's data; no refunds, no erasure.",
	auth.Analyst:        "Reads the shop's data; changes nothing.",
}

func (s *Service) builtinInfo(r auth.Role) access.RoleInfo {
	return access.RoleInfo{Name: r, Description: builtinDescriptions[r], Permissions: slices.Clone(s.perms.builtin[r]), BuiltIn: true}
}

var roleName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// checkPermissions validates a permission list and returns it sorted and
// without duplicates.
func (s *Service) checkPermissions(v *errs.Validator, field string, ps []auth.Permission) []auth.Permission {
	out := make([]auth.Permission, 0, len(ps))
	for i, p := range ps {
		switch {
		case !s.perms.known(p):
			v.Add(field+"["+strconv.Itoa(i)+"]", "is not a permission (GET /admin/permissions lists them)")
		case s.perms.ownerOnly(p):
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

func errBuiltIn(r auth.Role) error {
	return errs.E(errs.Conflict, access.CodeBuiltInRole, "%s is a built-in role; built-in roles cannot be changed or deleted", r)
}

// CreateRole implements access.Service.
func (s *Service) CreateRole(ctx context.Context, cmd access.CreateRoleCommand) (access.RoleInfo, error) {
	v := &errs.Validator{}
	v.Check(roleName.MatchString(string(cmd.Name)), "name", "must be 2 to 40 lower-case letters, digits and underscores, starting with a letter")
	v.Check(len(cmd.Description) <= 500, "description", "is longer than 500 characters")
	perms := s.checkPermissions(v, "permissions", cmd.Permissions)
	if err := v.Err(); err != nil {
		return access.RoleInfo{}, err
	}
	if builtinRole(cmd.Name) {
		return access.RoleInfo{}, errs.E(errs.Conflict, access.CodeRoleExists, "%s is a built-in role", cmd.Name)
	}
	if err := mayGrant(cmd.By, "this role", perms); err != nil {
		return access.RoleInfo{}, err
	}
	now := s.now().UTC()
	r := access.RoleInfo{Name: cmd.Name, Description: cmd.Description, Permissions: perms, Version: 1, CreatedAt: &now, UpdatedAt: &now}
	if err := s.store.InsertRole(ctx, r); err != nil {
		return access.RoleInfo{}, err
	}
	return r, nil
}

// GetRole implements access.Service.
func (s *Service) GetRole(ctx context.Context, r auth.Role) (access.RoleInfo, error) {
	if builtinRole(r) {
		return s.builtinInfo(r), nil
	}
	return s.store.Role(ctx, r)
}

// ListRoles implements access.Service.
func (s *Service) ListRoles(ctx context.Context, q access.RoleQuery) (access.Page[access.RoleInfo], error) {
	after := ""
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || !roleName.Match(b) {
			return access.Page[access.RoleInfo]{}, errs.Validation(errs.Field("cursor", "is not a cursor of this list"))
		}
		after = string(b)
	}
	n := limit(q.Limit)
	var all []access.RoleInfo
	for _, r := range auth.BuiltinRoles() {
		if string(r) > after {
			all = append(all, s.builtinInfo(r))
		}
	}
	names, err := s.store.RoleNames(ctx, after, n+1)
	if err != nil {
		return access.Page[access.RoleInfo]{}, err
	}
	for _, name := range names {
		ri, err := s.store.Role(ctx, name)
		if errs.Is(err, errs.NotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return access.Page[access.RoleInfo]{}, err
		}
		all = append(all, ri)
	}
	slices.SortFunc(all, func(a, b access.RoleInfo) int { return strings.Compare(string(a.Name), string(b.Name)) })
	page := access.Page[access.RoleInfo]{Data: all}
	if len(all) > n {
		page.Data = all[:n]
		c := base64.RawURLEncoding.EncodeToString([]byte(page.Data[n-1].Name))
		page.NextCursor = &c
	}
	if page.Data == nil {
		page.Data = []access.RoleInfo{}
	}
	return page, nil
}

// UpdateRole implements access.Service.
func (s *Service) UpdateRole(ctx context.Context, cmd access.UpdateRoleCommand) (access.RoleInfo, error) {
	if builtinRole(cmd.Name) {
		return access.RoleInfo{}, errBuiltIn(cmd.Name)
	}
	v := &errs.Validator{}
	var perms []auth.Permission
	if cmd.Permissions != nil {
		perms = s.checkPermissions(v, "permissions", *cmd.Permissions)
	}
	if cmd.Description != nil {
		v.Check(len(*cmd.Description) <= 500, "description", "is longer than 500 characters")
	}
	if err := v.Err(); err != nil {
		return access.RoleInfo{}, err
	}
	return s.store.UpdateRole(ctx, cmd.Name, s.now().UTC(), func(ri *access.RoleInfo) error {
		if cmd.Version != 0 && cmd.Version != ri.Version {
			return errs.E(errs.Conflict, access.CodeVersion, "the role is at version %d, not %d", ri.Version, cmd.Version)
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
		return nil
	})
}

// DeleteRole implements access.Service.
func (s *Service) DeleteRole(ctx context.Context, r auth.Role, by *auth.Principal) error {
	if builtinRole(r) {
		return errBuiltIn(r)
	}
	return s.store.DeleteRole(ctx, r, func(ri access.RoleInfo, keys, staff int) error {
		if err := mayGrant(by, "deleting this role", ri.Permissions); err != nil {
			return err
		}
		if keys+staff > 0 {
			return errs.E(errs.Conflict, access.CodeRoleInUse, "%d live API keys and %d enabled staff accounts have the role %s; revoke or change them first", keys, staff, r)
		}
		return nil
	})
}
