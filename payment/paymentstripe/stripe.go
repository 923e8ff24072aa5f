// Package paymentstripe is the "stripe" payment provider: a
// payment.WebhookProvider on Stripe's official Go SDK.
//
// An authorization is a PaymentIntent created and confirmed in one call
// with manual capture and the buyer's PaymentMethod (pm_…, e.g.
// pm_card_visa in test mode); capture, void and refund are the
// PaymentIntent's capture and cancel and a Refund of it. Every call carries
// a Stripe idempotency key derived from the call's key (the payment and the
// operation), so a retry never repeats a charge. Errors are mapped to
// Agora's kinds: a card decline is PaymentFailed payment_declined with its
// reason, a network failure, a 5xx or a rate limit Unavailable
// provider_unavailable, a request Stripe refuses as invalid Invalid
// provider_rejected.
//
// Webhooks are verified with the SDK's webhook package against the
// endpoint's signing secret and turned into payment.Notifications.
package paymentstripe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v86"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
)

// Name is the provider's name.
const Name = "stripe"

// Metadata keys Agora sets on Stripe objects.
const (
	// MetaPaymentKey on a PaymentIntent is the authorization's key.
	MetaPaymentKey = "agora_payment_key"
	// MetaRefundKey on a Refund is the key of the refund call.
	MetaRefundKey = "agora_refund_key"
)

// Config configures the provider.
type Config struct {
	// SecretKey is the Stripe secret API key (sk_live_…, sk_test_…). Required.
	SecretKey string
	// APIURL is the base URL of the API; empty: Stripe's. A stripe-mock
	// URL in tests.
	APIURL string
	// WebhookSecret is the webhook endpoint's signing secret (whsec_…);
	// empty: webhooks are refused.
	WebhookSecret string
	// WebhookTolerance is how old a signed webhook may be.
	WebhookTolerance time.Duration
	// Timeout bounds one HTTP request to Stripe.
	Timeout time.Duration
	// MaxNetworkRetries is how often the SDK retries a request that
	// failed on the network or with a retryable answer (same idempotency
	// key).
	MaxNetworkRetries int64
	// HTTPClient, when set, replaces the default client (Timeout is then
	// the client's).
	HTTPClient *http.Client
}

// DefaultConfig returns a configuration without keys: a 30 s timeout, two
// network retries and a five-minute webhook tolerance.
func DefaultConfig() Config {
	return Config{Timeout: 30 * time.Second, MaxNetworkRetries: 2, WebhookTolerance: 5 * time.Minute}
}

// Provider is the Stripe payment provider.
type Provider struct {
	cfg    Config
	client *stripe.Client
	log    *slog.Logger
}

// New returns the provider; cfg.SecretKey is required.
func New(cfg Config, log *slog.Logger) (*Provider, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("paymentstripe: a secret key is required")
	}
	def := DefaultConfig()
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.WebhookTolerance <= 0 {
		cfg.WebhookTolerance = def.WebhookTolerance
	}
	if cfg.MaxNetworkRetries < 0 {
		cfg.MaxNetworkRetries = 0
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	bc := &stripe.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: stripe.Int64(cfg.MaxNetworkRetries),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.APIURL != "" {
		bc.URL = stripe.String(strings.TrimRight(cfg.APIURL, "/"))
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, bc),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, bc),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, bc),
	}
	return &Provider{cfg: cfg, client: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(backends)), log: log}, nil
}

// Name implements payment.Provider.
func (p *Provider) Name() string { return Name }

var tokenRE = regexp.MustCompile(`^pm_[A-Za-z0-9_]{1,195}$`)

// CheckToken implements payment.Provider: a token is a PaymentMethod id
// (pm_…).
func (p *Provider) CheckToken(token string) error {
	if !tokenRE.MatchString(token) {
		return errs.E(errs.Invalid, payment.CodeInvalidToken, "the stripe provider takes a PaymentMethod id (pm_…, e.g. pm_card_visa in test mode)")
	}
	return nil
}

// IdempotencyKey is the Stripe idempotency key of an operation ("authorize",
// "capture", "void", "refund") made with Agora's key: "agora:<op>:<key>",
// hashed when longer than Stripe's 255 characters.
func IdempotencyKey(op, key string) string {
	k := "agora:" + op + ":" + key
	if len(k) <= 255 {
		return k
	}
	h := sha256.Sum256([]byte(key))
	return "agora:" + op + ":sha256:" + hex.EncodeToString(h[:])
}

// Authorize implements payment.Provider: it creates and confirms a
// PaymentIntent with manual capture and returns its id.
func (p *Provider) Authorize(ctx context.Context, req payment.ProviderAuthorize) (string, error) {
	if err := p.CheckToken(req.Token); err != nil {
		return "", err
	}
	pi, err := p.createIntent(ctx, req)
	if err != nil {
		return "", err
	}
	return authorized(pi)
}

func (p *Provider) createIntent(ctx context.Context, req payment.ProviderAuthorize) (*stripe.PaymentIntent, error) {
	params := &stripe.PaymentIntentCreateParams{
		Amount:                stripe.Int64(req.Amount.Amount),
		Currency:              stripe.String(strings.ToLower(req.Amount.Currency)),
		CaptureMethod:         stripe.String(string(stripe.PaymentIntentCaptureMethodManual)),
		Confirm:               stripe.Bool(true),
		ErrorOnRequiresAction: stripe.Bool(true),
		PaymentMethod:         stripe.String(req.Token),
		PaymentMethodTypes:    stripe.StringSlice([]string{"card"}),
		Metadata:              map[string]string{MetaPaymentKey: req.Key},
	}
	params.IdempotencyKey = stripe.String(IdempotencyKey("authorize", req.Key))
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return nil, p.mapErr(ctx, "authorize", err)
	}
	return pi, nil
}

// authorized reads the outcome of a confirmed PaymentIntent: held
// (requires_capture) or already taken is an authorization; anything else
// is a decline (Stripe answers a card decline with an error instead).
func authorized(pi *stripe.PaymentIntent) (string, error) {
	switch pi.Status {
	case stripe.PaymentIntentStatusRequiresCapture, stripe.PaymentIntentStatusSucceeded, stripe.PaymentIntentStatusProcessing:
		return pi.ID, nil
	case stripe.PaymentIntentStatusRequiresAction:
		return "", payment.Declined("authentication_required", "the card needs an authentication the checkout cannot perform")
	}
	reason := "card_declined"
	if e := pi.LastPaymentError; e != nil {
		reason = declineReason(e)
	}
	return "", payment.Declined(reason, "the card was declined: "+reason)
}

// Capture implements payment.Provider: it captures the amount of the call.
func (p *Provider) Capture(ctx context.Context, req payment.ProviderCall) error {
	if req.ProviderRef == "" {
		return errs.E(errs.Conflict, payment.CodeState, "the authorization has no Stripe PaymentIntent to capture")
	}
	params := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(req.Amount.Amount)}
	params.IdempotencyKey = stripe.String(IdempotencyKey("capture", req.Key))
	_, err := p.client.V1PaymentIntents.Capture(ctx, req.ProviderRef, params)
	if intentIs(err, stripe.PaymentIntentStatusSucceeded) {
		return nil // captured already (e.g. from Stripe's dashboard)
	}
	return p.mapErr(ctx, "capture", err)
}

// intentIs reports whether err is Stripe's refusal of a PaymentIntent
// operation because the intent already is in status.
func intentIs(err error, status stripe.PaymentIntentStatus) bool {
	var se *stripe.Error
	return errors.As(err, &se) && se.Code == stripe.ErrorCodePaymentIntentUnexpectedState && se.PaymentIntent != nil &&
		se.PaymentIntent.Status == status
}

// Void implements payment.Provider: it cancels the PaymentIntent. Without
// a reference (the authorization's outcome was never recorded) it looks
// the PaymentIntent up by the authorization key it carries; when Stripe
// knows none, nothing is held and there is nothing to void. Stripe's search
// can lag a new PaymentIntent by about a minute; an authorization it misses
// is released by Stripe when it expires.
func (p *Provider) Void(ctx context.Context, req payment.ProviderCall) error {
	refs := []string{req.ProviderRef}
	if req.ProviderRef == "" {
		found, err := p.findByKey(ctx, req.AuthKey)
		if err != nil {
			return err
		}
		refs = found
	}
	for _, ref := range refs {
		params := &stripe.PaymentIntentCancelParams{}
		params.IdempotencyKey = stripe.String(IdempotencyKey("void", req.Key))
		_, err := p.client.V1PaymentIntents.Cancel(ctx, ref, params)
		if intentIs(err, stripe.PaymentIntentStatusCanceled) {
			continue // canceled already (e.g. from Stripe's dashboard)
		}
		if err != nil {
			return p.mapErr(ctx, "void", err)
		}
	}
	return nil
}

func (p *Provider) findByKey(ctx context.Context, key string) ([]string, error) {
	if key == "" {
		return nil, nil
	}
	params := &stripe.PaymentIntentSearchParams{}
	params.Query = "metadata['" + MetaPaymentKey + "']:'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(key) + "'"
	var refs []string
	for pi, err := range p.client.V1PaymentIntents.Search(ctx, params).All(ctx) {
		if err != nil {
			return nil, p.mapErr(ctx, "void", err)
		}
		if pi.Metadata[MetaPaymentKey] == key && pi.Status != stripe.PaymentIntentStatusCanceled {
			refs = append(refs, pi.ID)
		}
	}
	return refs, nil
}

// Refund implements payment.Provider: a Refund of the PaymentIntent for
// the amount of the call, carrying the call's key in its metadata.
func (p *Provider) Refund(ctx context.Context, req payment.ProviderCall) error {
	if req.ProviderRef == "" {
		return errs.E(errs.Conflict, payment.CodeState, "the payment has no Stripe PaymentIntent to refund")
	}
	params := &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(req.ProviderRef),
		Amount:        stripe.Int64(req.Amount.Amount),
	}
	params.Metadata = map[string]string{MetaRefundKey: req.Key}
	params.IdempotencyKey = stripe.String(IdempotencyKey("refund", req.Key))
	_, err := p.client.V1Refunds.Create(ctx, params)
	return p.mapErr(ctx, "refund", err)
}

// declineReason is the most precise reason a Stripe error gives.
func declineReason(e *stripe.Error) string {
	switch {
	case e.DeclineCode != "":
		return string(e.DeclineCode)
	case e.Code != "":
		return string(e.Code)
	}
	return "card_declined"
}

// mapErr maps an SDK error to Agora's kinds; internal detail goes to the
// log only.
func (p *Provider) mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if !errors.As(err, &se) {
		p.log.WarnContext(ctx, "stripe call failed", "op", op, "err", err)
		return errs.Wrap(err, errs.Unavailable, payment.CodeUnavailable, "the payment provider is unreachable; try again")
	}
	p.log.WarnContext(ctx, "stripe refused a call", "op", op, "status", se.HTTPStatusCode, "type", se.Type, "code", se.Code,
		"decline_code", se.DeclineCode, "request_id", se.RequestID)
	switch {
	case se.Type == stripe.ErrorTypeCard:
		reason := declineReason(se)
		return payment.Declined(reason, "the card was declined: "+reason)
	case se.HTTPStatusCode >= 500, se.HTTPStatusCode == http.StatusTooManyRequests, se.Type == stripe.ErrorTypeAPI,
		se.Type == stripe.ErrorTypeRateLimit, se.Code == stripe.ErrorCodeLockTimeout, se.Code == stripe.ErrorCodeIdempotencyKeyInUse:
		return errs.Wrap(err, errs.Unavailable, payment.CodeUnavailable, "the payment provider is unavailable; try again")
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		// Agora's key is wrong or lacks a permission: not the caller's fault
		// and not fixed by a retry of theirs, but an operator can fix it.
		return errs.Wrap(err, errs.Unavailable, payment.CodeUnavailable, "the payment provider refused Agora's credentials")
	case se.Type == stripe.ErrorTypeIdempotency:
		return errs.Wrap(err, errs.Conflict, payment.CodeKeyConflict, "the provider saw this key with a different request")
	case se.Code == stripe.ErrorCodePaymentIntentUnexpectedState || se.Code == stripe.ErrorCodeChargeAlreadyCaptured ||
		se.Code == stripe.ErrorCodeChargeAlreadyRefunded || se.Code == stripe.ErrorCodeChargeExpiredForCapture:
		return errs.Wrap(err, errs.Conflict, payment.CodeState, "the provider's payment is in a state that forbids this")
	}
	msg := "the payment provider refused the request"
	if se.Code != "" {
		msg += ": " + string(se.Code)
	}
	return errs.Wrap(err, errs.Invalid, payment.CodeRejected, msg)
}

func moneyOf(amount int64, currency stripe.Currency) money.Money {
	return money.Money{Amount: amount, Currency: strings.ToUpper(string(currency))}
}

var _ payment.WebhookProvider = (*Provider)(nil)
