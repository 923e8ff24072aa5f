package customerhttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Client is a customer.Service over HTTP. Admin operations need an admin
// key in the client's headers; session operations send the session token
// they are given. Errors come back with the kinds, codes and fields the
// server sent.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the customer module served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func bearer(token string) http.Header {
	return http.Header{"Authorization": []string{"Bearer " + token}}
}

func customerPath(id, rest string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "customer not found")
	}
	return "/admin/customers/" + url.PathEscape(id) + rest, nil
}

func (c *Client) customer(ctx context.Context, method, id, rest string, in any) (customer.Customer, error) {
	var out customer.Customer
	p, err := customerPath(id, rest)
	if err == nil {
		err = c.c.Do(ctx, method, p, in, &out)
	}
	return out, err
}

// Register implements customer.Service.
func (c *Client) Register(ctx context.Context, cmd customer.RegisterCommand) (customer.Customer, error) {
	var out customer.Customer
	err := c.c.Do(ctx, http.MethodPost, "/store/customers", cmd, &out)
	return out, err
}

// Login implements customer.Service. The server throttles on the address
// it sees, not on cmd.ClientAddr.
func (c *Client) Login(ctx context.Context, cmd customer.LoginCommand) (customer.Session, error) {
	var out customer.Session
	err := c.c.Do(ctx, http.MethodPost, "/store/sessions", cmd, &out)
	return out, err
}

func sessionToken(token string) error {
	if !strings.HasPrefix(token, customer.SessionPrefix+"_") || len(token) > 100 {
		return errs.E(errs.Unauthorized, customer.CodeInvalidSession, "the session is unknown, expired or ended; log in again")
	}
	return nil
}

// Authenticate implements customer.Service by reading the session's
// account.
func (c *Client) Authenticate(ctx context.Context, token string) (customer.Identity, error) {
	if err := sessionToken(token); err != nil {
		return customer.Identity{}, err
	}
	var cu customer.Customer
	if _, err := c.c.DoHeader(ctx, http.MethodGet, "/store/customers/me", bearer(token), nil, &cu); err != nil {
		return customer.Identity{}, err
	}
	return customer.Identity{CustomerID: cu.ID, Groups: cu.Groups}, nil
}

// Logout implements customer.Service.
func (c *Client) Logout(ctx context.Context, token string) error {
	if err := sessionToken(token); err != nil {
		return err
	}
	_, err := c.c.DoHeader(ctx, http.MethodDelete, "/store/sessions/current", bearer(token), nil, nil)
	return err
}

// Get implements customer.Service.
func (c *Client) Get(ctx context.Context, id string) (customer.Customer, error) {
	return c.customer(ctx, http.MethodGet, id, "", nil)
}

// Update implements customer.Service.
func (c *Client) Update(ctx context.Context, cmd customer.UpdateCommand) (customer.Customer, error) {
	return c.customer(ctx, http.MethodPatch, cmd.ID, "", cmd)
}

// ChangePassword implements customer.Service.
func (c *Client) ChangePassword(ctx context.Context, cmd customer.ChangePasswordCommand) error {
	if err := sessionToken(cmd.Token); err != nil {
		return err
	}
	_, err := c.c.DoHeader(ctx, http.MethodPost, "/store/customers/me/password", bearer(cmd.Token), cmd, nil)
	return err
}

// RequestPasswordReset implements customer.Service.
func (c *Client) RequestPasswordReset(ctx context.Context, cmd customer.RequestResetCommand) error {
	return c.c.Do(ctx, http.MethodPost, "/store/password-resets", cmd, nil)
}

// ResetPassword implements customer.Service.
func (c *Client) ResetPassword(ctx context.Context, cmd customer.ResetPasswordCommand) error {
	return c.c.Do(ctx, http.MethodPost, "/store/password-resets/confirm", cmd, nil)
}

func toBody(a customer.Address) addressBody {
	return addressBody{Name: a.Name, Company: a.Company, Line1: a.Line1, Line2: a.Line2, City: a.City, PostalCode: a.PostalCode,
		Country: a.Country, Subdivision: a.Subdivision, Phone: a.Phone, Default: a.Default}
}

// SaveAddress implements customer.Service.
func (c *Client) SaveAddress(ctx context.Context, cmd customer.AddressCommand) (customer.Customer, error) {
	if cmd.AddressID == "" {
		return c.customer(ctx, http.MethodPost, cmd.CustomerID, "/addresses", toBody(cmd.Address))
	}
	return c.customer(ctx, http.MethodPut, cmd.CustomerID, "/addresses/"+url.PathEscape(cmd.AddressID), toBody(cmd.Address))
}

// DeleteAddress implements customer.Service.
func (c *Client) DeleteAddress(ctx context.Context, cmd customer.DeleteAddressCommand) (customer.Customer, error) {
	if cmd.AddressID == "" {
		return customer.Customer{}, errs.E(errs.NotFound, customer.CodeAddressNotFound, "address not found")
	}
	return c.customer(ctx, http.MethodDelete, cmd.CustomerID, "/addresses/"+url.PathEscape(cmd.AddressID), nil)
}

// List implements customer.Service.
func (c *Client) List(ctx context.Context, q customer.ListQuery) (customer.Page[customer.Customer], error) {
	v := url.Values{}
	for k, s := range map[string]string{"email": q.Email, "group": q.Group, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p customer.Page[customer.Customer]
	err := c.c.Do(ctx, http.MethodGet, "/admin/customers?"+v.Encode(), nil, &p)
	return p, err
}

// CreateGroup implements customer.Service.
func (c *Client) CreateGroup(ctx context.Context, cmd customer.CreateGroupCommand) (customer.Group, error) {
	var g customer.Group
	err := c.c.Do(ctx, http.MethodPost, "/admin/customer-groups", cmd, &g)
	return g, err
}

// ListGroups implements customer.Service.
func (c *Client) ListGroups(ctx context.Context) ([]customer.Group, error) {
	var out struct {
		Data []customer.Group `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/customer-groups", nil, &out)
	return out.Data, err
}

// DeleteGroup implements customer.Service.
func (c *Client) DeleteGroup(ctx context.Context, code string) error {
	if code == "" {
		return errs.E(errs.NotFound, "not_found", "customer group not found")
	}
	return c.c.Do(ctx, http.MethodDelete, "/admin/customer-groups/"+url.PathEscape(code), nil, nil)
}

// SetGroups implements customer.Service.
func (c *Client) SetGroups(ctx context.Context, cmd customer.SetGroupsCommand) (customer.Customer, error) {
	return c.customer(ctx, http.MethodPut, cmd.CustomerID, "/groups", cmd)
}

// Export implements customer.Service.
func (c *Client) Export(ctx context.Context, id string) (customer.Export, error) {
	var e customer.Export
	p, err := customerPath(id, "/export")
	if err == nil {
		err = c.c.Do(ctx, http.MethodPost, p, nil, &e)
	}
	return e, err
}

// Erase implements customer.Service.
func (c *Client) Erase(ctx context.Context, id string) (customer.Customer, error) {
	return c.customer(ctx, http.MethodPost, id, "/erase", nil)
}

var _ customer.Service = (*Client)(nil)
