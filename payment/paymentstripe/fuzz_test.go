package paymentstripe_test

import (
	"context"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentstripe"
	"github.com/agoracommerce/agora/platform/errs"
)

// FuzzParseWebhook feeds signed and unsigned payloads of any shape to the
// webhook decoder: it never panics, refuses what it cannot read as Invalid,
// and reads a notification it returns with the event's id.
func FuzzParseWebhook(f *testing.F) {
	for _, typ := range []string{"payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "refund.created", "customer.created"} {
		b, err := paymentstripe.EventPayload("evt_seed", typ, intent("pi_1", "succeeded", 100, "k"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true, "")
	}
	f.Add([]byte(`{"id":"evt_1","type":"refund.created","data":{"object":{"id":"re_1","payment_intent":{"id":"pi_1"},"amount":-5}}}`), true, "")
	f.Add([]byte(`{"id":"evt_1","data":{"object":"x"}}`), true, "")
	f.Add([]byte(`not json`), false, "t=1,v1=00")
	f.Fuzz(func(t *testing.T, payload []byte, sign bool, header string) {
		p := newProvider(t, "http://127.0.0.1:1", 0) // no Stripe: a listing of refunds is Unavailable
		if sign {
			header = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: whsec, Timestamp: time.Now()}).Header
		}
		n, err := p.ParseWebhook(context.Background(), payload, header)
		switch {
		case err == nil:
			if !sign || n.ID == "" {
				t.Fatalf("accepted %q (signed %v) as %+v", payload, sign, n)
			}
		case errs.Is(err, errs.Invalid):
			if !sign && errs.CodeOf(err) != payment.CodeBadSignature {
				t.Fatalf("unsigned payload refused with %s", errs.CodeOf(err))
			}
		case errs.Is(err, errs.Unavailable) && n.ID == "":
		default:
			t.Fatalf("error %v (kind %v)", err, errs.KindOf(err))
		}
	})
}
