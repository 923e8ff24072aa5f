package paymentstripe_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentsql"
	"github.com/agoracommerce/agora/payment/paymentstripe"
	"github.com/agoracommerce/agora/payment/paymentsvc"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// subject is the payment service with the stripe and test providers over
// a store, and the types of the events its store wrote so far.
type subject struct {
	svc    *paymentsvc.Service
	events func(testing.TB) []string
}

func stores(t *testing.T, run func(t *testing.T, newSubject func(t *testing.T, prov payment.Provider) subject)) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			run(t, func(t *testing.T, prov payment.Provider) subject {
				db := d.Open(t)
				st := paymentsql.New(db, nil)
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				svc := paymentsvc.New(st, []payment.Provider{paymentsvc.NewTestProvider(), prov}, slog.New(slog.DiscardHandler), time.Now)
				return subject{svc: svc, events: eventtest.Outbox{DB: db, Module: payment.Module}.EventTypes}
			})
		})
	}
}

// TestService runs the payment service with the stripe provider (against
// a local fake of Stripe's API) through authorizations, operations and
// webhooks, on every store.
func TestService(t *testing.T) {
	ctx := context.Background()
	stores(t, func(t *testing.T, newSubject func(t *testing.T, prov payment.Provider) subject) {
		auth := func(key, token string, amount int64) payment.AuthorizeCommand {
			return payment.AuthorizeCommand{Key: key, Reference: "chk_x", Provider: "stripe", Token: token, Amount: usd(amount)}
		}
		deliver := func(s subject, eventID, typ string, object any) (payment.WebhookResult, error) {
			payload, header := signed(t, eventID, typ, object, time.Time{})
			return s.svc.HandleWebhook(ctx, payment.WebhookCommand{Provider: "stripe", Payload: payload, Signature: header})
		}
		wantOutcome := func(t *testing.T, res payment.WebhookResult, err error, outcome, paymentID string) {
			t.Helper()
			if err != nil {
				t.Fatalf("webhook: %v (code %s)", err, errs.CodeOf(err))
			}
			if res.Outcome != outcome || res.PaymentID != paymentID {
				t.Fatalf("webhook result %+v, want outcome %s for %s", res, outcome, paymentID)
			}
		}

		t.Run("Operations", func(t *testing.T) {
			f := newFakeStripe(t)
			s := newSubject(t, newProvider(t, f.srv.URL, 0))
			p := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_1", "pm_card_visa", 1000)))
			if p.Status != payment.Authorized || p.ProviderRef != idOf("pi_", "agora:authorize:chk_1") {
				t.Fatalf("authorized %+v", p)
			}
			again := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_1", "pm_card_visa", 1000)))
			if again.ID != p.ID || len(f.all()) != 1 {
				t.Fatalf("a repeated authorization called Stripe again: %d calls", len(f.all()))
			}
			paymenttest.Must(t)(s.svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID}))
			if c := f.last(t); c.Key != "agora:capture:"+p.ID+":capture" || c.Form.Get("amount_to_capture") != "1000" {
				t.Fatalf("capture call %+v", c)
			}
			paymenttest.Must(t)(s.svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r1", Amount: usd(400)}))
			r := paymenttest.Must(t)(s.svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r2", Amount: usd(600)}))
			if r.Status != payment.Refunded || r.Refunded != usd(1000) {
				t.Fatalf("refunded %+v", r)
			}
			if c := f.last(t); c.Key != "agora:refund:"+p.ID+":refund:r2" || c.Form.Get("metadata[agora_refund_key]") != p.ID+":refund:r2" {
				t.Fatalf("refund call %+v", c)
			}
			q := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_2", "pm_card_visa", 500)))
			paymenttest.Must(t)(s.svc.Void(ctx, payment.VoidCommand{PaymentID: q.ID}))
			if c := f.last(t); c.Path != "/v1/payment_intents/"+q.ProviderRef+"/cancel" {
				t.Fatalf("void call %+v", c)
			}
			want := []string{payment.EventAuthorized, payment.EventCaptured, payment.EventRefunded, payment.EventRefunded,
				payment.EventAuthorized, payment.EventVoided}
			if got := s.events(t); !slices.Equal(got, want) {
				t.Fatalf("events %v, want %v", got, want)
			}
		})

		t.Run("DeclinesAndOutages", func(t *testing.T) {
			f := newFakeStripe(t)
			s := newSubject(t, newProvider(t, f.srv.URL, 0))
			_, err := s.svc.Authorize(ctx, auth("chk_d", "pm_card_chargeDeclinedInsufficientFunds", 100))
			errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
			if p := paymenttest.Must(t)(s.svc.GetByKey(ctx, "chk_d")); p.Status != payment.Failed || p.FailureReason != "insufficient_funds" {
				t.Fatalf("declined payment %+v", p)
			}
			_, err = s.svc.Authorize(ctx, auth("chk_e", "pm_card_chargeDeclinedExpiredCard", 100))
			errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
			if p := paymenttest.Must(t)(s.svc.GetByKey(ctx, "chk_e")); p.FailureReason != "expired_card" {
				t.Fatalf("declined payment %+v", p)
			}
			f.setDown(true)
			_, err = s.svc.Authorize(ctx, auth("chk_o", "pm_card_visa", 100))
			errstest.Want(t, err, errs.Unavailable, payment.CodeUnavailable)
			if p := paymenttest.Must(t)(s.svc.GetByKey(ctx, "chk_o")); p.Status != payment.Pending {
				t.Fatalf("payment after an outage %+v", p)
			}
			f.setDown(false)
			if p := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_o", "pm_card_visa", 100))); p.Status != payment.Authorized {
				t.Fatalf("retried payment %+v", p)
			}
			_, err = s.svc.Authorize(ctx, auth("chk_t", "tok_visa", 100))
			errstest.Want(t, err, errs.Invalid, payment.CodeInvalidToken)
		})

		t.Run("VoidOfAnUnrecordedAuthorization", func(t *testing.T) {
			// Stripe authorized, but the answer was lost: the payment stays
			// pending without a reference, and a void finds the intent by key.
			f := newFakeStripe(t)
			s := newSubject(t, newProvider(t, f.srv.URL, 0))
			f.setDown(true)
			_, err := s.svc.Authorize(ctx, auth("chk_l", "pm_card_visa", 100))
			errstest.Want(t, err, errs.Unavailable, payment.CodeUnavailable)
			f.setDown(false)
			ref, err := newProvider(t, f.srv.URL, 0).Authorize(ctx, payment.ProviderAuthorize{Key: "chk_l", Token: "pm_card_visa", Amount: usd(100)})
			if err != nil {
				t.Fatal(err)
			}
			p := paymenttest.Must(t)(s.svc.GetByKey(ctx, "chk_l"))
			v := paymenttest.Must(t)(s.svc.Void(ctx, payment.VoidCommand{PaymentID: p.ID}))
			if v.Status != payment.Voided {
				t.Fatalf("voided %+v", v)
			}
			if c := f.last(t); c.Path != "/v1/payment_intents/"+ref+"/cancel" {
				t.Fatalf("last call %+v, want the cancel of %s", c, ref)
			}
		})

		t.Run("Webhooks", func(t *testing.T) {
			f := newFakeStripe(t)
			s := newSubject(t, newProvider(t, f.srv.URL, 0))
			p := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_w", "pm_card_visa", 1000)))
			before := len(s.events(t))

			// Captured in Stripe's dashboard.
			res, err := deliver(s, "evt_cap", "payment_intent.succeeded", intent(p.ProviderRef, "succeeded", 1000, "chk_w"))
			wantOutcome(t, res, err, payment.OutcomeApplied, p.ID)
			got := paymenttest.Must(t)(s.svc.Get(ctx, p.ID))
			if got.Status != payment.Captured || got.Captured != usd(1000) {
				t.Fatalf("after payment_intent.succeeded %+v", got)
			}
			res, err = deliver(s, "evt_cap", "payment_intent.succeeded", intent(p.ProviderRef, "succeeded", 1000, "chk_w"))
			wantOutcome(t, res, err, payment.OutcomeDuplicate, p.ID)
			if again := paymenttest.Must(t)(s.svc.Get(ctx, p.ID)); again.Version != got.Version {
				t.Fatalf("a redelivered event changed the payment: %+v", again)
			}
			// Capturing a captured payment changes nothing, and a new event
			// id that says what is already so neither.
			res, err = deliver(s, "evt_cap2", "payment_intent.succeeded", intent(p.ProviderRef, "succeeded", 1000, "chk_w"))
			wantOutcome(t, res, err, payment.OutcomeUnchanged, p.ID)

			// A refund Agora makes, reported before its call recorded it: the
			// Refund finds it done instead of counting it twice.
			res, err = deliver(s, "evt_re1", "refund.created", map[string]any{"id": "re_a", "object": "refund", "status": "succeeded",
				"amount": 300, "currency": "usd", "payment_intent": p.ProviderRef,
				"metadata": map[string]string{paymentstripe.MetaRefundKey: p.ID + ":refund:r1"}})
			wantOutcome(t, res, err, payment.OutcomeApplied, p.ID)
			r := paymenttest.Must(t)(s.svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r1", Amount: usd(300)}))
			if r.Refunded != usd(300) || len(r.Refunds) != 1 || r.Refunds[0].Key != "r1" {
				t.Fatalf("after the refund's webhook and call %+v", r)
			}
			// A refund made in Stripe's dashboard, told by charge.refunded
			// (listed from Stripe when the charge does not list them).
			f.addRefund("re_dash", p.ProviderRef, 200)
			res, err = deliver(s, "evt_ch", "charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "amount_refunded": 500,
				"currency": "usd", "payment_intent": p.ProviderRef})
			wantOutcome(t, res, err, payment.OutcomeApplied, p.ID)
			r = paymenttest.Must(t)(s.svc.Get(ctx, p.ID))
			if r.Status != payment.PartiallyRefunded || r.Refunded != usd(500) || len(r.Refunds) != 2 || r.Refunds[1].Key != "stripe:re_dash" {
				t.Fatalf("after charge.refunded %+v", r)
			}
			// A refund that does not fit is not recorded.
			res, err = deliver(s, "evt_big", "refund.created", map[string]any{"id": "re_big", "object": "refund", "status": "succeeded",
				"amount": 900, "currency": "usd", "payment_intent": p.ProviderRef})
			wantOutcome(t, res, err, payment.OutcomeUnchanged, p.ID)

			q := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_c", "pm_card_visa", 700)))
			res, err = deliver(s, "evt_can", "payment_intent.canceled", intent(q.ProviderRef, "canceled", 700, "chk_c"))
			wantOutcome(t, res, err, payment.OutcomeApplied, q.ID)
			if got := paymenttest.Must(t)(s.svc.Get(ctx, q.ID)); got.Status != payment.Voided {
				t.Fatalf("after payment_intent.canceled %+v", got)
			}

			want := []string{payment.EventCaptured, payment.EventRefunded, payment.EventRefunded, payment.EventAuthorized, payment.EventVoided}
			if got := s.events(t)[before:]; !slices.Equal(got, want) {
				t.Fatalf("events %v, want %v", got, want)
			}
		})

		t.Run("WebhooksResolvePendingPayments", func(t *testing.T) {
			f := newFakeStripe(t)
			s := newSubject(t, newProvider(t, f.srv.URL, 0))
			f.setDown(true)
			for _, key := range []string{"chk_p1", "chk_p2"} {
				_, err := s.svc.Authorize(ctx, auth(key, "pm_card_visa", 100))
				errstest.Want(t, err, errs.Unavailable, payment.CodeUnavailable)
			}
			p1 := paymenttest.Must(t)(s.svc.GetByKey(ctx, "chk_p1"))
			res, err := deliver(s, "evt_a", "payment_intent.amount_capturable_updated", intent("pi_late", "requires_capture", 100, "chk_p1"))
			wantOutcome(t, res, err, payment.OutcomeApplied, p1.ID)
			if got := paymenttest.Must(t)(s.svc.Get(ctx, p1.ID)); got.Status != payment.Authorized || got.ProviderRef != "pi_late" {
				t.Fatalf("after amount_capturable_updated %+v", got)
			}
			failed := intent("pi_failed", "requires_payment_method", 100, "chk_p2")
			failed["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "stolen_card"}
			p2 := paymenttest.Must(t)(s.svc.GetByKey(ctx, "chk_p2"))
			res, err = deliver(s, "evt_f", "payment_intent.payment_failed", failed)
			wantOutcome(t, res, err, payment.OutcomeApplied, p2.ID)
			got := paymenttest.Must(t)(s.svc.Get(ctx, p2.ID))
			if got.Status != payment.Failed || got.FailureReason != "stolen_card" {
				t.Fatalf("after payment_failed %+v", got)
			}
			_, err = s.svc.Authorize(ctx, auth("chk_p2", "pm_card_visa", 100))
			errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
			if payment.DeclineReason(err) != "stolen_card" {
				t.Fatalf("retry of a failed payment: reason %q", payment.DeclineReason(err))
			}
		})

		t.Run("WebhooksRefused", func(t *testing.T) {
			f := newFakeStripe(t)
			s := newSubject(t, newProvider(t, f.srv.URL, 0))
			p := paymenttest.Must(t)(s.svc.Authorize(ctx, auth("chk_r", "pm_card_visa", 100)))
			payload, header := signed(t, "evt_x", "payment_intent.canceled", intent(p.ProviderRef, "canceled", 100, "chk_r"), time.Time{})
			old, oldHeader := signed(t, "evt_x", "payment_intent.canceled", intent(p.ProviderRef, "canceled", 100, "chk_r"), time.Now().Add(-time.Hour))
			tampered := []byte(string(payload[:len(payload)-1]) + " }")
			for _, tc := range []struct {
				name, provider, sig string
				payload             []byte
				code                string
			}{
				{"no signature", "stripe", "", payload, payment.CodeBadSignature},
				{"wrong signature", "stripe", "t=1,v1=00ff", payload, payment.CodeBadSignature},
				{"garbage header", "stripe", "nonsense", payload, payment.CodeBadSignature},
				{"tampered payload", "stripe", header, tampered, payment.CodeBadSignature},
				{"too old", "stripe", oldHeader, old, payment.CodeBadSignature},
				{"test provider", "test", header, payload, payment.CodeNoWebhooks},
				{"unknown provider", "paypal", header, payload, payment.CodeUnknownProvider},
			} {
				_, err := s.svc.HandleWebhook(ctx, payment.WebhookCommand{Provider: tc.provider, Payload: tc.payload, Signature: tc.sig})
				if !errs.Is(err, errs.Invalid) || errs.CodeOf(err) != tc.code {
					t.Errorf("%s: error %v (code %s), want Invalid %s", tc.name, err, errs.CodeOf(err), tc.code)
				}
			}
			if got := paymenttest.Must(t)(s.svc.Get(ctx, p.ID)); got.Status != payment.Authorized || got.Version != p.Version {
				t.Fatalf("a refused webhook changed the payment: %+v", got)
			}
			res, err := deliver(s, "evt_other", "payment_intent.canceled", intent("pi_unknown", "canceled", 100, "chk_unknown"))
			wantOutcome(t, res, err, payment.OutcomeIgnored, "")
			res, err = deliver(s, "evt_cust", "customer.created", map[string]any{"id": "cus_1", "object": "customer"})
			wantOutcome(t, res, err, payment.OutcomeIgnored, "")
			if res.Type != "customer.created" || res.EventID != "evt_cust" {
				t.Fatalf("result %+v", res)
			}
			res, err = deliver(s, "evt_x", "payment_intent.canceled", intent(p.ProviderRef, "canceled", 100, "chk_r"))
			wantOutcome(t, res, err, payment.OutcomeApplied, p.ID)
		})
	})
}
