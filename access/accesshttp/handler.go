// Package accesshttp serves access.Service over HTTP (Register) and is an
// access.Service over HTTP (Client). It also holds the module's request
// middlewares: the audit log's Recorder (the guard is platform/auth.Guard
// over the module's service). Handlers only decode, call the service and
// encode.
package accesshttp

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
)

const accessTag = "Access (admin)"

var accessErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}

func op(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{accessTag},
		DefaultStatus: status, Errors: accessErrors, Security: httpx.AdminSecurity,
	})
}

type permissionsOut struct {
	Body struct {
		Data []access.PermissionInfo `json:"data"`
	}
}

type roleNameIn struct {
	Name string `path:"name" maxLength:"40"`
}

type roleOut struct{ Body access.RoleInfo }

type rolePageOut struct{ Body access.Page[access.RoleInfo] }

type listIn struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor string `query:"cursor" maxLength:"200"`
}

type listKeysIn struct {
	Revoked bool   `query:"revoked" doc:"List revoked keys instead of live ones"`
	Limit   int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor  string `query:"cursor" maxLength:"200"`
}

type createRoleIn struct{ Body access.CreateRoleCommand }

type updateRoleIn struct {
	Name string `path:"name" maxLength:"40"`
	Body access.UpdateRoleCommand
}

type keyIDIn struct {
	ID string `path:"id" maxLength:"60"`
}

type keyOut struct{ Body access.APIKey }

type createdKeyOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         access.APIKey
}

type keyPageOut struct{ Body access.Page[access.APIKey] }

type createKeyIn struct{ Body access.CreateKeyCommand }

type pkOut struct{ Body access.PublishableKey }

type staffIDIn struct {
	ID string `path:"id" maxLength:"60"`
}

type staffOut struct{ Body access.Staff }

type staffPageOut struct{ Body access.Page[access.Staff] }

type createStaffIn struct{ Body access.CreateStaffCommand }

type updateStaffIn struct {
	ID   string `path:"id" maxLength:"60"`
	Body access.UpdateStaffCommand
}

type loginIn struct{ Body access.LoginCommand }

type loginOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         access.StaffSession
}

type pkPageOut struct {
	Body access.Page[access.PublishableKey]
}

type createPKIn struct {
	Body access.CreatePublishableKeyCommand
}

type auditListIn struct {
	Actor        string `query:"actor" maxLength:"60" doc:"Only changes made with this API key id (owner for AGORA_ADMIN_KEY)"`
	Resource     string `query:"resource" maxLength:"200" doc:"Only changes of the resource with this id"`
	ResourceType string `query:"resource_type" maxLength:"100" doc:"Only changes of this resource type, e.g. products or tax/regions"`
	Limit        int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor       string `query:"cursor" maxLength:"200"`
}

// Page is a page of audit log entries (its schema keeps the name "Page"
// it has always had).
type Page struct {
	Data       []access.Entry `json:"data"`
	NextCursor *string        `json:"next_cursor"`
}

type auditPageOut struct{ Body Page }

type auditIDIn struct {
	ID string `path:"id" maxLength:"60"`
}

type entryOut struct{ Body access.Entry }

// by returns the caller of ctx for the escalation checks; every admin
// operation has one (the guard put it there).
func by(ctx context.Context) *auth.Principal {
	p, ok := auth.PrincipalOf(ctx)
	if !ok {
		return &auth.Principal{Permissions: auth.Set{}}
	}
	return &p
}

// Register adds the admin operations on roles, API keys, publishable keys,
// staff accounts and the audit log to api.
func Register(api huma.API, k access.Service) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: accessTag,
		Description: "Roles and their permissions, admin API keys and publishable keys. Nobody grants what they do not hold: creating a key or a role, or revoking a key, needs every permission involved."})

	huma.Register(api, op(RolesRead, "listPermissions", http.MethodGet, "/admin/permissions", "List permissions", "Lists every permission a role can hold, with what it allows.", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*permissionsOut, error) {
			ps, err := k.Permissions(ctx)
			if err != nil {
				return nil, err
			}
			out := &permissionsOut{}
			out.Body.Data = append([]access.PermissionInfo{}, ps...)
			return out, nil
		})

	huma.Register(api, op(RolesRead, "listRoles", http.MethodGet, "/admin/roles", "List roles", "Lists built-in and custom roles by name, with their permissions.", http.StatusOK),
		func(ctx context.Context, in *listIn) (*rolePageOut, error) {
			page, err := k.ListRoles(ctx, access.RoleQuery{Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &rolePageOut{Body: page}, nil
		})
	huma.Register(api, op(RolesWrite, "createRole", http.MethodPost, "/admin/roles", "Create a custom role", "Creates a role with a set of permissions. A built-in or taken name is 409 role_exists; granting a permission the caller does not hold is 403 forbidden; audit:read belongs to the owner role only.", http.StatusCreated),
		func(ctx context.Context, in *createRoleIn) (*roleOut, error) {
			in.Body.By = by(ctx)
			r, err := k.CreateRole(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, op(RolesRead, "getRole", http.MethodGet, "/admin/roles/{name}", "Read a role", "Reads a built-in or custom role.", http.StatusOK),
		func(ctx context.Context, in *roleNameIn) (*roleOut, error) {
			r, err := k.GetRole(ctx, auth.Role(in.Name))
			if err != nil {
				return nil, err
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, op(RolesWrite, "updateRole", http.MethodPatch, "/admin/roles/{name}", "Change a custom role", "Changes the description or the permissions of a custom role; keys with the role have the new permissions from their next request. Built-in roles are 409 built_in_role; with version, a role changed since is 409 version_conflict.", http.StatusOK),
		func(ctx context.Context, in *updateRoleIn) (*roleOut, error) {
			in.Body.Name, in.Body.By = auth.Role(in.Name), by(ctx)
			r, err := k.UpdateRole(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, op(RolesWrite, "deleteRole", http.MethodDelete, "/admin/roles/{name}", "Delete a custom role", "Deletes a custom role that no live key has (else 409 role_in_use). Built-in roles are 409 built_in_role.", http.StatusNoContent),
		func(ctx context.Context, in *roleNameIn) (*struct{}, error) {
			return nil, k.DeleteRole(ctx, auth.Role(in.Name), by(ctx))
		})

	huma.Register(api, op(APIKeysRead, "listAPIKeys", http.MethodGet, "/admin/api-keys", "List admin API keys", "Lists live (or, with revoked=true, revoked) admin API keys, newest first: id, role, name, when created and last used. Never their secrets.", http.StatusOK),
		func(ctx context.Context, in *listKeysIn) (*keyPageOut, error) {
			page, err := k.ListKeys(ctx, access.KeyQuery{Revoked: in.Revoked, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &keyPageOut{Body: page}, nil
		})
	huma.Register(api, op(APIKeysWrite, "createAPIKey", http.MethodPost, "/admin/api-keys", "Create an admin API key", "Creates a key with a built-in or custom role and answers its secret, which is shown only here: it is stored as a hash (a replay of the same Idempotency-Key answers the key with its secret redacted). A role with a permission the caller does not hold is 403 forbidden.", http.StatusCreated),
		func(ctx context.Context, in *createKeyIn) (*createdKeyOut, error) {
			in.Body.By = by(ctx)
			key, err := k.CreateKey(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			// no-store: no cache keeps the secret, and an idempotent
			// replay answers the key without it.
			return &createdKeyOut{CacheControl: "no-store", Body: key}, nil
		})
	huma.Register(api, op(APIKeysRead, "getAPIKey", http.MethodGet, "/admin/api-keys/{id}", "Read an admin API key", "Reads a key's id, role, name and times; never its secret.", http.StatusOK),
		func(ctx context.Context, in *keyIDIn) (*keyOut, error) {
			key, err := k.GetKey(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &keyOut{Body: key}, nil
		})
	huma.Register(api, op(APIKeysWrite, "revokeAPIKey", http.MethodDelete, "/admin/api-keys/{id}", "Revoke an admin API key", "Revokes a key at once (revoking a revoked key changes nothing). Revoking a key whose role has a permission the caller does not hold is 403 forbidden. The AGORA_ADMIN_KEY owner key is not stored and is changed in the configuration instead.", http.StatusNoContent),
		func(ctx context.Context, in *keyIDIn) (*struct{}, error) {
			return nil, k.RevokeKey(ctx, in.ID, by(ctx))
		})

	huma.Register(api, op(PublishableKeysRead, "listPublishableKeys", http.MethodGet, "/admin/publishable-keys", "List publishable keys", "Lists live (or, with revoked=true, revoked) publishable keys, newest first.", http.StatusOK),
		func(ctx context.Context, in *listKeysIn) (*pkPageOut, error) {
			page, err := k.ListPublishableKeys(ctx, access.PublishableKeyQuery{Revoked: in.Revoked, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &pkPageOut{Body: page}, nil
		})
	huma.Register(api, op(PublishableKeysWrite, "createPublishableKey", http.MethodPost, "/admin/publishable-keys", "Create a publishable key", "Creates a publishable key (pk_…) for a sales channel. Store requests that send it as X-Publishable-Key see that channel; it is not a secret.", http.StatusCreated),
		func(ctx context.Context, in *createPKIn) (*pkOut, error) {
			pk, err := k.CreatePublishableKey(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &pkOut{Body: pk}, nil
		})
	huma.Register(api, op(PublishableKeysRead, "getPublishableKey", http.MethodGet, "/admin/publishable-keys/{id}", "Read a publishable key", "Reads a publishable key by id.", http.StatusOK),
		func(ctx context.Context, in *keyIDIn) (*pkOut, error) {
			pk, err := k.GetPublishableKey(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &pkOut{Body: pk}, nil
		})
	huma.Register(api, op(PublishableKeysWrite, "revokePublishableKey", http.MethodDelete, "/admin/publishable-keys/{id}", "Revoke a publishable key", "Revokes a publishable key: store requests with it are 401 from then on (on other instances within 30 seconds).", http.StatusNoContent),
		func(ctx context.Context, in *keyIDIn) (*struct{}, error) {
			return nil, k.RevokePublishableKey(ctx, in.ID)
		})

	huma.Register(api, op(StaffRead, "listStaff", http.MethodGet, "/admin/staff", "List staff accounts", "Lists staff accounts (admin users who log in with an email and a password), newest first.", http.StatusOK),
		func(ctx context.Context, in *listIn) (*staffPageOut, error) {
			page, err := k.ListStaff(ctx, access.StaffQuery{Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &staffPageOut{Body: page}, nil
		})
	huma.Register(api, op(StaffWrite, "createStaff", http.MethodPost, "/admin/staff", "Create a staff account", "Creates an admin account with an email, a password (argon2id-hashed, at least 8 characters) and a role. A taken email is 409 email_taken; a role with a permission the caller does not hold is 403 forbidden.", http.StatusCreated),
		func(ctx context.Context, in *createStaffIn) (*staffOut, error) {
			in.Body.By = by(ctx)
			s, err := k.CreateStaff(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &staffOut{Body: s}, nil
		})
	huma.Register(api, op(StaffRead, "getStaff", http.MethodGet, "/admin/staff/{id}", "Read a staff account", "Reads a staff account (never its password).", http.StatusOK),
		func(ctx context.Context, in *staffIDIn) (*staffOut, error) {
			s, err := k.GetStaff(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &staffOut{Body: s}, nil
		})
	huma.Register(api, op(StaffWrite, "updateStaff", http.MethodPatch, "/admin/staff/{id}", "Change a staff account", "Changes the name, role or password of an account, or disables or enables it. A new password or disabling ends the account's sessions. With version, an account changed since is 409 version_conflict.", http.StatusOK),
		func(ctx context.Context, in *updateStaffIn) (*staffOut, error) {
			in.Body.ID, in.Body.By = in.ID, by(ctx)
			s, err := k.UpdateStaff(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &staffOut{Body: s}, nil
		})
	huma.Register(api, op(StaffWrite, "disableStaff", http.MethodDelete, "/admin/staff/{id}", "Disable a staff account", "Disables an account and ends its sessions; the account is kept, since the audit log names it (PATCH with disabled=false enables it again).", http.StatusNoContent),
		func(ctx context.Context, in *staffIDIn) (*struct{}, error) {
			return nil, k.DisableStaff(ctx, in.ID, by(ctx))
		})
	login := op(auth.Public, "createStaffSession", http.MethodPost, "/admin/sessions", "Log in as staff", "Checks a staff account's email and password and answers a session token, valid for 12 hours, to send as Authorization: Bearer on /admin routes; it acts with the account's role. A wrong email or password, or a disabled account, is 401 unauthorized. Needs no key.", http.StatusCreated)
	login.Security = nil
	huma.Register(api, login,
		func(ctx context.Context, in *loginIn) (*loginOut, error) {
			sess, err := k.Login(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &loginOut{CacheControl: "no-store", Body: sess}, nil
		})
	huma.Register(api, op(auth.Authenticated, "deleteStaffSession", http.MethodDelete, "/admin/sessions/current", "Log out", "Ends the staff session the request is made with; a request made with an API key is 400 not_a_session.", http.StatusNoContent),
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, k.Logout(ctx, by(ctx).Session)
		})

	registerAudit(api, k)
}

// registerAudit adds the read-only audit log operations to api; there is
// no operation that changes or deletes an entry.
func registerAudit(api huma.API, k access.Service) {
	const tag = "Audit log (admin)"
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: tag,
		Description: "Every admin change that succeeded: who, what, when, from where, before and after. Append-only; readable by the owner role only."})
	errors := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	huma.Register(api, auth.Require(AuditRead, huma.Operation{
		OperationID: "listAuditLog", Method: http.MethodGet, Path: "/admin/audit-log", Tags: []string{tag},
		Summary:     "List audit log entries, newest first",
		Description: "Lists recorded admin changes newest first, optionally only those of one API key (actor), one resource id or one resource type, with cursor pagination.",
		Errors:      errors, Security: httpx.AdminSecurity,
	}), func(ctx context.Context, in *auditListIn) (*auditPageOut, error) {
		page, err := k.ListAudit(ctx, access.AuditQuery{Actor: in.Actor, ResourceID: in.Resource, ResourceType: in.ResourceType, Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, err
		}
		return &auditPageOut{Body: Page{Data: page.Data, NextCursor: page.NextCursor}}, nil
	})
	huma.Register(api, auth.Require(AuditRead, huma.Operation{
		OperationID: "getAuditLogEntry", Method: http.MethodGet, Path: "/admin/audit-log/{id}", Tags: []string{tag},
		Summary: "Read an audit log entry", Description: "Reads one recorded admin change.",
		Errors: errors, Security: httpx.AdminSecurity,
	}), func(ctx context.Context, in *auditIDIn) (*entryOut, error) {
		e, err := k.GetAuditEntry(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &entryOut{Body: e}, nil
	})
	nullableDocuments(api)
}

// nullableDocuments documents before and after as an object or null: huma
// cannot mark a field of type any nullable.
func nullableDocuments(api huma.API) {
	s := api.OpenAPI().Components.Schemas.Map()[httpx.SchemaName(reflect.TypeFor[access.Entry](), "")]
	if s == nil {
		return
	}
	for _, name := range []string{"before", "after"} {
		if p := s.Properties[name]; p != nil {
			s.Properties[name] = &huma.Schema{Description: p.Description, AnyOf: []*huma.Schema{{Type: "object"}, {Type: "null"}}}
		}
	}
}
