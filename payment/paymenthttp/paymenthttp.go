// Package paymenthttp serves payment.Service over HTTP (Register) and is a
// payment.Service over HTTP (Client). Every route is an admin route.
package paymenthttp

import (
	"context"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

const tag = "Payments (admin)"

var adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden,
	http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable}

func admin(id, method, path, summary, description string, status int) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{tag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	}
}

type idPath struct {
	ID string `path:"id" maxLength:"40" doc:"Payment id (pay_…)"`
}

type keyPath struct {
	Key string `path:"key" maxLength:"200" doc:"The authorization's idempotency key"`
}

type paymentOut struct{ Body payment.Payment }

type authorizeIn struct{ Body payment.AuthorizeCommand }

type checkIn struct{ Body payment.CheckMethodQuery }

type refundIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Payment id (pay_…)"`
	Body payment.RefundCommand
}

func out(p payment.Payment, err error) (*paymentOut, error) {
	if err != nil {
		return nil, err
	}
	return &paymentOut{Body: p}, nil
}

// Register adds the payment's admin operations to api.
func Register(api huma.API, svc payment.Service) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags,
		&huma.Tag{Name: tag, Description: "Payments authorized with a provider: reading, authorizing, capturing, voiding and refunding them (secret API key)."})
	huma.Register(api, admin("checkPaymentMethod", http.MethodPost, "/admin/payments/check-method", "Check a payment method",
		"Answers 204 when the provider exists and can accept the token, else 400 unknown_provider or invalid_token. Calls no provider network.", http.StatusNoContent),
		func(ctx context.Context, in *checkIn) (*struct{}, error) {
			return nil, svc.CheckMethod(ctx, in.Body)
		})
	huma.Register(api, admin("authorizePayment", http.MethodPost, "/admin/payments", "Authorize a payment",
		"Authorizes an amount with a provider, idempotent by key. A decline is 402 payment_declined, a provider outage 503 provider_unavailable "+
			"(retry with the same key). Emits payment.authorized.", http.StatusCreated),
		func(ctx context.Context, in *authorizeIn) (*paymentOut, error) {
			return out(svc.Authorize(ctx, in.Body))
		})
	huma.Register(api, admin("getPayment", http.MethodGet, "/admin/payments/{id}", "Read a payment",
		"Reads a payment with its amounts and refunds.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*paymentOut, error) { return out(svc.Get(ctx, in.ID)) })
	huma.Register(api, admin("getPaymentByKey", http.MethodGet, "/admin/payments/by-key/{key}", "Find a payment by its key",
		"Reads the payment an authorization with this idempotency key made; 404 when there is none.", http.StatusOK),
		func(ctx context.Context, in *keyPath) (*paymentOut, error) { return out(svc.GetByKey(ctx, in.Key)) })
	huma.Register(api, admin("capturePayment", http.MethodPost, "/admin/payments/{id}/capture", "Capture a payment",
		"Captures an authorized payment in full; capturing a captured payment returns it unchanged. Emits payment.captured.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*paymentOut, error) {
			return out(svc.Capture(ctx, payment.CaptureCommand{PaymentID: in.ID}))
		})
	huma.Register(api, admin("voidPayment", http.MethodPost, "/admin/payments/{id}/void", "Void a payment",
		"Voids an authorization; voiding a voided payment returns it unchanged, a captured one is 409 payment_state. Emits payment.voided.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*paymentOut, error) {
			return out(svc.Void(ctx, payment.VoidCommand{PaymentID: in.ID}))
		})
	huma.Register(api, admin("refundPayment", http.MethodPost, "/admin/payments/{id}/refunds", "Refund a payment",
		"Refunds part or all of a captured payment, idempotent by key; more than what remains is 409 refund_exceeds. Emits payment.refunded.", http.StatusOK),
		func(ctx context.Context, in *refundIn) (*paymentOut, error) {
			in.Body.PaymentID = in.ID
			return out(svc.Refund(ctx, in.Body))
		})
}

// Client is a payment.Service over HTTP; it needs an admin key.
type Client struct{ c *httpx.Client }

// NewClient returns a client of the payment API at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func (c *Client) do(ctx context.Context, method, path string, in any) (payment.Payment, error) {
	var p payment.Payment
	err := c.c.Do(ctx, method, path, in, &p)
	return p, err
}

func idPathOf(id, rest string) (string, error) {
	if id == "" {
		return "", errs.E(errs.NotFound, "not_found", "payment not found")
	}
	return "/admin/payments/" + url.PathEscape(id) + rest, nil
}

// CheckMethod implements payment.Service.
func (c *Client) CheckMethod(ctx context.Context, q payment.CheckMethodQuery) error {
	return c.c.Do(ctx, http.MethodPost, "/admin/payments/check-method", q, nil)
}

// Authorize implements payment.Service.
func (c *Client) Authorize(ctx context.Context, cmd payment.AuthorizeCommand) (payment.Payment, error) {
	return c.do(ctx, http.MethodPost, "/admin/payments", cmd)
}

// Get implements payment.Service.
func (c *Client) Get(ctx context.Context, id string) (payment.Payment, error) {
	p, err := idPathOf(id, "")
	if err != nil {
		return payment.Payment{}, err
	}
	return c.do(ctx, http.MethodGet, p, nil)
}

// GetByKey implements payment.Service.
func (c *Client) GetByKey(ctx context.Context, key string) (payment.Payment, error) {
	if key == "" {
		return payment.Payment{}, errs.E(errs.NotFound, "not_found", "payment not found")
	}
	return c.do(ctx, http.MethodGet, "/admin/payments/by-key/"+url.PathEscape(key), nil)
}

// Capture implements payment.Service.
func (c *Client) Capture(ctx context.Context, cmd payment.CaptureCommand) (payment.Payment, error) {
	p, err := idPathOf(cmd.PaymentID, "/capture")
	if err != nil {
		return payment.Payment{}, err
	}
	return c.do(ctx, http.MethodPost, p, nil)
}

// Void implements payment.Service.
func (c *Client) Void(ctx context.Context, cmd payment.VoidCommand) (payment.Payment, error) {
	p, err := idPathOf(cmd.PaymentID, "/void")
	if err != nil {
		return payment.Payment{}, err
	}
	return c.do(ctx, http.MethodPost, p, nil)
}

// Refund implements payment.Service.
func (c *Client) Refund(ctx context.Context, cmd payment.RefundCommand) (payment.Payment, error) {
	p, err := idPathOf(cmd.PaymentID, "/refunds")
	if err != nil {
		return payment.Payment{}, err
	}
	return c.do(ctx, http.MethodPost, p, cmd)
}

var _ payment.Service = (*Client)(nil)
