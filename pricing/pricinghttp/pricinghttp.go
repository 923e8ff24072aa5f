// Package pricinghttp serves pricing.Service over HTTP (Register) and is a
// pricing.Service over HTTP (Client).
package pricinghttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/pricing"
)

const tag = "Pricing (admin)"

var adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}

func op(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{tag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type idPath struct {
	ID string `path:"id" maxLength:"40"`
}

type listOut struct{ Body pricing.PriceList }

type createIn struct {
	Body pricing.CreatePriceListCommand
}

type updateIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body pricing.UpdatePriceListCommand
}

type listsIn struct {
	Currency string `query:"currency" pattern:"^[A-Z]{3}$"`
	Limit    int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor   string `query:"cursor" maxLength:"200"`
}

type listsOut struct {
	Body pricing.Page[pricing.PriceList]
}

type setPricesIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body pricing.SetPricesCommand
}

type pricesIn struct {
	ID     string `path:"id" maxLength:"40"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor string `query:"cursor" maxLength:"200"`
}

type pricesOut struct {
	Body pricing.Page[pricing.ListPrice]
}

type quoteIn struct{ Body pricing.QuoteQuery }

type quoteOut struct{ Body pricing.Quote }

// Register adds pricing's admin operations to api.
func Register(api huma.API, svc pricing.Service) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: tag, Description: "Price lists (sales, channel and customer-group prices) and price quotes."})
	huma.Register(api, op(PricingWrite, "createPriceList", http.MethodPost, "/admin/price-lists", "Create a price list",
		"Creates a price list in one currency, optionally limited to a sales channel, a customer group and a validity window, with its first prices. Emits pricing.price_list_created.", http.StatusCreated),
		func(ctx context.Context, in *createIn) (*listOut, error) {
			pl, err := svc.CreatePriceList(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &listOut{Body: pl}, nil
		})
	huma.Register(api, op(PricingRead, "listPriceLists", http.MethodGet, "/admin/price-lists", "List price lists", "Lists price lists by id, optionally of one currency.", http.StatusOK),
		func(ctx context.Context, in *listsIn) (*listsOut, error) {
			page, err := svc.ListPriceLists(ctx, pricing.ListPriceListsQuery{Currency: in.Currency, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &listsOut{Body: page}, nil
		})
	huma.Register(api, op(PricingRead, "getPriceList", http.MethodGet, "/admin/price-lists/{id}", "Read a price list", "Reads a price list without its prices (see its prices).", http.StatusOK),
		func(ctx context.Context, in *idPath) (*listOut, error) {
			pl, err := svc.GetPriceList(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &listOut{Body: pl}, nil
		})
	huma.Register(api, op(PricingWrite, "updatePriceList", http.MethodPatch, "/admin/price-lists/{id}", "Change a price list",
		"Changes the fields that are present; the currency cannot change. Emits pricing.price_list_updated.", http.StatusOK),
		func(ctx context.Context, in *updateIn) (*listOut, error) {
			in.Body.ID = in.ID
			pl, err := svc.UpdatePriceList(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &listOut{Body: pl}, nil
		})
	huma.Register(api, op(PricingWrite, "deletePriceList", http.MethodDelete, "/admin/price-lists/{id}", "Delete a price list", "Deletes a price list and its prices. Emits pricing.price_list_deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeletePriceList(ctx, in.ID)
		})
	huma.Register(api, op(PricingWrite, "setPrices", http.MethodPut, "/admin/price-lists/{id}/prices", "Set prices of a price list",
		"Upserts the given variant prices of the list; an amount of -1 removes a variant's price. Emits pricing.prices_set.", http.StatusNoContent),
		func(ctx context.Context, in *setPricesIn) (*struct{}, error) {
			in.Body.ListID = in.ID
			return nil, svc.SetPrices(ctx, in.Body)
		})
	huma.Register(api, op(PricingRead, "listPrices", http.MethodGet, "/admin/price-lists/{id}/prices", "List prices of a price list", "Lists the variant prices of a list by variant id.", http.StatusOK),
		func(ctx context.Context, in *pricesIn) (*pricesOut, error) {
			page, err := svc.ListPrices(ctx, pricing.ListPricesQuery{ListID: in.ID, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &pricesOut{Body: page}, nil
		})
	huma.Register(api, op(PricingRead, "quotePrices", http.MethodPost, "/admin/pricing/quote", "Quote prices",
		"Prices lines for a buyer (currency, channel, customer group, moment) as the cart will: the lowest applicable price-list price, else the catalog price. Reads only.", http.StatusOK),
		func(ctx context.Context, in *quoteIn) (*quoteOut, error) {
			q, err := svc.Quote(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &quoteOut{Body: q}, nil
		})
}

// Client is a pricing.Service over HTTP; it needs an admin key.
type Client struct{ c *httpx.Client }

// NewClient returns a client of the pricing API at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func path(id string, rest string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "price list not found")
	}
	return "/admin/price-lists/" + url.PathEscape(id) + rest, nil
}

func page(limit int, cursor string, extra url.Values) string {
	v := url.Values{}
	for k, vs := range extra {
		v[k] = vs
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(min(limit, pricing.MaxListLimit)))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// CreatePriceList implements pricing.Service.
func (c *Client) CreatePriceList(ctx context.Context, cmd pricing.CreatePriceListCommand) (pricing.PriceList, error) {
	var out pricing.PriceList
	err := c.c.Do(ctx, http.MethodPost, "/admin/price-lists", cmd, &out)
	return out, err
}

// GetPriceList implements pricing.Service.
func (c *Client) GetPriceList(ctx context.Context, id string) (pricing.PriceList, error) {
	var out pricing.PriceList
	p, err := path(id, "")
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, http.MethodGet, p, nil, &out)
	return out, err
}

// UpdatePriceList implements pricing.Service.
func (c *Client) UpdatePriceList(ctx context.Context, cmd pricing.UpdatePriceListCommand) (pricing.PriceList, error) {
	var out pricing.PriceList
	p, err := path(cmd.ID, "")
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, http.MethodPatch, p, cmd, &out)
	return out, err
}

// DeletePriceList implements pricing.Service.
func (c *Client) DeletePriceList(ctx context.Context, id string) error {
	p, err := path(id, "")
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, p, nil, nil)
}

// ListPriceLists implements pricing.Service.
func (c *Client) ListPriceLists(ctx context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error) {
	var out pricing.Page[pricing.PriceList]
	extra := url.Values{}
	if q.Currency != "" {
		extra.Set("currency", q.Currency)
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/price-lists"+page(q.Limit, q.Cursor, extra), nil, &out)
	return out, err
}

// SetPrices implements pricing.Service.
func (c *Client) SetPrices(ctx context.Context, cmd pricing.SetPricesCommand) error {
	p, err := path(cmd.ListID, "/prices")
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodPut, p, cmd, nil)
}

// ListPrices implements pricing.Service.
func (c *Client) ListPrices(ctx context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error) {
	var out pricing.Page[pricing.ListPrice]
	p, err := path(q.ListID, "/prices")
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, http.MethodGet, p+page(q.Limit, q.Cursor, nil), nil, &out)
	return out, err
}

// Quote implements pricing.Service.
func (c *Client) Quote(ctx context.Context, q pricing.QuoteQuery) (pricing.Quote, error) {
	var out pricing.Quote
	err := c.c.Do(ctx, http.MethodPost, "/admin/pricing/quote", q, &out)
	return out, err
}

var _ pricing.Service = (*Client)(nil)
