package paymentsvc

import (
	"context"
	"strings"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
)

// WebhookConsumer is the consumer name under which a provider's event ids
// are recorded as handled ("webhook:<provider>").
func WebhookConsumer(provider string) string { return "webhook:" + provider }

// HandleWebhook implements payment.Service. The provider verifies and
// reads the event (outside any transaction); the event id is recorded in
// the same transaction as the change it makes, so a redelivered event
// changes nothing. An event about a payment Agora does not know is ignored
// and not recorded.
func (s *Service) HandleWebhook(ctx context.Context, cmd payment.WebhookCommand) (payment.WebhookResult, error) {
	prov, err := s.provider(cmd.Provider)
	if err != nil {
		return payment.WebhookResult{}, err
	}
	wp, ok := prov.(payment.WebhookProvider)
	if !ok {
		return payment.WebhookResult{}, errs.E(errs.Invalid, payment.CodeNoWebhooks, "the %s provider sends no webhooks", cmd.Provider)
	}
	n, err := wp.ParseWebhook(ctx, cmd.Payload, cmd.Signature)
	if err != nil {
		return payment.WebhookResult{}, err
	}
	res := payment.WebhookResult{EventID: n.ID, Type: n.Type, Outcome: payment.OutcomeIgnored}
	if n.Kind == payment.NoteIgnored {
		return res, nil
	}
	p, err := s.findNotified(ctx, cmd.Provider, n)
	if errs.Is(err, errs.NotFound) {
		s.log.InfoContext(ctx, "webhook about an unknown payment ignored", "provider", cmd.Provider, "event", n.ID, "type", n.Type, "ref", n.ProviderRef)
		return res, nil
	}
	if err != nil {
		return payment.WebhookResult{}, err
	}
	res.PaymentID = p.ID
	changed := false
	_, first, err := s.store.UpdateOnce(ctx, p.ID, WebhookConsumer(cmd.Provider), n.ID, func(p *payment.Payment) ([]event.Event, error) {
		typ := s.apply(ctx, p, n)
		if typ == "" {
			return nil, nil
		}
		changed = true
		s.touch(p)
		if typ == applyNoEvent {
			return nil, nil
		}
		return s.events(typ, *p)
	})
	switch {
	case err != nil:
		return payment.WebhookResult{}, err
	case !first:
		res.Outcome = payment.OutcomeDuplicate
	case changed:
		res.Outcome = payment.OutcomeApplied
	default:
		res.Outcome = payment.OutcomeUnchanged
	}
	return res, nil
}

// findNotified finds the payment of a notification: by the provider's
// reference, else by the authorization key the provider echoed (an
// authorization whose outcome was never recorded has no reference yet).
func (s *Service) findNotified(ctx context.Context, provider string, n payment.Notification) (payment.Payment, error) {
	if n.ProviderRef != "" {
		p, err := s.store.GetByProviderRef(ctx, provider, n.ProviderRef)
		if !errs.Is(err, errs.NotFound) {
			return p, err
		}
	}
	if n.Key == "" {
		return payment.Payment{}, notFound()
	}
	p, err := s.store.GetByKey(ctx, n.Key)
	if err != nil {
		return p, err
	}
	if p.Provider != provider || (p.ProviderRef != "" && n.ProviderRef != "" && p.ProviderRef != n.ProviderRef) {
		return payment.Payment{}, notFound()
	}
	return p, nil
}

// applyNoEvent marks a change that emits no event (a failed authorization,
// as Authorize does).
const applyNoEvent = "-"

// apply changes p as the notification says and returns the type of the
// event to emit, applyNoEvent, or "" when p stays as it is. It never moves
// a payment backwards: a notification older than p's state changes nothing.
func (s *Service) apply(ctx context.Context, p *payment.Payment, n payment.Notification) string {
	setRef := func() {
		if p.ProviderRef == "" {
			p.ProviderRef = n.ProviderRef
		}
	}
	switch n.Kind {
	case payment.NoteAuthorized:
		if p.Status == payment.Pending {
			setRef()
			p.Status = payment.Authorized
			return payment.EventAuthorized
		}
	case payment.NoteCaptured:
		if p.Status == payment.Pending || p.Status == payment.Authorized {
			setRef()
			p.Status, p.Captured = payment.Captured, p.Amount
			if n.Amount.Currency == p.Amount.Currency && n.Amount.Amount > 0 && n.Amount.Amount <= p.Amount.Amount {
				p.Captured = n.Amount
			}
			return payment.EventCaptured
		}
	case payment.NoteCanceled:
		if p.Status == payment.Pending || p.Status == payment.Authorized {
			setRef()
			p.Status = payment.Voided
			return payment.EventVoided
		}
	case payment.NoteFailed:
		if p.Status == payment.Pending {
			setRef()
			p.Status, p.FailureReason = payment.Failed, n.FailureReason
			if p.FailureReason == "" {
				p.FailureReason = "card_declined"
			}
			return applyNoEvent
		}
	case payment.NoteRefunded:
		if s.applyRefunds(ctx, p, n) {
			return payment.EventRefunded
		}
	}
	return ""
}

// applyRefunds records the provider's refunds that p does not have yet:
// one Agora made carries the key of its provider call and is recorded under
// the refund's own key (so that the Refund call that made it finds it
// done), one made outside Agora is recorded as "<provider>:<refund id>".
func (s *Service) applyRefunds(ctx context.Context, p *payment.Payment, n payment.Notification) bool {
	if p.Status != payment.Captured && p.Status != payment.PartiallyRefunded {
		return false
	}
	have := map[string]bool{}
	for _, r := range p.Refunds {
		have[r.Key] = true
	}
	added := false
	for _, r := range n.Refunds {
		key := p.Provider + ":" + r.ID
		if k, ok := strings.CutPrefix(r.Key, p.ID+":refund:"); ok && k != "" {
			key = k
		}
		if have[key] {
			continue
		}
		if r.Amount.Currency != p.Amount.Currency || r.Amount.Amount <= 0 || r.Amount.Amount > p.Captured.Amount-p.Refunded.Amount {
			s.log.WarnContext(ctx, "a provider refund does not fit the payment; not recorded", "payment", p.ID, "refund", r.ID,
				"amount", money.Format(r.Amount.Amount, r.Amount.Currency))
			continue
		}
		have[key] = true
		p.Refunds = append(p.Refunds, payment.Refund{Key: key, Amount: r.Amount, CreatedAt: s.now()})
		p.Refunded.Amount += r.Amount.Amount
		added = true
	}
	if !added {
		return false
	}
	p.Status = payment.PartiallyRefunded
	if p.Refunded.Amount == p.Captured.Amount {
		p.Status = payment.Refunded
	}
	return true
}
