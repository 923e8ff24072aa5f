// Package orderhttp serves order.Service over HTTP (Register) and is an
// order.Service over HTTP (Client). Handlers only decode, call the service
// and encode.
package orderhttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/idem"
)

// Tags of the order module's operations.
const (
	storeTag = "Checkout and orders (store)"
	adminTag = "Orders (admin)"
)

var (
	storeErrors = []int{http.StatusBadRequest, http.StatusPaymentRequired, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable}
	adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
		http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable}
)

func store(id, method, path, summary, description string, status int) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{storeTag},
		DefaultStatus: status, Errors: storeErrors,
	}
}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type checkoutIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Cart id (cart_…)"`
	Key  string `header:"Idempotency-Key" maxLength:"200" doc:"Makes the checkout idempotent: a retry returns the same order"`
	Body order.CheckoutCommand
}

type checkoutOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         order.CheckoutResult
}

type buyerIn struct {
	ID            string `path:"id" maxLength:"40" doc:"Order id (ord_…)"`
	Authorization string `header:"Authorization" maxLength:"300" doc:"Bearer <access_token> of the order"`
	AccessToken   string `query:"access_token" maxLength:"200" doc:"The order's access token (instead of the header)"`
}

type idPath struct {
	ID string `path:"id" maxLength:"40" doc:"Order id (ord_…)"`
}

type orderOut struct{ Body order.Order }

type listIn struct {
	Status     string `query:"status" enum:"pending,authorized,paid,partially_fulfilled,fulfilled,canceled,refunded" doc:"Only orders of this status (all when absent)"`
	CustomerID string `query:"customer_id" maxLength:"40" doc:"Only orders of this customer (cus_…)"`
	Limit      int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Page size"`
	Cursor     string `query:"cursor" maxLength:"200" doc:"next_cursor of the previous page"`
}

type listOut struct{ Body order.Page[order.Order] }

type myOrdersIn struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Page size"`
	Cursor string `query:"cursor" maxLength:"200" doc:"next_cursor of the previous page"`
}

type refundIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Order id (ord_…)"`
	Key  string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the refund idempotent: a retry with the key refunds once"`
	Body order.RefundCommand
}

type fulfillIn struct {
	ID   string                `path:"id" maxLength:"40" doc:"Order id (ord_…)"`
	Key  string                `header:"Idempotency-Key" maxLength:"200" doc:"Makes the fulfillment idempotent"`
	Body *order.FulfillCommand // optional: no body fulfills everything that remains
}

type recoverIn struct {
	OlderThan int64 `query:"older_than_seconds" minimum:"0" maximum:"86400" doc:"Only checkouts unchanged for this long (default 0)"`
}

type recoverOut struct{ Body order.RecoverResult }

func out(o order.Order, err error) (*orderOut, error) {
	if err != nil {
		return nil, err
	}
	return &orderOut{Body: o}, nil
}

// Register adds the order module's store and admin operations to api.
func Register(api huma.API, svc order.Service) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags,
		&huma.Tag{Name: storeTag, Description: "Checking a cart out into an order, and reading it with its access token (no key needed)."},
		&huma.Tag{Name: adminTag, Description: "Orders of record for staff and integrations: listing, reading, capture, fulfillments, cancellation and refunds (secret API key)."})
	huma.Register(api, cardguard.Watch(store("checkoutCart", http.MethodPost, "/store/carts/{id}/checkout", "Check a cart out",
		"Places an order from the cart: sets its email and shipping address, reserves its stock, authorizes the payment, creates the order, "+
			"commits the stock and completes the cart; on any failure what was done is undone. Answers the order and an access_token that lets the buyer read it. "+
			"409 out_of_stock (nothing charged, nothing kept), 402 payment_declined (the reservation is released), 503 provider_unavailable (retry), "+
			"409 cart_completed for a cart already checked out; a retry with the same Idempotency-Key returns the same order (as it is now, with a new access_token: no copy of a token is kept). Emits order.placed.", http.StatusCreated)),
		func(ctx context.Context, in *checkoutIn) (*checkoutOut, error) {
			in.Body.CartID, in.Body.Key = in.ID, in.Key
			r, err := svc.Checkout(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			// The answer holds the order's access token: no copy of it is
			// kept, and a repeat of the Idempotency-Key checks out again,
			// which the service answers with the same order and a new token.
			idem.RunAgain(ctx)
			return &checkoutOut{CacheControl: "no-store", Body: r}, nil
		})
	huma.Register(api, store("getStoreOrder", http.MethodGet, "/store/orders/{id}", "Read an order as its buyer",
		"Reads an order with its access token, given as Authorization: Bearer <access_token> or as the access_token query parameter, "+
			"or with the session of the customer it belongs to. Without either the order is 404, like an unknown one.", http.StatusOK),
		func(ctx context.Context, in *buyerIn) (*orderOut, error) {
			token := in.AccessToken
			if t, ok := strings.CutPrefix(in.Authorization, "Bearer "); ok && token == "" {
				token = strings.TrimSpace(t)
			}
			return out(svc.GetForBuyer(ctx, order.BuyerQuery{ID: in.ID, AccessToken: token}))
		})
	huma.Register(api, admin(OrdersRead, "listOrders", http.MethodGet, "/admin/orders", "List orders",
		"Lists orders newest first, optionally of one status, with cursor pagination.", http.StatusOK),
		func(ctx context.Context, in *listIn) (*listOut, error) {
			p, err := svc.List(ctx, order.ListQuery{Status: order.Status(in.Status), CustomerID: in.CustomerID, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &listOut{Body: p}, nil
		})
	myOrders := store("listMyOrders", http.MethodGet, "/store/customers/me/orders", "List my orders",
		"The logged-in customer's orders, newest first, with cursor pagination.", http.StatusOK)
	myOrders.Security = httpx.CustomerSecurity
	myOrders.Errors = append([]int{http.StatusUnauthorized}, storeErrors...)
	huma.Register(api, myOrders,
		func(ctx context.Context, in *myOrdersIn) (*listOut, error) {
			sh, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.List(ctx, order.ListQuery{CustomerID: sh.CustomerID, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &listOut{Body: p}, nil
		})
	huma.Register(api, admin(OrdersRead, "getOrder", http.MethodGet, "/admin/orders/{id}", "Read an order",
		"Reads any order with its lines, totals, payment and refunds.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*orderOut, error) { return out(svc.Get(ctx, in.ID)) })
	huma.Register(api, admin(OrdersWrite, "captureOrder", http.MethodPost, "/admin/orders/{id}/capture", "Capture an order's payment",
		"Captures the authorized payment in full: authorized → paid. A paid order is returned unchanged; another status is 409 order_state; "+
			"an order being canceled is 409 cancel_in_progress, one with a capture or refund running 409 payment_in_progress. "+
			"A provider that does not answer is 503 payment_incomplete: the capture is finished by recovery or by repeating the request. Emits order.paid.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*orderOut, error) {
			return out(svc.Capture(ctx, order.CaptureCommand{OrderID: in.ID}))
		})
	huma.Register(api, admin(OrdersWrite, "cancelOrder", http.MethodPost, "/admin/orders/{id}/cancel", "Cancel an order",
		"Cancels an authorized or paid order: the cancel is recorded first (cancellation.step payment), the payment is voided (or refunded in what remains when captured), "+
			"the order becomes canceled, then the sold units go back on hand (cancellation.step done). A step that fails is 503 (provider_unavailable or cancel_incomplete): "+
			"the cancel is kept and finished by recovery, or by repeating the request. A payment that cannot be voided or refunded gives the cancel up (409, the order is unchanged). "+
			"A canceled order is returned unchanged; one being canceled by another request is 409 cancel_in_progress, one with a capture or refund running 409 payment_in_progress; "+
			"a fulfilled or partially fulfilled order is 409 order_state. "+
			"Emits order.canceled.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*orderOut, error) {
			return out(svc.Cancel(ctx, order.CancelCommand{OrderID: in.ID}))
		})
	huma.Register(api, admin(OrdersRefund, "refundOrder", http.MethodPost, "/admin/orders/{id}/refunds", "Refund an order",
		"Refunds an amount (minor units of the order's currency) of a paid order; a partial refund keeps it paid, the rest makes it refunded. "+
			"More than what remains is 409 refund_exceeds. The Idempotency-Key is required (400 without it): a retry with the key refunds once, the key reused for another amount is 409 idempotency_conflict. "+
			"A capture or refund of the order still running is 409 payment_in_progress. Emits order.refunded.", http.StatusOK),
		func(ctx context.Context, in *refundIn) (*orderOut, error) {
			in.Body.OrderID, in.Body.Key = in.ID, in.Key
			return out(svc.Refund(ctx, in.Body))
		})
	huma.Register(api, admin(OrdersWrite, "fulfillOrder", http.MethodPost, "/admin/orders/{id}/fulfillments", "Fulfill an order",
		"Records a fulfillment (a shipment) of units of a paid order's lines, with an optional tracking number and carrier; with no items, every unit not yet fulfilled. "+
			"The order becomes partially_fulfilled or fulfilled. A line that is not the order's is 400 validation_failed; more units than a line has left is "+
			"409 fulfillment_exceeds (nothing is written); an order that is not paid or partially fulfilled is 409 order_state. Concurrent requests never fulfill a line "+
			"beyond its quantity. Idempotent by Idempotency-Key. Emits order.partially_fulfilled or order.fulfilled.", http.StatusCreated),
		func(ctx context.Context, in *fulfillIn) (*orderOut, error) {
			var cmd order.FulfillCommand
			if in.Body != nil {
				cmd = *in.Body
			}
			cmd.OrderID, cmd.Key = in.ID, in.Key
			return out(svc.Fulfill(ctx, cmd))
		})
	huma.Register(api, admin(OrdersWrite, "recoverCheckouts", http.MethodPost, "/admin/orders/checkouts/recover", "Recover unfinished checkouts",
		"Completes or compensates the checkouts that are still running, and finishes the cancels that have steps left, unchanged for older_than_seconds, "+
			"as the module does at start and periodically.", http.StatusOK),
		func(ctx context.Context, in *recoverIn) (*recoverOut, error) {
			r, err := svc.Recover(ctx, time.Duration(in.OlderThan)*time.Second)
			if err != nil {
				return nil, err
			}
			return &recoverOut{Body: r}, nil
		})
}

// Client is an order.Service over HTTP. All but Checkout and GetForBuyer
// use the admin routes, so the client needs an admin key for them.
type Client struct{ c *httpx.Client }

// NewClient returns a client of the order API at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func orderPath(id, rest string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "order not found")
	}
	return "/admin/orders/" + url.PathEscape(id) + rest, nil
}

func keyHeader(key string) http.Header {
	if key == "" {
		return nil
	}
	return http.Header{"Idempotency-Key": []string{key}}
}

// Checkout implements order.Service.
func (c *Client) Checkout(ctx context.Context, cmd order.CheckoutCommand) (order.CheckoutResult, error) {
	var r order.CheckoutResult
	if cmd.CartID == "" {
		return r, errs.E(errs.NotFound, "not_found", "cart not found")
	}
	_, err := c.c.DoHeader(ctx, http.MethodPost, "/store/carts/"+url.PathEscape(cmd.CartID)+"/checkout", keyHeader(cmd.Key), cmd, &r)
	return r, err
}

// Get implements order.Service.
func (c *Client) Get(ctx context.Context, id string) (order.Order, error) {
	var o order.Order
	p, err := orderPath(id, "")
	if err == nil {
		err = c.c.Do(ctx, http.MethodGet, p, nil, &o)
	}
	return o, err
}

// GetForBuyer implements order.Service.
func (c *Client) GetForBuyer(ctx context.Context, q order.BuyerQuery) (order.Order, error) {
	var o order.Order
	if q.ID == "" {
		return o, errs.E(errs.NotFound, "not_found", "order not found")
	}
	var h http.Header
	if q.AccessToken != "" {
		h = http.Header{"Authorization": []string{"Bearer " + q.AccessToken}}
	}
	_, err := c.c.DoHeader(ctx, http.MethodGet, "/store/orders/"+url.PathEscape(q.ID), h, nil, &o)
	return o, err
}

// List implements order.Service.
func (c *Client) List(ctx context.Context, q order.ListQuery) (order.Page[order.Order], error) {
	v := url.Values{}
	if q.Status != "" {
		v.Set("status", string(q.Status))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.CustomerID != "" {
		v.Set("customer_id", q.CustomerID)
	}
	var p order.Page[order.Order]
	err := c.c.Do(ctx, http.MethodGet, "/admin/orders?"+v.Encode(), nil, &p)
	return p, err
}

func (c *Client) post(ctx context.Context, id, rest, key string, in any) (order.Order, error) {
	var o order.Order
	p, err := orderPath(id, rest)
	if err == nil {
		_, err = c.c.DoHeader(ctx, http.MethodPost, p, keyHeader(key), in, &o)
	}
	return o, err
}

// Capture implements order.Service.
func (c *Client) Capture(ctx context.Context, cmd order.CaptureCommand) (order.Order, error) {
	return c.post(ctx, cmd.OrderID, "/capture", "", nil)
}

// Cancel implements order.Service.
func (c *Client) Cancel(ctx context.Context, cmd order.CancelCommand) (order.Order, error) {
	return c.post(ctx, cmd.OrderID, "/cancel", "", nil)
}

// Refund implements order.Service.
func (c *Client) Refund(ctx context.Context, cmd order.RefundCommand) (order.Order, error) {
	return c.post(ctx, cmd.OrderID, "/refunds", cmd.Key, cmd)
}

// Fulfill implements order.Service.
func (c *Client) Fulfill(ctx context.Context, cmd order.FulfillCommand) (order.Order, error) {
	return c.post(ctx, cmd.OrderID, "/fulfillments", cmd.Key, cmd)
}

// Recover implements order.Service.
func (c *Client) Recover(ctx context.Context, olderThan time.Duration) (order.RecoverResult, error) {
	var r order.RecoverResult
	err := c.c.Do(ctx, http.MethodPost, "/admin/orders/checkouts/recover?older_than_seconds="+strconv.FormatInt(int64(olderThan/time.Second), 10), nil, &r)
	return r, err
}

var _ order.Service = (*Client)(nil)
