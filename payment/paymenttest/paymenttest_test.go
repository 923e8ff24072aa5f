package paymenttest

import (
	"context"
	"slices"
	"testing"

	"github.com/agoracommerce/agora/payment"
)

func TestEvents(t *testing.T) {
	svc, ob := MustServiceWithOutbox(t)
	ctx := context.Background()
	p := Must(t)(svc.Authorize(ctx, payment.AuthorizeCommand{Key: "k", Provider: "test", Token: "tok_visa", Amount: usd(10)}))
	Must(t)(svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID}))
	Must(t)(svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r", Amount: usd(10)}))
	_, _ = svc.Authorize(ctx, payment.AuthorizeCommand{Key: "d", Provider: "test", Token: "tok_declined", Amount: usd(10)})
	q := Must(t)(svc.Authorize(ctx, payment.AuthorizeCommand{Key: "v", Provider: "test", Token: "tok_visa", Amount: usd(10)}))
	Must(t)(svc.Void(ctx, payment.VoidCommand{PaymentID: q.ID}))
	want := []string{payment.EventAuthorized, payment.EventCaptured, payment.EventRefunded, payment.EventAuthorized, payment.EventVoided}
	if got := ob.EventTypes(t); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
