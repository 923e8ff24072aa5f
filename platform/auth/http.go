package auth

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/httpx"
)

const accessTag = "Access (admin)"

var accessErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}

func op(p Permission, id, method, path, summary, description string, status int) huma.Operation {
	return Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{accessTag},
		DefaultStatus: status, Errors: accessErrors, Security: httpx.AdminSecurity,
	})
}

type permissionsOut struct {
	Body struct {
		Data []PermissionInfo `json:"data"`
	}
}

type roleNameIn struct {
	Name string `path:"name" maxLength:"40"`
}

type roleOut struct{ Body RoleInfo }

type rolePageOut struct{ Body Page[RoleInfo] }

type listIn struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor string `query:"cursor" maxLength:"200"`
}

type listKeysIn struct {
	Revoked bool   `query:"revoked" doc:"List revoked keys instead of live ones"`
	Limit   int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor  string `query:"cursor" maxLength:"200"`
}

type createRoleIn struct{ Body CreateRoleCommand }

type updateRoleIn struct {
	Name string `path:"name" maxLength:"40"`
	Body UpdateRoleCommand
}

type keyIDIn struct {
	ID string `path:"id" maxLength:"60"`
}

type keyOut struct{ Body APIKey }

type createdKeyOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         APIKey
}

type keyPageOut struct{ Body Page[APIKey] }

type createKeyIn struct{ Body CreateKeyCommand }

type pkOut struct{ Body PublishableKey }

type staffIDIn struct {
	ID string `path:"id" maxLength:"60"`
}

type staffOut struct{ Body Staff }

type staffPageOut struct{ Body Page[Staff] }

type createStaffIn struct{ Body CreateStaffCommand }

type updateStaffIn struct {
	ID   string `path:"id" maxLength:"60"`
	Body UpdateStaffCommand
}

type loginIn struct{ Body LoginCommand }

type loginOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         StaffSession
}

type pkPageOut struct{ Body Page[PublishableKey] }

type createPKIn struct{ Body CreatePublishableKeyCommand }

// by returns the caller of ctx for the escalation checks; every admin
// operation has one (the guard put it there).
func by(ctx context.Context) *Principal {
	p, ok := PrincipalOf(ctx)
	if !ok {
		return &Principal{Permissions: Set{}}
	}
	return &p
}

// Register adds the admin operations on roles, API keys and publishable
// keys to api.
func Register(api huma.API, k *Keys) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: accessTag,
		Description: "Roles and their permissions, admin API keys and publishable keys. Nobody grants what they do not hold: creating a key or a role, or revoking a key, needs every permission involved."})

	huma.Register(api, op(RolesRead, "listPermissions", http.MethodGet, "/admin/permissions", "List permissions", "Lists every permission a role can hold, with what it allows.", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*permissionsOut, error) {
			out := &permissionsOut{}
			out.Body.Data = []PermissionInfo{}
			for _, p := range Permissions() {
				out.Body.Data = append(out.Body.Data, PermissionInfo{Name: p, Description: Describe(p)})
			}
			return out, nil
		})

	huma.Register(api, op(RolesRead, "listRoles", http.MethodGet, "/admin/roles", "List roles", "Lists built-in and custom roles by name, with their permissions.", http.StatusOK),
		func(ctx context.Context, in *listIn) (*rolePageOut, error) {
			page, err := k.ListRoles(ctx, RoleQuery{Limit: in.Limit, Cursor: in.Cursor})
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
			r, err := k.GetRole(ctx, Role(in.Name))
			if err != nil {
				return nil, err
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, op(RolesWrite, "updateRole", http.MethodPatch, "/admin/roles/{name}", "Change a custom role", "Changes the description or the permissions of a custom role; keys with the role have the new permissions from their next request. Built-in roles are 409 built_in_role; with version, a role changed since is 409 version_conflict.", http.StatusOK),
		func(ctx context.Context, in *updateRoleIn) (*roleOut, error) {
			in.Body.Name, in.Body.By = Role(in.Name), by(ctx)
			r, err := k.UpdateRole(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, op(RolesWrite, "deleteRole", http.MethodDelete, "/admin/roles/{name}", "Delete a custom role", "Deletes a custom role that no live key has (else 409 role_in_use). Built-in roles are 409 built_in_role.", http.StatusNoContent),
		func(ctx context.Context, in *roleNameIn) (*struct{}, error) {
			return nil, k.DeleteRole(ctx, Role(in.Name), by(ctx))
		})

	huma.Register(api, op(APIKeysRead, "listAPIKeys", http.MethodGet, "/admin/api-keys", "List admin API keys", "Lists live (or, with revoked=true, revoked) admin API keys, newest first: id, role, name, when created and last used. Never their secrets.", http.StatusOK),
		func(ctx context.Context, in *listKeysIn) (*keyPageOut, error) {
			page, err := k.ListKeys(ctx, KeyQuery{Revoked: in.Revoked, Limit: in.Limit, Cursor: in.Cursor})
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
			_, err := k.RevokeKey(ctx, in.ID, by(ctx))
			return nil, err
		})

	huma.Register(api, op(PublishableKeysRead, "listPublishableKeys", http.MethodGet, "/admin/publishable-keys", "List publishable keys", "Lists live (or, with revoked=true, revoked) publishable keys, newest first.", http.StatusOK),
		func(ctx context.Context, in *listKeysIn) (*pkPageOut, error) {
			page, err := k.ListPublishableKeys(ctx, PublishableKeyQuery{Revoked: in.Revoked, Limit: in.Limit, Cursor: in.Cursor})
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
			_, err := k.RevokePublishableKey(ctx, in.ID)
			return nil, err
		})

	huma.Register(api, op(StaffRead, "listStaff", http.MethodGet, "/admin/staff", "List staff accounts", "Lists staff accounts (admin users who log in with an email and a password), newest first.", http.StatusOK),
		func(ctx context.Context, in *listIn) (*staffPageOut, error) {
			page, err := k.ListStaff(ctx, StaffQuery{Limit: in.Limit, Cursor: in.Cursor})
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
	login := op(Public, "createStaffSession", http.MethodPost, "/admin/sessions", "Log in as staff", "Checks a staff account's email and password and answers a session token, valid for 12 hours, to send as Authorization: Bearer on /admin routes; it acts with the account's role. A wrong email or password, or a disabled account, is 401 unauthorized. Needs no key.", http.StatusCreated)
	login.Security = nil
	huma.Register(api, login,
		func(ctx context.Context, in *loginIn) (*loginOut, error) {
			sess, err := k.Login(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &loginOut{CacheControl: "no-store", Body: sess}, nil
		})
	huma.Register(api, op(Authenticated, "deleteStaffSession", http.MethodDelete, "/admin/sessions/current", "Log out", "Ends the staff session the request is made with; a request made with an API key is 400 not_a_session.", http.StatusNoContent),
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, k.Logout(ctx, by(ctx).Session)
		})
}
