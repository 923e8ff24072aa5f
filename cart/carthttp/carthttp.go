// Package carthttp serves cart.Service over HTTP (Register) and is a
// cart.Service over HTTP (Client). Handlers only decode, call the service
// and encode.
package carthttp

import (
	"context"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Tags of the cart's operations.
const (
	storeTag = "Cart (store)"
	adminTag = "Cart (admin)"
)

var (
	storeErrors = []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
	adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
)

func store(id, method, path, summary, description string, status int) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{storeTag},
		DefaultStatus: status, Errors: storeErrors, Security: httpx.OptionalCustomerSecurity,
	}
}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type idPath struct {
	ID string `path:"id" maxLength:"40" doc:"Cart id (cart_…)"`
}

type cartOut struct{ Body cart.Cart }

type createIn struct{ Body cart.CreateCommand }

type addItemIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body cart.AddItemCommand
}

type updateItemIn struct {
	ID     string `path:"id" maxLength:"40"`
	ItemID string `path:"item_id" maxLength:"40" doc:"Line id (cli_…)"`
	Body   cart.UpdateItemCommand
}

type itemPath struct {
	ID     string `path:"id" maxLength:"40"`
	ItemID string `path:"item_id" maxLength:"40" doc:"Line id (cli_…)"`
}

type updateIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body cart.UpdateCommand
}

type holdIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body cart.HoldCommand
}

type releaseIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body cart.ReleaseCommand
}

type shippingIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body cart.SetShippingMethodCommand
}

func out(c cart.Cart, err error) (*cartOut, error) {
	if err != nil {
		return nil, err
	}
	return &cartOut{Body: c}, nil
}

// Register adds the cart's store and admin operations to api.
func Register(api huma.API, svc cart.Service) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags,
		&huma.Tag{Name: storeTag, Description: "Shopping carts: lines, email and shipping address, with totals priced through pricing and tax (no key needed)."},
		&huma.Tag{Name: adminTag, Description: "Carts for staff and integrations: reading any cart and setting its shipping method (secret API key)."})
	huma.Register(api, store("createCart", http.MethodPost, "/store/carts", "Create a cart",
		"Creates an empty cart in a currency that is fixed for its life, in the sales channel of the X-Publishable-Key (the default channel without one). "+
			"With a customer's session the cart is the customer's, and nobody else can reach it (404); without one it is a guest cart. Emits cart.created.", http.StatusCreated),
		func(ctx context.Context, in *createIn) (*cartOut, error) {
			in.Body.Channel = httpx.SalesChannel(ctx)
			return out(svc.Create(ctx, in.Body))
		})
	huma.Register(api, store("getCart", http.MethodGet, "/store/carts/{id}", "Read a cart",
		"Reads a cart with its lines and totals re-priced now. An expired cart is 404 cart_expired.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*cartOut, error) { return out(svc.Get(ctx, in.ID)) })
	huma.Register(api, store("updateCart", http.MethodPatch, "/store/carts/{id}", "Change a cart's email or shipping address",
		"Sets the email and/or the shipping address (which decides the tax). A completed cart is 409 cart_completed. Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *updateIn) (*cartOut, error) {
			in.Body.CartID = in.ID
			return out(svc.Update(ctx, in.Body))
		})
	huma.Register(api, store("addCartItem", http.MethodPost, "/store/carts/{id}/items", "Add an item to a cart",
		"Adds a quantity of a variant, by variant_id or by sku; a variant already in the cart gets its quantity raised. "+
			"An unknown variant is 404 unknown_variant, a quantity that cannot be bought now 409 out_of_stock, an unpublished product 409 not_purchasable. Nothing is reserved. Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *addItemIn) (*cartOut, error) {
			in.Body.CartID = in.ID
			return out(svc.AddItem(ctx, in.Body))
		})
	huma.Register(api, store("updateCartItem", http.MethodPatch, "/store/carts/{id}/items/{item_id}", "Change the quantity of a cart line",
		"Sets a line's quantity (1 to the configured maximum); raising it checks the stock (409 out_of_stock). Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *updateItemIn) (*cartOut, error) {
			in.Body.CartID, in.Body.ItemID = in.ID, in.ItemID
			return out(svc.UpdateItem(ctx, in.Body))
		})
	huma.Register(api, store("removeCartItem", http.MethodDelete, "/store/carts/{id}/items/{item_id}", "Remove a line from a cart",
		"Removes a line and answers the cart. Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *itemPath) (*cartOut, error) {
			return out(svc.RemoveItem(ctx, cart.RemoveItemCommand{CartID: in.ID, ItemID: in.ItemID}))
		})
	huma.Register(api, admin(CartsRead, "adminGetCart", http.MethodGet, "/admin/carts/{id}", "Read any cart",
		"Reads a cart with its lines and totals re-priced now.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*cartOut, error) { return out(svc.Get(ctx, in.ID)) })
	huma.Register(api, admin(CartsWrite, "setCartShippingMethod", http.MethodPost, "/admin/carts/{id}/shipping-method", "Set a cart's shipping method",
		"Sets the shipping option and its tax-exclusive amount, in the cart's currency, as the shipping module quoted it; "+
			"the caller (checkout or an integration) asks shipping, the cart does not. Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *shippingIn) (*cartOut, error) {
			in.Body.CartID = in.ID
			return out(svc.SetShippingMethod(ctx, in.Body))
		})
	huma.Register(api, admin(CartsWrite, "completeCart", http.MethodPost, "/admin/carts/{id}/complete", "Complete a cart",
		"Marks a cart completed (checkout does, once its order is placed); a completed cart refuses changes with 409 cart_completed. "+
			"Idempotent. An empty cart is 409 cart_empty. Emits cart.completed.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*cartOut, error) { return out(svc.Complete(ctx, in.ID)) })
	huma.Register(api, admin(CartsWrite, "holdCart", http.MethodPost, "/admin/carts/{id}/hold", "Hold a cart for a checkout",
		"Sets the email and shipping address and holds the cart for the checkout, in one change (checkout does, when it quotes the cart): "+
			"until the checkout completes or releases the cart, or until, every other change is 409 checkout_in_progress, so that the order has exactly the cart's lines. "+
			"Repeated by the same checkout it holds again; another checkout's hold is 409 checkout_in_progress. Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *holdIn) (*cartOut, error) {
			in.Body.CartID = in.ID
			return out(svc.Hold(ctx, in.Body))
		})
	huma.Register(api, admin(CartsWrite, "releaseCart", http.MethodPost, "/admin/carts/{id}/release", "Release a checkout's hold of a cart",
		"Ends the checkout's hold (checkout does when it gives up); idempotent, and nothing changes when the checkout does not hold the cart. Emits cart.updated.", http.StatusOK),
		func(ctx context.Context, in *releaseIn) (*cartOut, error) {
			in.Body.CartID = in.ID
			return out(svc.Release(ctx, in.Body))
		})
}

// Client is a cart.Service over HTTP. Get, SetShippingMethod, Hold,
// Release and Complete use the admin routes, so the client needs an admin key for them.
type Client struct{ c *httpx.Client }

// NewClient returns a client of the cart API at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func path(prefix, id, rest string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "cart not found")
	}
	return prefix + url.PathEscape(id) + rest, nil
}

func (c *Client) do(ctx context.Context, method, prefix, id, rest string, in any) (cart.Cart, error) {
	var out cart.Cart
	p, err := path(prefix, id, rest)
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, method, p, in, &out)
	return out, err
}

func itemRest(itemID string) (string, error) {
	if itemID == "" {
		return "", errs.E(errs.NotFound, cart.CodeItemNotFound, "the cart has no such item")
	}
	return "/items/" + url.PathEscape(itemID), nil
}

// Create implements cart.Service.
func (c *Client) Create(ctx context.Context, cmd cart.CreateCommand) (cart.Cart, error) {
	var out cart.Cart
	err := c.c.Do(ctx, http.MethodPost, "/store/carts", cmd, &out)
	return out, err
}

// Get implements cart.Service.
func (c *Client) Get(ctx context.Context, id string) (cart.Cart, error) {
	return c.do(ctx, http.MethodGet, "/admin/carts/", id, "", nil)
}

// AddItem implements cart.Service.
func (c *Client) AddItem(ctx context.Context, cmd cart.AddItemCommand) (cart.Cart, error) {
	return c.do(ctx, http.MethodPost, "/store/carts/", cmd.CartID, "/items", cmd)
}

// UpdateItem implements cart.Service.
func (c *Client) UpdateItem(ctx context.Context, cmd cart.UpdateItemCommand) (cart.Cart, error) {
	rest, err := itemRest(cmd.ItemID)
	if err != nil {
		return cart.Cart{}, err
	}
	return c.do(ctx, http.MethodPatch, "/store/carts/", cmd.CartID, rest, cmd)
}

// RemoveItem implements cart.Service.
func (c *Client) RemoveItem(ctx context.Context, cmd cart.RemoveItemCommand) (cart.Cart, error) {
	rest, err := itemRest(cmd.ItemID)
	if err != nil {
		return cart.Cart{}, err
	}
	return c.do(ctx, http.MethodDelete, "/store/carts/", cmd.CartID, rest, nil)
}

// Update implements cart.Service.
func (c *Client) Update(ctx context.Context, cmd cart.UpdateCommand) (cart.Cart, error) {
	return c.do(ctx, http.MethodPatch, "/store/carts/", cmd.CartID, "", cmd)
}

// SetShippingMethod implements cart.Service.
func (c *Client) SetShippingMethod(ctx context.Context, cmd cart.SetShippingMethodCommand) (cart.Cart, error) {
	return c.do(ctx, http.MethodPost, "/admin/carts/", cmd.CartID, "/shipping-method", cmd)
}

// Hold implements cart.Service.
func (c *Client) Hold(ctx context.Context, cmd cart.HoldCommand) (cart.Cart, error) {
	return c.do(ctx, http.MethodPost, "/admin/carts/", cmd.CartID, "/hold", cmd)
}

// Release implements cart.Service.
func (c *Client) Release(ctx context.Context, cmd cart.ReleaseCommand) (cart.Cart, error) {
	return c.do(ctx, http.MethodPost, "/admin/carts/", cmd.CartID, "/release", cmd)
}

// Complete implements cart.Service.
func (c *Client) Complete(ctx context.Context, id string) (cart.Cart, error) {
	return c.do(ctx, http.MethodPost, "/admin/carts/", id, "/complete", nil)
}

var _ cart.Service = (*Client)(nil)
