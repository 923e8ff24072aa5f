// Package payment is the contract of Agora's payment module.
//
// Payment owns payments: an amount authorized with a payment provider for
// a reference (a checkout), then captured, voided or refunded, and the
// provider adapters that talk to card networks. It does not own orders
// (order does) and it calls no other module.
//
// # Providers
//
// A Provider is an adapter to a payment service. Every provider call
// carries an idempotency key, so a retried call never charges twice, and no
// provider call is ever made inside a database transaction: the service
// records its intent, calls the provider, then records the outcome. The
// built-in provider "test" (package paymentsvc) behaves like a card
// network's test mode: tok_visa authorizes, tok_declined is declined,
// tok_insufficient_funds is declined with the reason insufficient_funds,
// tok_error fails like an outage (Unavailable: retrying may succeed). The
// provider "stripe" (package paymentstripe) is configured when a Stripe
// secret key is.
//
// # Webhooks
//
// A provider that implements WebhookProvider sends signed notifications
// (POST /webhooks/{provider}). HandleWebhook verifies the signature, handles
// each provider event id at most once (durably, in the same transaction as
// its effect), and applies what the event says happened to the payment:
// authorized, captured, canceled, failed or refunded, emitting the same
// events as the matching operation.
//
// # Lifecycle
//
//	pending → authorized → captured → partially_refunded → refunded
//	                    ↘ voided
//	pending → failed (declined)
//
// Events emitted (through the module's outbox; data: the Payment):
// payment.authorized, payment.captured, payment.voided, payment.refunded.
// It consumes no events.
package payment

import (
	"context"
	"errors"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name: its tables are prefixed "payment_", its
// events come from "agora/payment".
const Module = "payment"

// Event types.
const (
	EventAuthorized = "payment.authorized"
	EventCaptured   = "payment.captured"
	EventVoided     = "payment.voided"
	EventRefunded   = "payment.refunded"
)

// Status of a payment.
type Status string

// Statuses.
const (
	Pending           Status = "pending"
	Authorized        Status = "authorized"
	Captured          Status = "captured"
	Voided            Status = "voided"
	Refunded          Status = "refunded"
	PartiallyRefunded Status = "partially_refunded"
	Failed            Status = "failed"
)

// Stable error codes (besides validation_failed and not_found).
const (
	CodeDeclined        = "payment_declined"     // PaymentFailed: the provider declined
	CodeUnknownProvider = "unknown_provider"     // Invalid: no such provider
	CodeInvalidToken    = "invalid_token"        // Invalid: the provider does not know the token
	CodeUnavailable     = "provider_unavailable" // Unavailable: the provider failed; retry later
	CodeState           = "payment_state"        // Conflict: the payment's status forbids the operation
	CodeInProgress      = "payment_in_progress"  // Conflict: a capture or void of the payment is running
	CodeRefundExceeds   = "refund_exceeds"       // Conflict: more than the captured amount less refunds
	CodeKeyConflict     = "idempotency_conflict" // Conflict: a key reused for a different request
	CodeOwned           = "payment_owned"        // Conflict: the payment is settled through the module that owns it
	CodeRejected        = "provider_rejected"    // Invalid: the provider refused the request as invalid
	CodeBadSignature    = "invalid_signature"    // Invalid: a webhook without a valid signature
	CodeBadWebhook      = "invalid_webhook"      // Invalid: a signed webhook whose payload cannot be read
	CodeNoWebhooks      = "webhooks_unsupported" // Invalid: the provider sends no webhooks, or none are configured
)

// Limits.
const (
	MaxKey   = 200
	MaxToken = 200
)

// Refund is one refund of a payment.
type Refund struct {
	Key       string      `json:"key" doc:"The refund's idempotency key"`
	Amount    money.Money `json:"amount"`
	CreatedAt time.Time   `json:"created_at"`
}

// Payment is an amount authorized with a provider.
type Payment struct {
	ID  string `json:"id" doc:"Payment id (pay_…)"`
	Key string `json:"key" doc:"The authorization's idempotency key"`
	// Reference is what the payment is for (a checkout id).
	Reference string `json:"reference"`
	// Owner is the module that settles the payment ("order" for a
	// checkout's): only its calls capture, void or refund it, so that the
	// order it belongs to always knows what it holds.
	Owner    string `json:"owner,omitempty" doc:"The module that captures, voids and refunds this payment (order: through /admin/orders/{id}); empty when any caller may"`
	Provider string `json:"provider"`
	// ProviderRef is the provider's id of the authorization.
	ProviderRef string      `json:"provider_ref,omitempty"`
	Status      Status      `json:"status" enum:"pending,authorized,captured,voided,refunded,partially_refunded,failed"`
	Amount      money.Money `json:"amount" doc:"Amount authorized"`
	Captured    money.Money `json:"captured" doc:"Amount captured"`
	Refunded    money.Money `json:"refunded" doc:"Amount refunded"`
	Refunds     []Refund    `json:"refunds"`
	// FailureReason says why a failed payment was declined
	// (card_declined, insufficient_funds).
	FailureReason string `json:"failure_reason,omitempty"`
	// Operation is the capture or void sent to the provider and not yet
	// recorded: set before the call, cleared with its result, so that an
	// authorization is never both captured and voided.
	Operation string    `json:"operation,omitempty" enum:"capture,void" doc:"The capture or void in flight (absent when none)"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AuthorizeCommand authorizes Amount with Provider for Token.
type AuthorizeCommand struct {
	// Key makes the call idempotent: a retry with the same key returns the
	// first payment (and retries the provider when it had failed like an
	// outage). Required.
	Key       string `json:"key" minLength:"1" maxLength:"200"`
	Reference string `json:"reference,omitempty" maxLength:"200"`
	// Owner, set by a module that authorizes payments for its own
	// records, makes the payment settled by that module only.
	Owner    string      `json:"owner,omitempty" maxLength:"40" pattern:"^[a-z]+$" doc:"The module that alone will capture, void and refund the payment (order for a checkout's); empty: any caller"`
	Provider string      `json:"provider" minLength:"1" maxLength:"40"`
	Token    string      `json:"token" minLength:"1" maxLength:"200"`
	Amount   money.Money `json:"amount"`
}

// CheckMethodQuery asks whether a provider and token can be used at all,
// without calling the provider's network.
type CheckMethodQuery struct {
	Provider string `json:"provider"`
	Token    string `json:"token"`
}

// CaptureCommand captures an authorized payment in full.
type CaptureCommand struct {
	PaymentID string `json:"-"`
	// By is the module that asks; a payment with an Owner is settled only
	// when By is its owner (Conflict payment_owned otherwise).
	By string `json:"-"`
}

// VoidCommand voids an authorization.
type VoidCommand struct {
	PaymentID string `json:"-"`
	By        string `json:"-"`
}

// RefundCommand refunds part or all of a captured payment.
type RefundCommand struct {
	PaymentID string `json:"-"`
	By        string `json:"-"`
	// Key makes the refund idempotent. Required.
	Key    string      `json:"key" minLength:"1" maxLength:"200"`
	Amount money.Money `json:"amount"`
}

// Service is the payment module. Errors: Invalid (validation_failed,
// unknown_provider, invalid_token), NotFound (not_found), PaymentFailed
// (payment_declined), Unavailable (provider_unavailable), Conflict
// (payment_state, refund_exceeds, idempotency_conflict). Every operation
// is idempotent: repeating it returns the payment as it is.
type Service interface {
	// CheckMethod reports Invalid when the provider or token cannot be
	// used; it calls no provider network.
	CheckMethod(ctx context.Context, q CheckMethodQuery) error
	Authorize(ctx context.Context, cmd AuthorizeCommand) (Payment, error)
	Get(ctx context.Context, id string) (Payment, error)
	// GetByKey finds the payment an Authorize with key made (NotFound if
	// none).
	GetByKey(ctx context.Context, key string) (Payment, error)
	// Capture: authorized → captured (captured: unchanged).
	Capture(ctx context.Context, cmd CaptureCommand) (Payment, error)
	// Void: pending or authorized → voided (voided or failed: unchanged).
	Void(ctx context.Context, cmd VoidCommand) (Payment, error)
	// Refund: captured or partially_refunded → partially_refunded or
	// refunded.
	Refund(ctx context.Context, cmd RefundCommand) (Payment, error)
	// HandleWebhook verifies and applies a provider's webhook. Errors:
	// Invalid (unknown_provider, webhooks_unsupported, invalid_signature,
	// invalid_webhook), Unavailable (retry: the delivery is not recorded).
	// A repeated event id changes nothing (outcome duplicate).
	HandleWebhook(ctx context.Context, cmd WebhookCommand) (WebhookResult, error)
}

// ProviderAuthorize is an authorization request to a provider.
type ProviderAuthorize struct {
	Key    string
	Token  string
	Amount money.Money
}

// ProviderCall is a capture, void or refund of an authorization at a
// provider.
type ProviderCall struct {
	Key string
	// AuthKey is the key of the authorization; ProviderRef its provider
	// reference (empty when the outcome of the authorization is unknown).
	AuthKey     string
	ProviderRef string
	Amount      money.Money
}

// Provider is an adapter to a payment service. Every call is idempotent by
// its key. Authorize returns the provider's reference of the
// authorization; a decline is PaymentFailed payment_declined (built with
// Declined, so that its reason is kept), an outage Unavailable.
type Provider interface {
	Name() string
	// CheckToken reports Invalid invalid_token for a token the provider
	// can never accept, without a network call.
	CheckToken(token string) error
	Authorize(ctx context.Context, req ProviderAuthorize) (string, error)
	Capture(ctx context.Context, req ProviderCall) error
	Void(ctx context.Context, req ProviderCall) error
	Refund(ctx context.Context, req ProviderCall) error
}

// Declined returns the PaymentFailed payment_declined error of a provider's
// decline: reason is the provider's short reason (card_declined,
// insufficient_funds, expired_card, …), message what the buyer is told.
func Declined(reason, message string) error {
	if reason == "" {
		reason = "card_declined"
	}
	return &declineError{reason: reason, err: errs.E(errs.PaymentFailed, CodeDeclined, "%s", message)}
}

type declineError struct {
	reason string
	err    *errs.Error
}

func (d *declineError) Error() string { return d.err.Error() }
func (d *declineError) Unwrap() error { return d.err }

// DeclineReason reports the reason of a decline made with Declined, and
// card_declined for any other error.
func DeclineReason(err error) string {
	var d *declineError
	if errors.As(err, &d) {
		return d.reason
	}
	return "card_declined"
}

// NotificationKind is what a provider's notification says happened.
type NotificationKind string

// Kinds of notification. Ignored is an event the module does not act on.
const (
	NoteIgnored    NotificationKind = ""
	NoteAuthorized NotificationKind = "authorized" // the amount is held: pending → authorized
	NoteCaptured   NotificationKind = "captured"   // the amount was taken: pending or authorized → captured
	NoteCanceled   NotificationKind = "canceled"   // the authorization was canceled: pending or authorized → voided
	NoteFailed     NotificationKind = "failed"     // the authorization failed: pending → failed
	NoteRefunded   NotificationKind = "refunded"   // money went back: the refunds listed are recorded once each
)

// ProviderRefund is a refund a provider reports.
type ProviderRefund struct {
	// ID is the provider's id of the refund.
	ID string
	// Key is the idempotency key Agora made the refund with (the
	// ProviderCall key), empty for a refund made outside Agora.
	Key    string
	Amount money.Money
}

// Notification is a provider's webhook event, its signature verified.
type Notification struct {
	// ID is the provider's event id: an event is handled at most once.
	ID string
	// Type is the provider's event type (payment_intent.succeeded, …).
	Type string
	Kind NotificationKind
	// ProviderRef is the provider's reference of the authorization.
	ProviderRef string
	// Key is the authorization key when the provider echoes it back.
	Key string
	// Amount is the amount captured (NoteCaptured).
	Amount money.Money
	// FailureReason says why an authorization failed (NoteFailed).
	FailureReason string
	// Refunds are every refund of the authorization so far (NoteRefunded).
	Refunds []ProviderRefund
}

// WebhookProvider is a Provider that sends signed webhooks.
type WebhookProvider interface {
	Provider
	// ParseWebhook verifies payload's signature and reads the event. A
	// missing or wrong signature is Invalid invalid_signature, a payload it
	// cannot read Invalid invalid_webhook, no configured secret Invalid
	// webhooks_unsupported. It may call the provider to complete the event
	// (never inside a transaction).
	ParseWebhook(ctx context.Context, payload []byte, signature string) (Notification, error)
}

// WebhookCommand is one webhook delivery of a provider.
type WebhookCommand struct {
	Provider  string
	Payload   []byte
	Signature string
}

// Outcomes of a webhook.
const (
	OutcomeApplied   = "applied"   // the payment changed
	OutcomeUnchanged = "unchanged" // the payment already was in that state
	OutcomeDuplicate = "duplicate" // the event was handled before
	OutcomeIgnored   = "ignored"   // not an event the module acts on, or not a payment of Agora
)

// WebhookResult says what a webhook did.
type WebhookResult struct {
	EventID   string `json:"event_id" doc:"The provider's event id"`
	Type      string `json:"type" doc:"The provider's event type"`
	Outcome   string `json:"outcome" enum:"applied,unchanged,duplicate,ignored"`
	PaymentID string `json:"payment_id,omitempty" doc:"The payment the event is about, when it is one of Agora's"`
}
