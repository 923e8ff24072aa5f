package taxhttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/tax"
)

// Client is a tax.Service over HTTP; it needs an admin key in the client's
// headers. Errors come back with the kinds, codes and fields the server
// sent.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the tax module served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func regionPath(id string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "tax region not found")
	}
	return "/admin/tax/regions/" + url.PathEscape(id), nil
}

// CreateRegion implements tax.Service.
func (c *Client) CreateRegion(ctx context.Context, cmd tax.CreateRegionCommand) (tax.Region, error) {
	var r tax.Region
	err := c.c.Do(ctx, http.MethodPost, "/admin/tax/regions", cmd, &r)
	return r, err
}

// GetRegion implements tax.Service.
func (c *Client) GetRegion(ctx context.Context, id string) (tax.Region, error) {
	var r tax.Region
	p, err := regionPath(id)
	if err != nil {
		return r, err
	}
	err = c.c.Do(ctx, http.MethodGet, p, nil, &r)
	return r, err
}

// UpdateRegion implements tax.Service.
func (c *Client) UpdateRegion(ctx context.Context, cmd tax.UpdateRegionCommand) (tax.Region, error) {
	var r tax.Region
	p, err := regionPath(cmd.ID)
	if err != nil {
		return r, err
	}
	err = c.c.Do(ctx, http.MethodPatch, p, cmd, &r)
	return r, err
}

// DeleteRegion implements tax.Service.
func (c *Client) DeleteRegion(ctx context.Context, id string) error {
	p, err := regionPath(id)
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// ListRegions implements tax.Service.
func (c *Client) ListRegions(ctx context.Context, q tax.ListRegionsQuery) (tax.Page[tax.Region], error) {
	var page tax.Page[tax.Region]
	v := url.Values{}
	if q.Country != "" {
		v.Set("country", q.Country)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(q.Limit, tax.MaxListLimit)))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	path := "/admin/tax/regions"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	err := c.c.Do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// CreateClass implements tax.Service.
func (c *Client) CreateClass(ctx context.Context, cmd tax.CreateClassCommand) (tax.Class, error) {
	var out tax.Class
	err := c.c.Do(ctx, http.MethodPost, "/admin/tax/classes", cmd, &out)
	return out, err
}

// ListClasses implements tax.Service.
func (c *Client) ListClasses(ctx context.Context) ([]tax.Class, error) {
	var out struct {
		Data []tax.Class `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/tax/classes", nil, &out)
	return out.Data, err
}

// DeleteClass implements tax.Service.
func (c *Client) DeleteClass(ctx context.Context, code string) error {
	if code == "" {
		return errs.E(errs.NotFound, "not_found", "tax class not found")
	}
	return c.c.Do(ctx, http.MethodDelete, "/admin/tax/classes/"+url.PathEscape(code), nil, nil)
}

// Calculate implements tax.Service.
func (c *Client) Calculate(ctx context.Context, q tax.CalculateQuery) (tax.Calculation, error) {
	var out tax.Calculation
	err := c.c.Do(ctx, http.MethodPost, "/admin/tax/calculate", q, &out)
	return out, err
}

var _ tax.Service = (*Client)(nil)
