package accesshttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Client is an access.Service over HTTP. It acts as the credential in its
// headers (an admin key or a staff session token): the server checks that
// credential, so the By of commands is not sent. Errors come back with the
// kinds, codes and fields the server sent.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the access module served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

var _ access.Service = (*Client)(nil)

func listQuery(revoked bool, limit int, cursor string) string {
	v := url.Values{}
	if revoked {
		v.Set("revoked", "true")
	}
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// item returns base/id, or NotFound (with message) for an empty id, which
// would name the list instead.
func item(base, id, message string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "%s", message)
	}
	return base + "/" + url.PathEscape(id), nil
}

// Permissions implements access.Service.
func (c *Client) Permissions(ctx context.Context) ([]access.PermissionInfo, error) {
	var out struct {
		Data []access.PermissionInfo `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/permissions", nil, &out)
	return out.Data, err
}

// ListRoles implements access.Service.
func (c *Client) ListRoles(ctx context.Context, q access.RoleQuery) (access.Page[access.RoleInfo], error) {
	var p access.Page[access.RoleInfo]
	err := c.c.Do(ctx, http.MethodGet, "/admin/roles"+listQuery(false, q.Limit, q.Cursor), nil, &p)
	return p, err
}

// GetRole implements access.Service.
func (c *Client) GetRole(ctx context.Context, name auth.Role) (access.RoleInfo, error) {
	var r access.RoleInfo
	p, err := item("/admin/roles", string(name), "role "+string(name)+" not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodGet, p, nil, &r)
	}
	return r, err
}

// CreateRole implements access.Service.
func (c *Client) CreateRole(ctx context.Context, cmd access.CreateRoleCommand) (access.RoleInfo, error) {
	var r access.RoleInfo
	err := c.c.Do(ctx, http.MethodPost, "/admin/roles", cmd, &r)
	return r, err
}

// UpdateRole implements access.Service.
func (c *Client) UpdateRole(ctx context.Context, cmd access.UpdateRoleCommand) (access.RoleInfo, error) {
	var r access.RoleInfo
	p, err := item("/admin/roles", string(cmd.Name), "role "+string(cmd.Name)+" not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodPatch, p, cmd, &r)
	}
	return r, err
}

// DeleteRole implements access.Service.
func (c *Client) DeleteRole(ctx context.Context, name auth.Role, _ *auth.Principal) error {
	p, err := item("/admin/roles", string(name), "role "+string(name)+" not found")
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// CreateKey implements access.Service.
func (c *Client) CreateKey(ctx context.Context, cmd access.CreateKeyCommand) (access.APIKey, error) {
	var k access.APIKey
	err := c.c.Do(ctx, http.MethodPost, "/admin/api-keys", cmd, &k)
	return k, err
}

// GetKey implements access.Service.
func (c *Client) GetKey(ctx context.Context, id string) (access.APIKey, error) {
	var k access.APIKey
	p, err := item("/admin/api-keys", id, "API key not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodGet, p, nil, &k)
	}
	return k, err
}

// ListKeys implements access.Service.
func (c *Client) ListKeys(ctx context.Context, q access.KeyQuery) (access.Page[access.APIKey], error) {
	var p access.Page[access.APIKey]
	err := c.c.Do(ctx, http.MethodGet, "/admin/api-keys"+listQuery(q.Revoked, q.Limit, q.Cursor), nil, &p)
	return p, err
}

// RevokeKey implements access.Service.
func (c *Client) RevokeKey(ctx context.Context, id string, _ *auth.Principal) error {
	p, err := item("/admin/api-keys", id, "API key not found")
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// CreatePublishableKey implements access.Service.
func (c *Client) CreatePublishableKey(ctx context.Context, cmd access.CreatePublishableKeyCommand) (access.PublishableKey, error) {
	var k access.PublishableKey
	err := c.c.Do(ctx, http.MethodPost, "/admin/publishable-keys", cmd, &k)
	return k, err
}

// GetPublishableKey implements access.Service.
func (c *Client) GetPublishableKey(ctx context.Context, id string) (access.PublishableKey, error) {
	var k access.PublishableKey
	p, err := item("/admin/publishable-keys", id, "publishable key not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodGet, p, nil, &k)
	}
	return k, err
}

// ListPublishableKeys implements access.Service.
func (c *Client) ListPublishableKeys(ctx context.Context, q access.PublishableKeyQuery) (access.Page[access.PublishableKey], error) {
	var p access.Page[access.PublishableKey]
	err := c.c.Do(ctx, http.MethodGet, "/admin/publishable-keys"+listQuery(q.Revoked, q.Limit, q.Cursor), nil, &p)
	return p, err
}

// RevokePublishableKey implements access.Service.
func (c *Client) RevokePublishableKey(ctx context.Context, id string) error {
	p, err := item("/admin/publishable-keys", id, "publishable key not found")
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// CreateStaff implements access.Service.
func (c *Client) CreateStaff(ctx context.Context, cmd access.CreateStaffCommand) (access.Staff, error) {
	var s access.Staff
	err := c.c.Do(ctx, http.MethodPost, "/admin/staff", cmd, &s)
	return s, err
}

// GetStaff implements access.Service.
func (c *Client) GetStaff(ctx context.Context, id string) (access.Staff, error) {
	var s access.Staff
	p, err := item("/admin/staff", id, "staff account not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodGet, p, nil, &s)
	}
	return s, err
}

// ListStaff implements access.Service.
func (c *Client) ListStaff(ctx context.Context, q access.StaffQuery) (access.Page[access.Staff], error) {
	var p access.Page[access.Staff]
	err := c.c.Do(ctx, http.MethodGet, "/admin/staff"+listQuery(false, q.Limit, q.Cursor), nil, &p)
	return p, err
}

// UpdateStaff implements access.Service.
func (c *Client) UpdateStaff(ctx context.Context, cmd access.UpdateStaffCommand) (access.Staff, error) {
	var s access.Staff
	p, err := item("/admin/staff", cmd.ID, "staff account not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodPatch, p, cmd, &s)
	}
	return s, err
}

// DisableStaff implements access.Service.
func (c *Client) DisableStaff(ctx context.Context, id string, _ *auth.Principal) error {
	p, err := item("/admin/staff", id, "staff account not found")
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// Login implements access.Service.
func (c *Client) Login(ctx context.Context, cmd access.LoginCommand) (access.StaffSession, error) {
	var s access.StaffSession
	err := c.c.Do(ctx, http.MethodPost, "/admin/sessions", cmd, &s)
	return s, err
}

// Logout implements access.Service: it ends the session of token, which it
// sends instead of the client's credential.
func (c *Client) Logout(ctx context.Context, token string) error {
	_, err := c.c.DoHeader(ctx, http.MethodDelete, "/admin/sessions/current", http.Header{"Authorization": {"Bearer " + token}}, nil, nil)
	return err
}

// ListAudit implements access.Service.
func (c *Client) ListAudit(ctx context.Context, q access.AuditQuery) (access.Page[access.Entry], error) {
	v := url.Values{}
	for k, s := range map[string]string{"actor": q.Actor, "resource": q.ResourceID, "resource_type": q.ResourceType, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p access.Page[access.Entry]
	err := c.c.Do(ctx, http.MethodGet, "/admin/audit-log?"+v.Encode(), nil, &p)
	return p, err
}

// GetAuditEntry implements access.Service.
func (c *Client) GetAuditEntry(ctx context.Context, id string) (access.Entry, error) {
	var e access.Entry
	p, err := item("/admin/audit-log", id, "audit entry not found")
	if err == nil {
		err = c.c.Do(ctx, http.MethodGet, p, nil, &e)
	}
	return e, err
}
