package paymentstripe

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
)

// ParseWebhook implements payment.WebhookProvider. It verifies the
// Stripe-Signature header against the endpoint's secret (and that it is
// not older than the tolerance), then reads the event:
//
//	payment_intent.amount_capturable_updated  authorized (when the intent awaits capture)
//	payment_intent.succeeded                  captured, the amount received
//	payment_intent.canceled                   canceled
//	payment_intent.payment_failed             failed, with the decline reason
//	charge.refunded                           refunded: every refund of the intent
//	refund.created, refund.updated,
//	charge.refund.updated                     refunded: that refund
//
// Any other event is ignored. A charge.refunded whose charge does not list
// its refunds (newer API versions) lists them from Stripe.
func (p *Provider) ParseWebhook(ctx context.Context, payload []byte, signature string) (payment.Notification, error) {
	if p.cfg.WebhookSecret == "" {
		return payment.Notification{}, errs.E(errs.Invalid, payment.CodeNoWebhooks, "no Stripe webhook secret is configured")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, signature, p.cfg.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: p.cfg.WebhookTolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return payment.Notification{}, errs.E(errs.Invalid, payment.CodeBadSignature, "the Stripe-Signature header is missing")
	case errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrNoValidSignature):
		return payment.Notification{}, errs.E(errs.Invalid, payment.CodeBadSignature, "the Stripe-Signature header does not sign this payload")
	case errors.Is(err, webhook.ErrTooOld):
		return payment.Notification{}, errs.E(errs.Invalid, payment.CodeBadSignature, "the signature is too old")
	case err != nil:
		return payment.Notification{}, errs.Wrap(err, errs.Invalid, payment.CodeBadWebhook, "the webhook payload is not a Stripe event")
	}
	if ev.ID == "" || ev.Data == nil || len(ev.Data.Raw) == 0 {
		return payment.Notification{}, errs.E(errs.Invalid, payment.CodeBadWebhook, "the webhook payload is not a Stripe event")
	}
	n := payment.Notification{ID: ev.ID, Type: string(ev.Type)}
	bad := func(err error) (payment.Notification, error) {
		return payment.Notification{}, errs.Wrap(err, errs.Invalid, payment.CodeBadWebhook, "the event's object cannot be read")
	}
	switch ev.Type {
	case stripe.EventTypePaymentIntentAmountCapturableUpdated, stripe.EventTypePaymentIntentSucceeded,
		stripe.EventTypePaymentIntentCanceled, stripe.EventTypePaymentIntentPaymentFailed:
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil || pi.ID == "" {
			return bad(err)
		}
		n.ProviderRef, n.Key = pi.ID, pi.Metadata[MetaPaymentKey]
		switch ev.Type {
		case stripe.EventTypePaymentIntentAmountCapturableUpdated:
			if pi.Status == stripe.PaymentIntentStatusRequiresCapture {
				n.Kind = payment.NoteAuthorized
			}
		case stripe.EventTypePaymentIntentSucceeded:
			n.Kind, n.Amount = payment.NoteCaptured, moneyOf(pi.AmountReceived, pi.Currency)
		case stripe.EventTypePaymentIntentCanceled:
			n.Kind = payment.NoteCanceled
		case stripe.EventTypePaymentIntentPaymentFailed:
			n.Kind, n.FailureReason = payment.NoteFailed, "card_declined"
			if pi.LastPaymentError != nil {
				n.FailureReason = declineReason(pi.LastPaymentError)
			}
		}
	case stripe.EventTypeChargeRefunded:
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil || ch.ID == "" {
			return bad(err)
		}
		if ch.PaymentIntent == nil || ch.PaymentIntent.ID == "" {
			return n, nil // a charge made without a PaymentIntent is none of Agora's
		}
		n.Kind, n.ProviderRef = payment.NoteRefunded, ch.PaymentIntent.ID
		if ch.Refunds != nil && !ch.Refunds.HasMore && sumRefunds(ch.Refunds.Data) == ch.AmountRefunded {
			n.Refunds = refundsOf(ch.Refunds.Data)
			return n, nil
		}
		list, err := p.listRefunds(ctx, n.ProviderRef)
		if err != nil {
			return payment.Notification{}, err
		}
		n.Refunds = refundsOf(list)
	case stripe.EventTypeRefundCreated, stripe.EventTypeRefundUpdated, stripe.EventTypeChargeRefundUpdated:
		var r stripe.Refund
		if err := json.Unmarshal(ev.Data.Raw, &r); err != nil || r.ID == "" {
			return bad(err)
		}
		if r.PaymentIntent == nil || r.PaymentIntent.ID == "" {
			return n, nil
		}
		n.Kind, n.ProviderRef, n.Refunds = payment.NoteRefunded, r.PaymentIntent.ID, refundsOf([]*stripe.Refund{&r})
	}
	return n, nil
}

func (p *Provider) listRefunds(ctx context.Context, ref string) ([]*stripe.Refund, error) {
	params := &stripe.RefundListParams{PaymentIntent: stripe.String(ref)}
	params.Limit = stripe.Int64(100)
	var out []*stripe.Refund
	for r, err := range p.client.V1Refunds.List(ctx, params).All(ctx) {
		if err != nil {
			return nil, p.mapErr(ctx, "list refunds", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// counted reports whether a refund moved, or is moving, money back.
func counted(r *stripe.Refund) bool {
	return r != nil && r.Status != stripe.RefundStatusFailed && r.Status != stripe.RefundStatusCanceled
}

func sumRefunds(rs []*stripe.Refund) int64 {
	var n int64
	for _, r := range rs {
		if counted(r) {
			n += r.Amount
		}
	}
	return n
}

func refundsOf(rs []*stripe.Refund) []payment.ProviderRefund {
	out := []payment.ProviderRefund{}
	for _, r := range rs {
		if !counted(r) || r.ID == "" {
			continue
		}
		out = append(out, payment.ProviderRefund{ID: r.ID, Key: r.Metadata[MetaRefundKey], Amount: moneyOf(r.Amount, r.Currency)})
	}
	return out
}

// EventPayload is the JSON of a Stripe event of type typ about object, for
// tests and tools that sign events with webhook.GenerateTestSignedPayload.
func EventPayload(eventID, typ string, object any) ([]byte, error) {
	raw, err := json.Marshal(object)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": eventID, "object": "event", "type": typ, "api_version": stripe.APIVersion, "created": 1,
		"livemode": false, "pending_webhooks": 1, "data": map[string]json.RawMessage{"object": raw},
	})
}
