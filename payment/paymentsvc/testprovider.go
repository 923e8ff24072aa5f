package paymentsvc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
)

// TestProviderName is the test provider's name.
const TestProviderName = "test"

// The tokens the provider knows.
const (
	TokenVisa              = "tok_visa"
	TokenDeclined          = "tok_declined"
	TokenInsufficientFunds = "tok_insufficient_funds"
	TokenError             = "tok_error"
)

const (
	msgDeclined     = "the card was declined"
	msgInsufficient = "the card was declined: insufficient funds"
)

// TestProvider is the built-in "test" payment provider: it behaves like a
// card network's test mode and moves no money.
//
//	tok_visa                authorizes
//	tok_declined            declined: PaymentFailed payment_declined (card_declined)
//	tok_insufficient_funds  declined: PaymentFailed payment_declined (insufficient_funds)
//	tok_error               an outage: Unavailable provider_unavailable
//
// Any other token is Invalid invalid_token. Calls are idempotent by key.
type TestProvider struct {
	mu    sync.Mutex
	calls map[string]int // calls with effect, by key
}

// NewTestProvider returns a test provider.
func NewTestProvider() *TestProvider { return &TestProvider{calls: map[string]int{}} }

// Name implements payment.Provider.
func (p *TestProvider) Name() string { return TestProviderName }

// CheckToken implements payment.Provider.
func (p *TestProvider) CheckToken(token string) error {
	switch token {
	case TokenVisa, TokenDeclined, TokenInsufficientFunds, TokenError:
		return nil
	}
	return errs.E(errs.Invalid, payment.CodeInvalidToken, "the test provider knows the tokens tok_visa, tok_declined, tok_insufficient_funds and tok_error")
}

// Authorize implements payment.Provider.
func (p *TestProvider) Authorize(_ context.Context, req payment.ProviderAuthorize) (string, error) {
	if err := p.CheckToken(req.Token); err != nil {
		return "", err
	}
	switch req.Token {
	case TokenDeclined:
		return "", payment.Declined("card_declined", msgDeclined)
	case TokenInsufficientFunds:
		return "", payment.Declined("insufficient_funds", msgInsufficient)
	case TokenError:
		return "", errs.E(errs.Unavailable, payment.CodeUnavailable, "the payment provider is unavailable; try again")
	}
	p.record(req.Key)
	return TestRef(req.Key), nil
}

// TestRef is the test provider reference of the authorization made with key.
func TestRef(key string) string {
	h := sha256.Sum256([]byte(key))
	return "test_" + hex.EncodeToString(h[:12])
}

func (p *TestProvider) record(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[key]++
}

// Calls reports how many times calls with key reached the provider.
func (p *TestProvider) Calls(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[key]
}

// Capture implements payment.Provider.
func (p *TestProvider) Capture(_ context.Context, req payment.ProviderCall) error {
	p.record(req.Key)
	return nil
}

// Void implements payment.Provider.
func (p *TestProvider) Void(_ context.Context, req payment.ProviderCall) error {
	p.record(req.Key)
	return nil
}

// Refund implements payment.Provider.
func (p *TestProvider) Refund(_ context.Context, req payment.ProviderCall) error {
	p.record(req.Key)
	return nil
}

var _ payment.Provider = (*TestProvider)(nil)
