// Package paymenthttp serves payment.Service over HTTP (Register) and is a
// payment.Service over HTTP (Client). Every route is an admin route but the
// providers' webhooks (POST /webhooks/{provider}), which the providers sign.
package paymenthttp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/svcauth"
)

const tag = "Payments (admin)"

var adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden,
	http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{tag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
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

type webhookIn struct {
	Provider  string `path:"provider" maxLength:"40" doc:"The provider that sends the webhook (stripe)"`
	Signature string `header:"Stripe-Signature" maxLength:"4096" doc:"Stripe's signature of the payload (t=…,v1=…)"`
	RawBody   []byte `contentType:"application/json"`
}

type webhookOut struct{ Body payment.WebhookResult }

const webhookTag = "Payment webhooks"

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
	huma.Register(api, admin(PaymentsRead, "checkPaymentMethod", http.MethodPost, "/admin/payments/check-method", "Check a payment method",
		"Answers 204 when the provider exists and can accept the token, else 400 unknown_provider or invalid_token. Calls no provider network.", http.StatusNoContent),
		func(ctx context.Context, in *checkIn) (*struct{}, error) {
			return nil, svc.CheckMethod(ctx, in.Body)
		})
	huma.Register(api, admin(PaymentsWrite, "authorizePayment", http.MethodPost, "/admin/payments", "Authorize a payment",
		"Authorizes an amount with a provider, idempotent by key. A decline is 402 payment_declined, a provider outage 503 provider_unavailable "+
			"(retry with the same key). Emits payment.authorized.", http.StatusCreated),
		func(ctx context.Context, in *authorizeIn) (*paymentOut, error) {
			return out(svc.Authorize(ctx, in.Body))
		})
	huma.Register(api, admin(PaymentsRead, "getPayment", http.MethodGet, "/admin/payments/{id}", "Read a payment",
		"Reads a payment with its amounts and refunds.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*paymentOut, error) { return out(svc.Get(ctx, in.ID)) })
	huma.Register(api, admin(PaymentsRead, "getPaymentByKey", http.MethodGet, "/admin/payments/by-key/{key}", "Find a payment by its key",
		"Reads the payment an authorization with this idempotency key made; 404 when there is none.", http.StatusOK),
		func(ctx context.Context, in *keyPath) (*paymentOut, error) { return out(svc.GetByKey(ctx, in.Key)) })
	huma.Register(api, admin(PaymentsWrite, "capturePayment", http.MethodPost, "/admin/payments/{id}/capture", "Capture a payment",
		"Captures an authorized payment in full; capturing a captured payment returns it unchanged. Emits payment.captured.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*paymentOut, error) {
			return out(svc.Capture(ctx, payment.CaptureCommand{PaymentID: in.ID, By: svcauth.Acting(ctx)}))
		})
	huma.Register(api, admin(PaymentsWrite, "voidPayment", http.MethodPost, "/admin/payments/{id}/void", "Void a payment",
		"Voids an authorization; voiding a voided payment returns it unchanged, a captured one is 409 payment_state. Emits payment.voided.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*paymentOut, error) {
			return out(svc.Void(ctx, payment.VoidCommand{PaymentID: in.ID, By: svcauth.Acting(ctx)}))
		})
	huma.Register(api, admin(PaymentsRefund, "refundPayment", http.MethodPost, "/admin/payments/{id}/refunds", "Refund a payment",
		"Refunds part or all of a captured payment, idempotent by key; more than what remains is 409 refund_exceeds. Emits payment.refunded.", http.StatusOK),
		func(ctx context.Context, in *refundIn) (*paymentOut, error) {
			in.Body.PaymentID, in.Body.By = in.ID, svcauth.Acting(ctx)
			return out(svc.Refund(ctx, in.Body))
		})
	api.OpenAPI().Tags = append(api.OpenAPI().Tags,
		&huma.Tag{Name: webhookTag, Description: "Notifications that payment providers send about their payments, verified by their signature."})
	huma.Register(api, huma.Operation{
		OperationID: "receivePaymentWebhook", Method: http.MethodPost, Path: "/webhooks/{provider}", Tags: []string{webhookTag},
		Summary: "Receive a provider's webhook",
		Description: "Verifies the provider's signature of the raw payload (Stripe: the Stripe-Signature header and the endpoint's signing secret), " +
			"then applies the event to its payment once: a repeated event id changes nothing. Stripe events applied: " +
			"payment_intent.amount_capturable_updated, payment_intent.succeeded, payment_intent.canceled, payment_intent.payment_failed, " +
			"charge.refunded, refund.created, refund.updated, charge.refund.updated; others are answered 200 and ignored. " +
			"A missing or wrong signature is 400 invalid_signature and changes nothing; a provider without webhooks 400 webhooks_unsupported " +
			"(or unknown_provider); 503 asks the provider to deliver again. Emits payment.authorized, payment.captured, payment.voided or payment.refunded.",
		DefaultStatus: http.StatusOK,
		Errors:        []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable},
		// The payload is read as it is: its signature covers its exact bytes,
		// and the provider checks it before anything reads the JSON.
		SkipValidateBody: true,
	}, func(ctx context.Context, in *webhookIn) (*webhookOut, error) {
		res, err := svc.HandleWebhook(ctx, payment.WebhookCommand{Provider: in.Provider, Payload: in.RawBody, Signature: in.Signature})
		if err != nil {
			return nil, err
		}
		return &webhookOut{Body: res}, nil
	})
}

// Client is a payment.Service over HTTP; it needs an admin key.
type Client struct{ c *httpx.Client }

// NewClient returns a client of the payment API at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func (c *Client) do(ctx context.Context, method, path string, in any) (payment.Payment, error) {
	return c.doBy(ctx, method, path, "", in)
}

// doBy sends a call acting for module by (when set), which a payment that
// module owns requires; the server reads it only from other services.
func (c *Client) doBy(ctx context.Context, method, path, by string, in any) (payment.Payment, error) {
	var p payment.Payment
	var h http.Header
	if by != "" {
		h = http.Header{svcauth.ActingHeader: []string{by}}
	}
	_, err := c.c.DoHeader(ctx, method, path, h, in, &p)
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
	return c.doBy(ctx, http.MethodPost, p, cmd.By, nil)
}

// Void implements payment.Service.
func (c *Client) Void(ctx context.Context, cmd payment.VoidCommand) (payment.Payment, error) {
	p, err := idPathOf(cmd.PaymentID, "/void")
	if err != nil {
		return payment.Payment{}, err
	}
	return c.doBy(ctx, http.MethodPost, p, cmd.By, nil)
}

// Refund implements payment.Service.
func (c *Client) Refund(ctx context.Context, cmd payment.RefundCommand) (payment.Payment, error) {
	p, err := idPathOf(cmd.PaymentID, "/refunds")
	if err != nil {
		return payment.Payment{}, err
	}
	return c.doBy(ctx, http.MethodPost, p, cmd.By, cmd)
}

// HandleWebhook implements payment.Service: it posts the payload as it is
// (the signature covers its exact bytes).
func (c *Client) HandleWebhook(ctx context.Context, cmd payment.WebhookCommand) (payment.WebhookResult, error) {
	if cmd.Provider == "" {
		return payment.WebhookResult{}, errs.E(errs.Invalid, payment.CodeUnknownProvider, "a provider is required")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		strings.TrimRight(c.c.BaseURL, "/")+"/webhooks/"+url.PathEscape(cmd.Provider), bytes.NewReader(cmd.Payload))
	if err != nil {
		return payment.WebhookResult{}, errs.Wrap(err, errs.Invalid, "", "bad request address")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if cmd.Signature != "" {
		req.Header.Set("Stripe-Signature", cmd.Signature)
	}
	if rid := httpx.RequestID(ctx); rid != "" {
		req.Header.Set(httpx.RequestIDHeader, rid)
	}
	hc := c.c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return payment.WebhookResult{}, errs.Wrap(err, errs.Unavailable, "unavailable", "the service is unreachable")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return payment.WebhookResult{}, errs.Wrap(err, errs.Unavailable, "unavailable", "reading the answer failed")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var p httpx.Problem
		kind := httpx.KindOfStatus(resp.StatusCode)
		if json.Unmarshal(data, &p) != nil || p.Code == "" {
			return payment.WebhookResult{}, errs.E(kind, "", "HTTP %d", resp.StatusCode)
		}
		e := errs.E(kind, p.Code, "%s", p.Detail)
		e.Fields = p.Errors
		return payment.WebhookResult{}, e
	}
	var res payment.WebhookResult
	if err := json.Unmarshal(data, &res); err != nil {
		return res, errs.Wrap(err, errs.Internal, "", "decode answer")
	}
	return res, nil
}

var _ payment.Service = (*Client)(nil)
