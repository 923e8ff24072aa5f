package shippinghttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/shipping"
)

// Client is a shipping.Service over HTTP. Admin calls need an admin key in
// the client's headers; Quote uses the store endpoint. Errors come back
// with the kinds, codes and fields the server sent.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the shipping module served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func path(prefix, id string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "not found")
	}
	return prefix + url.PathEscape(id), nil
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func listValues(limit int, cursor string) url.Values {
	v := url.Values{}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(min(limit, shipping.MaxListLimit)))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v
}

// CreateZone implements shipping.Service.
func (c *Client) CreateZone(ctx context.Context, cmd shipping.CreateZoneCommand) (shipping.Zone, error) {
	var z shipping.Zone
	err := c.c.Do(ctx, http.MethodPost, "/admin/shipping/zones", cmd, &z)
	return z, err
}

// GetZone implements shipping.Service.
func (c *Client) GetZone(ctx context.Context, id string) (shipping.Zone, error) {
	var z shipping.Zone
	p, err := path("/admin/shipping/zones/", id)
	if err != nil {
		return z, err
	}
	err = c.c.Do(ctx, http.MethodGet, p, nil, &z)
	return z, err
}

// UpdateZone implements shipping.Service.
func (c *Client) UpdateZone(ctx context.Context, cmd shipping.UpdateZoneCommand) (shipping.Zone, error) {
	var z shipping.Zone
	p, err := path("/admin/shipping/zones/", cmd.ID)
	if err != nil {
		return z, err
	}
	err = c.c.Do(ctx, http.MethodPatch, p, cmd, &z)
	return z, err
}

// DeleteZone implements shipping.Service.
func (c *Client) DeleteZone(ctx context.Context, id string) error {
	p, err := path("/admin/shipping/zones/", id)
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// ListZones implements shipping.Service.
func (c *Client) ListZones(ctx context.Context, q shipping.ListZonesQuery) (shipping.Page[shipping.Zone], error) {
	var page shipping.Page[shipping.Zone]
	v := listValues(q.Limit, q.Cursor)
	if q.Country != "" {
		v.Set("country", q.Country)
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/shipping/zones"+query(v), nil, &page)
	return page, err
}

// CreateOption implements shipping.Service.
func (c *Client) CreateOption(ctx context.Context, cmd shipping.CreateOptionCommand) (shipping.Option, error) {
	var o shipping.Option
	err := c.c.Do(ctx, http.MethodPost, "/admin/shipping/options", cmd, &o)
	return o, err
}

// GetOption implements shipping.Service.
func (c *Client) GetOption(ctx context.Context, id string) (shipping.Option, error) {
	var o shipping.Option
	p, err := path("/admin/shipping/options/", id)
	if err != nil {
		return o, err
	}
	err = c.c.Do(ctx, http.MethodGet, p, nil, &o)
	return o, err
}

// UpdateOption implements shipping.Service.
func (c *Client) UpdateOption(ctx context.Context, cmd shipping.UpdateOptionCommand) (shipping.Option, error) {
	var o shipping.Option
	p, err := path("/admin/shipping/options/", cmd.ID)
	if err != nil {
		return o, err
	}
	err = c.c.Do(ctx, http.MethodPatch, p, cmd, &o)
	return o, err
}

// DeleteOption implements shipping.Service.
func (c *Client) DeleteOption(ctx context.Context, id string) error {
	p, err := path("/admin/shipping/options/", id)
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// ListOptions implements shipping.Service.
func (c *Client) ListOptions(ctx context.Context, q shipping.ListOptionsQuery) (shipping.Page[shipping.Option], error) {
	var page shipping.Page[shipping.Option]
	v := listValues(q.Limit, q.Cursor)
	if q.ZoneID != "" {
		v.Set("zone_id", q.ZoneID)
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/shipping/options"+query(v), nil, &page)
	return page, err
}

// Quote implements shipping.Service through GET /store/shipping-options.
func (c *Client) Quote(ctx context.Context, q shipping.QuoteQuery) ([]shipping.Quote, error) {
	v := url.Values{}
	v.Set("country", q.Country)
	v.Set("currency", q.Currency)
	v.Set("subtotal", strconv.FormatInt(q.Subtotal.Amount, 10))
	v.Set("weight_grams", strconv.FormatInt(q.WeightGrams, 10))
	if q.Subtotal.Currency != "" {
		v.Set("subtotal_currency", q.Subtotal.Currency)
	} else if q.Subtotal.Amount != 0 {
		v.Set("subtotal_currency", "-") // no currency: the service says why
	}
	var out struct {
		Data []shipping.Quote `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/store/shipping-options"+query(v), nil, &out)
	return out.Data, err
}

var _ shipping.Service = (*Client)(nil)
