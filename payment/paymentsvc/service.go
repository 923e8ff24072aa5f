// Package paymentsvc implements payment.Service over a private Store and
// the configured providers.
package paymentsvc

import (
	"context"
	"log/slog"
	"time"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
)

// Service implements payment.Service.
type Service struct {
	store     Store
	providers map[string]payment.Provider
	log       *slog.Logger
	now       func() time.Time
}

// New returns the payment service over store with providers.
func New(store Store, providers []payment.Provider, log *slog.Logger, now func() time.Time) *Service {
	m := map[string]payment.Provider{}
	for _, p := range providers {
		m[p.Name()] = p
	}
	return &Service{store: store, providers: m, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "payment not found") }

func (s *Service) events(typ string, p payment.Payment) ([]event.Event, error) {
	e, err := event.New(payment.Module, typ, p.ID, p, s.now())
	if err != nil {
		return nil, err
	}
	return []event.Event{e}, nil
}

func (s *Service) provider(name string) (payment.Provider, error) {
	p, ok := s.providers[name]
	if !ok {
		return nil, errs.E(errs.Invalid, payment.CodeUnknownProvider, "unknown payment provider %q", name)
	}
	return p, nil
}

// CheckMethod implements payment.Service.
func (s *Service) CheckMethod(_ context.Context, q payment.CheckMethodQuery) error {
	var v errs.Validator
	v.Check(q.Provider != "", "provider", "is required")
	v.Check(q.Token != "" && len(q.Token) <= payment.MaxToken, "token", "is required (at most %d characters)", payment.MaxToken)
	if err := v.Err(); err != nil {
		return err
	}
	p, err := s.provider(q.Provider)
	if err != nil {
		return err
	}
	return p.CheckToken(q.Token)
}

// declined is the error of a payment that failed with reason.
func declined(reason string) error {
	switch reason {
	case "insufficient_funds":
		return payment.Declined(reason, msgInsufficient)
	case "card_declined", "":
		return payment.Declined("card_declined", msgDeclined)
	}
	return payment.Declined(reason, msgDeclined+": "+reason)
}

// Authorize implements payment.Service.
func (s *Service) Authorize(ctx context.Context, cmd payment.AuthorizeCommand) (payment.Payment, error) {
	var v errs.Validator
	v.Check(cmd.Key != "" && len(cmd.Key) <= payment.MaxKey, "key", "is required (at most %d characters)", payment.MaxKey)
	v.Check(len(cmd.Reference) <= payment.MaxKey, "reference", "is at most %d characters", payment.MaxKey)
	if err := money.Validate(cmd.Amount, false); err != nil {
		v.Add("amount", "must be a non-negative amount in a known currency")
	}
	if err := v.Err(); err != nil {
		return payment.Payment{}, err
	}
	if err := s.CheckMethod(ctx, payment.CheckMethodQuery{Provider: cmd.Provider, Token: cmd.Token}); err != nil {
		return payment.Payment{}, err
	}
	prov, _ := s.provider(cmd.Provider)
	p, err := s.store.GetByKey(ctx, cmd.Key)
	switch {
	case err == nil:
		if p.Provider != cmd.Provider || p.Amount != cmd.Amount {
			return payment.Payment{}, errs.E(errs.Conflict, payment.CodeKeyConflict, "the key was used for a different authorization")
		}
		if p.Status == payment.Failed {
			return p, declined(p.FailureReason)
		}
		if p.Status != payment.Pending {
			return p, nil
		}
	case errs.Is(err, errs.NotFound):
		now := s.now()
		zero := money.Money{Amount: 0, Currency: cmd.Amount.Currency}
		p = payment.Payment{ID: id.New("pay"), Key: cmd.Key, Reference: cmd.Reference, Owner: cmd.Owner, Provider: cmd.Provider,
			Status: payment.Pending, Amount: cmd.Amount, Captured: zero, Refunded: zero, Refunds: []payment.Refund{},
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.store.Insert(ctx, p, nil); err != nil {
			if errs.HasCode(err, payment.CodeKeyConflict) {
				return s.Authorize(ctx, cmd) // a concurrent twin inserted first
			}
			return payment.Payment{}, err
		}
	default:
		return payment.Payment{}, err
	}
	// The intent is recorded; the provider call runs outside any transaction.
	ref, perr := prov.Authorize(ctx, payment.ProviderAuthorize{Key: p.Key, Token: cmd.Token, Amount: p.Amount})
	if perr != nil && !errs.Is(perr, errs.PaymentFailed) {
		// An outage: the payment stays pending, a retry with the key calls again.
		return payment.Payment{}, perr
	}
	out, err := s.store.Update(ctx, p.ID, func(p *payment.Payment) ([]event.Event, error) {
		if p.Status != payment.Pending {
			return nil, nil
		}
		s.touch(p)
		if perr != nil {
			p.Status, p.FailureReason = payment.Failed, payment.DeclineReason(perr)
			return nil, nil
		}
		p.Status, p.ProviderRef = payment.Authorized, ref
		return s.events(payment.EventAuthorized, *p)
	})
	if err != nil {
		return payment.Payment{}, err
	}
	if out.Status == payment.Failed {
		return out, declined(out.FailureReason)
	}
	return out, nil
}

func (s *Service) touch(p *payment.Payment) {
	p.Version++
	p.UpdatedAt = s.now()
}

func (s *Service) load(ctx context.Context, paymentID string) (payment.Payment, payment.Provider, error) {
	if !id.Valid("pay", paymentID) {
		return payment.Payment{}, nil, notFound()
	}
	p, err := s.store.Get(ctx, paymentID)
	if err != nil {
		return p, nil, err
	}
	prov, err := s.provider(p.Provider)
	if err != nil {
		return p, nil, errs.Wrap(err, errs.Internal, "", "the payment's provider is not configured")
	}
	return p, prov, nil
}

// ownedBy is Conflict payment_owned unless p has no owner or by is it.
func ownedBy(p payment.Payment, by string) error {
	if p.Owner == "" || p.Owner == by {
		return nil
	}
	return errs.E(errs.Conflict, payment.CodeOwned, "payment %s belongs to the %s module: capture, cancel or refund its %s instead (for a checkout: /admin/orders/{id}/capture, /cancel, /refunds)",
		p.ID, p.Owner, p.Owner)
}

// Get implements payment.Service.
func (s *Service) Get(ctx context.Context, paymentID string) (payment.Payment, error) {
	if !id.Valid("pay", paymentID) {
		return payment.Payment{}, notFound()
	}
	return s.store.Get(ctx, paymentID)
}

// GetByKey implements payment.Service.
func (s *Service) GetByKey(ctx context.Context, key string) (payment.Payment, error) {
	if key == "" {
		return payment.Payment{}, notFound()
	}
	return s.store.GetByKey(ctx, key)
}

func stateErr(p payment.Payment, op string) error {
	return errs.E(errs.Conflict, payment.CodeState, "a %s payment cannot be %s", p.Status, op)
}

// Operations that settle an authorization.
const (
	opCapture = "capture"
	opVoid    = "void"
)

// settle captures or voids an authorized payment. The operation is
// recorded on the payment (compare-and-set on its status) before the
// provider is called, and its result after, so that of a capture and a
// void racing one wins and the other is refused: each answers the state
// it actually left. An outage leaves the operation recorded: the same
// call repeated finishes it, the other is refused with
// payment_in_progress until then.
func (s *Service) settle(ctx context.Context, paymentID, by, op string) (payment.Payment, error) {
	p, prov, err := s.load(ctx, paymentID)
	if err != nil {
		return p, err
	}
	if err := ownedBy(p, by); err != nil {
		return p, err
	}
	// done reports whether p is already where op leads.
	done := func(p payment.Payment) bool {
		if op == opCapture {
			return p.Status == payment.Captured || p.Status == payment.PartiallyRefunded || p.Status == payment.Refunded
		}
		return p.Status == payment.Voided || p.Status == payment.Failed
	}
	past := map[string]string{opCapture: "captured", opVoid: "voided"}
	verb := past[op]
	check := func(p *payment.Payment) error {
		switch {
		case p.Operation != "" && p.Operation != op && (p.Status == payment.Authorized || p.Status == payment.Pending):
			return errs.E(errs.Conflict, payment.CodeInProgress, "the payment is being %s", past[p.Operation])
		case p.Status == payment.Authorized, op == opVoid && p.Status == payment.Pending:
			return nil
		}
		return stateErr(*p, verb)
	}
	if done(p) {
		return p, nil
	}
	if err := check(&p); err != nil {
		return payment.Payment{}, err
	}
	if p.Operation == "" {
		var finished bool
		p, err = s.store.Update(ctx, p.ID, func(p *payment.Payment) ([]event.Event, error) {
			if finished = done(*p); finished {
				return nil, nil
			}
			if err := check(p); err != nil {
				return nil, err
			}
			s.touch(p)
			p.Operation = op
			return nil, nil
		})
		if err != nil || finished {
			return p, err
		}
	}
	call := payment.ProviderCall{Key: p.ID + ":" + op, AuthKey: p.Key, ProviderRef: p.ProviderRef, Amount: p.Amount}
	var perr error
	if op == opCapture {
		perr = prov.Capture(ctx, call)
	} else {
		perr = prov.Void(ctx, call)
	}
	if perr != nil && errs.Is(perr, errs.Unavailable) {
		return payment.Payment{}, perr // the outcome is unknown: the operation stays recorded
	}
	var refused error
	out, err := s.store.Update(ctx, p.ID, func(p *payment.Payment) ([]event.Event, error) {
		refused = nil
		if p.Operation == op {
			s.touch(p)
			p.Operation = ""
		}
		switch {
		case done(*p), perr != nil:
			return nil, nil // recorded by a twin of this call or a webhook, or refused by the provider
		case check(p) != nil:
			// A webhook moved it elsewhere meanwhile.
			refused = stateErr(*p, verb)
			return nil, nil
		}
		s.touch(p)
		if op == opCapture {
			p.Status, p.Captured = payment.Captured, p.Amount
			return s.events(payment.EventCaptured, *p)
		}
		p.Status = payment.Voided
		return s.events(payment.EventVoided, *p)
	})
	switch {
	case err != nil:
		return payment.Payment{}, err
	case perr != nil && !done(out):
		return payment.Payment{}, perr
	case refused != nil:
		return payment.Payment{}, refused
	}
	return out, nil
}

// Capture implements payment.Service.
func (s *Service) Capture(ctx context.Context, cmd payment.CaptureCommand) (payment.Payment, error) {
	return s.settle(ctx, cmd.PaymentID, cmd.By, opCapture)
}

// Void implements payment.Service.
func (s *Service) Void(ctx context.Context, cmd payment.VoidCommand) (payment.Payment, error) {
	return s.settle(ctx, cmd.PaymentID, cmd.By, opVoid)
}

// Refund implements payment.Service.
func (s *Service) Refund(ctx context.Context, cmd payment.RefundCommand) (payment.Payment, error) {
	var v errs.Validator
	v.Check(cmd.Key != "" && len(cmd.Key) <= payment.MaxKey, "key", "is required (at most %d characters)", payment.MaxKey)
	v.Check(cmd.Amount.Amount > 0, "amount", "must be positive")
	if err := v.Err(); err != nil {
		return payment.Payment{}, err
	}
	p, prov, err := s.load(ctx, cmd.PaymentID)
	if err != nil {
		return p, err
	}
	if err := ownedBy(p, cmd.By); err != nil {
		return p, err
	}
	check := func(p *payment.Payment) (done bool, err error) {
		for _, r := range p.Refunds {
			if r.Key == cmd.Key {
				if r.Amount != cmd.Amount {
					return false, errs.E(errs.Conflict, payment.CodeKeyConflict, "the key was used for a different refund")
				}
				return true, nil
			}
		}
		if p.Status != payment.Captured && p.Status != payment.PartiallyRefunded {
			return false, stateErr(*p, "refunded")
		}
		if cmd.Amount.Currency != p.Amount.Currency {
			return false, errs.Validation(errs.Field("amount", "must be in %s", p.Amount.Currency))
		}
		if cmd.Amount.Amount > p.Captured.Amount-p.Refunded.Amount {
			return false, errs.E(errs.Conflict, payment.CodeRefundExceeds, "at most %s can be refunded", money.Format(p.Captured.Amount-p.Refunded.Amount, p.Amount.Currency))
		}
		return false, nil
	}
	if done, err := check(&p); err != nil || done {
		return p, err
	}
	if err := prov.Refund(ctx, payment.ProviderCall{Key: p.ID + ":refund:" + cmd.Key, AuthKey: p.Key, ProviderRef: p.ProviderRef, Amount: cmd.Amount}); err != nil {
		return payment.Payment{}, err
	}
	return s.store.Update(ctx, p.ID, func(p *payment.Payment) ([]event.Event, error) {
		if done, err := check(p); err != nil || done {
			return nil, err
		}
		s.touch(p)
		p.Refunds = append(p.Refunds, payment.Refund{Key: cmd.Key, Amount: cmd.Amount, CreatedAt: s.now()})
		p.Refunded.Amount += cmd.Amount.Amount
		p.Status = payment.PartiallyRefunded
		if p.Refunded.Amount == p.Captured.Amount {
			p.Status = payment.Refunded
		}
		return s.events(payment.EventRefunded, *p)
	})
}

var _ payment.Service = (*Service)(nil)
