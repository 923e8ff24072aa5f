// Package testprovider is the built-in "test" payment provider: it behaves
// like a card network's test mode and moves no money.
//
//	tok_visa                authorizes
//	tok_declined            declined: PaymentFailed payment_declined (card_declined)
//	tok_insufficient_funds  declined: PaymentFailed payment_declined (insufficient_funds)
//	tok_error               an outage: Unavailable provider_unavailable
//
// Any other token is Invalid invalid_token. Calls are idempotent by key.
package testprovider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
)

// Name is the provider's name.
const Name = "test"

// The tokens the provider knows.
const (
	TokenVisa              = "tok_visa"
	TokenDeclined          = "tok_declined"
	TokenInsufficientFunds = "tok_insufficient_funds"
	TokenError             = "tok_error"
)

// DeclineReason returns the reason a decline error carries ("" for any
// other error).
func DeclineReason(err error) string {
	if !errs.Is(err, errs.PaymentFailed) {
		return ""
	}
	var e *errs.Error
	if ok := errorsAs(err, &e); ok {
		switch e.Message {
		case msgInsufficient:
			return "insufficient_funds"
		case msgDeclined:
			return "card_declined"
		}
	}
	return "declined"
}

const (
	msgDeclined     = "the card was declined"
	msgInsufficient = "the card was declined: insufficient funds"
)

// Provider is the test provider. The zero value is not usable; use New.
type Provider struct {
	mu    sync.Mutex
	calls map[string]int // calls with effect, by key
}

// New returns a test provider.
func New() *Provider { return &Provider{calls: map[string]int{}} }

// Name implements payment.Provider.
func (p *Provider) Name() string { return Name }

// CheckToken implements payment.Provider.
func (p *Provider) CheckToken(token string) error {
	switch token {
	case TokenVisa, TokenDeclined, TokenInsufficientFunds, TokenError:
		return nil
	}
	return errs.E(errs.Invalid, payment.CodeInvalidToken, "the test provider knows the tokens tok_visa, tok_declined, tok_insufficient_funds and tok_error")
}

// Authorize implements payment.Provider.
func (p *Provider) Authorize(_ context.Context, req payment.ProviderAuthorize) (string, error) {
	if err := p.CheckToken(req.Token); err != nil {
		return "", err
	}
	switch req.Token {
	case TokenDeclined:
		return "", errs.E(errs.PaymentFailed, payment.CodeDeclined, msgDeclined)
	case TokenInsufficientFunds:
		return "", errs.E(errs.PaymentFailed, payment.CodeDeclined, msgInsufficient)
	case TokenError:
		return "", errs.E(errs.Unavailable, payment.CodeUnavailable, "the payment provider is unavailable; try again")
	}
	p.record(req.Key)
	return Ref(req.Key), nil
}

// Ref is the provider reference of the authorization made with key.
func Ref(key string) string {
	h := sha256.Sum256([]byte(key))
	return "test_" + hex.EncodeToString(h[:12])
}

func (p *Provider) record(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[key]++
}

// Calls reports how many times calls with key reached the provider.
func (p *Provider) Calls(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[key]
}

// Capture implements payment.Provider.
func (p *Provider) Capture(_ context.Context, req payment.ProviderCall) error {
	p.record(req.Key)
	return nil
}

// Void implements payment.Provider.
func (p *Provider) Void(_ context.Context, req payment.ProviderCall) error {
	p.record(req.Key)
	return nil
}

// Refund implements payment.Provider.
func (p *Provider) Refund(_ context.Context, req payment.ProviderCall) error {
	p.record(req.Key)
	return nil
}

var _ payment.Provider = (*Provider)(nil)

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }
