package paymenttest

import (
	"context"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
)

// Must returns p or fails tb.
func Must(tb testing.TB) func(p payment.Payment, err error) payment.Payment {
	return func(p payment.Payment, err error) payment.Payment {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %s", errstest.Describe(err))
		}
		return p
	}
}

func usd(a int64) money.Money { return money.Money{Amount: a, Currency: "USD"} }

// TestService is the contract suite of payment.Service with the built-in
// test provider configured.
func TestService(t *testing.T, newService func(t *testing.T) payment.Service) {
	ctx := context.Background()
	auth := func(key, token string, amount int64) payment.AuthorizeCommand {
		return payment.AuthorizeCommand{Key: key, Reference: "chk_x", Provider: "test", Token: token, Amount: usd(amount)}
	}
	t.Run("OwnedPayment", func(t *testing.T) {
		// A payment a module owns is settled by that module only: a
		// direct capture, void or refund is refused and changes nothing.
		svc := newService(t)
		cmd := auth(id.New("k"), "tok_visa", 1000)
		cmd.Owner = "order"
		p := Must(t)(svc.Authorize(ctx, cmd))
		if p.Owner != "order" {
			t.Fatalf("owner %q", p.Owner)
		}
		_, err := svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID})
		errstest.Want(t, err, errs.Conflict, payment.CodeOwned)
		_, err = svc.Void(ctx, payment.VoidCommand{PaymentID: p.ID})
		errstest.Want(t, err, errs.Conflict, payment.CodeOwned)
		_, err = svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r", Amount: usd(1)})
		errstest.Want(t, err, errs.Conflict, payment.CodeOwned)
		if got := Must(t)(svc.Get(ctx, p.ID)); got.Status != payment.Authorized || got.Version != p.Version {
			t.Fatalf("a refused call changed the payment: %+v", got)
		}
	})
	t.Run("AuthorizeCaptureRefund", func(t *testing.T) {
		svc := newService(t)
		key := id.New("k")
		p := Must(t)(svc.Authorize(ctx, auth(key, "tok_visa", 1000)))
		if !id.Valid("pay", p.ID) || p.Status != payment.Authorized || p.Amount != usd(1000) || p.ProviderRef == "" {
			t.Fatalf("authorized %+v", p)
		}
		again := Must(t)(svc.Authorize(ctx, auth(key, "tok_visa", 1000)))
		if again.ID != p.ID || again.Version != p.Version {
			t.Fatalf("retry %+v, want %+v", again, p)
		}
		if byKey := Must(t)(svc.GetByKey(ctx, key)); byKey.ID != p.ID {
			t.Fatalf("by key %+v", byKey)
		}
		_, err := svc.Authorize(ctx, auth(key, "tok_visa", 2000))
		errstest.Want(t, err, errs.Conflict, payment.CodeKeyConflict)
		_, err = svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r0", Amount: usd(1)})
		errstest.Want(t, err, errs.Conflict, payment.CodeState)
		c := Must(t)(svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID}))
		if c.Status != payment.Captured || c.Captured != usd(1000) {
			t.Fatalf("captured %+v", c)
		}
		if c2 := Must(t)(svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID})); c2.Version != c.Version {
			t.Fatalf("second capture changed the payment: %+v", c2)
		}
		_, err = svc.Void(ctx, payment.VoidCommand{PaymentID: p.ID})
		errstest.Want(t, err, errs.Conflict, payment.CodeState)
		r := Must(t)(svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r1", Amount: usd(300)}))
		if r.Status != payment.PartiallyRefunded || r.Refunded != usd(300) {
			t.Fatalf("partial refund %+v", r)
		}
		if r2 := Must(t)(svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r1", Amount: usd(300)})); r2.Refunded != usd(300) {
			t.Fatalf("repeated refund %+v", r2)
		}
		_, err = svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r2", Amount: usd(701)})
		errstest.Want(t, err, errs.Conflict, payment.CodeRefundExceeds)
		r = Must(t)(svc.Refund(ctx, payment.RefundCommand{PaymentID: p.ID, Key: "r3", Amount: usd(700)}))
		if r.Status != payment.Refunded || r.Refunded != usd(1000) || len(r.Refunds) != 2 {
			t.Fatalf("full refund %+v", r)
		}
		if got := Must(t)(svc.Get(ctx, p.ID)); got.Status != payment.Refunded {
			t.Fatalf("get %+v", got)
		}
	})
	t.Run("Void", func(t *testing.T) {
		svc := newService(t)
		p := Must(t)(svc.Authorize(ctx, auth(id.New("k"), "tok_visa", 500)))
		v := Must(t)(svc.Void(ctx, payment.VoidCommand{PaymentID: p.ID}))
		if v.Status != payment.Voided {
			t.Fatalf("voided %+v", v)
		}
		if v2 := Must(t)(svc.Void(ctx, payment.VoidCommand{PaymentID: p.ID})); v2.Version != v.Version {
			t.Fatalf("second void changed it: %+v", v2)
		}
		_, err := svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID})
		errstest.Want(t, err, errs.Conflict, payment.CodeState)
	})
	t.Run("Declines", func(t *testing.T) {
		svc := newService(t)
		for _, tc := range []struct {
			token  string
			kind   errs.Kind
			code   string
			status payment.Status
		}{
			{"tok_declined", errs.PaymentFailed, payment.CodeDeclined, payment.Failed},
			{"tok_insufficient_funds", errs.PaymentFailed, payment.CodeDeclined, payment.Failed},
			{"tok_error", errs.Unavailable, payment.CodeUnavailable, payment.Pending},
		} {
			key := id.New("k")
			_, err := svc.Authorize(ctx, auth(key, tc.token, 100))
			errstest.Want(t, err, tc.kind, tc.code)
			_, err = svc.Authorize(ctx, auth(key, tc.token, 100)) // a retry answers the same
			errstest.Want(t, err, tc.kind, tc.code)
			if p := Must(t)(svc.GetByKey(ctx, key)); p.Status != tc.status {
				t.Fatalf("%s: status %s, want %s", tc.token, p.Status, tc.status)
			}
		}
		key := id.New("k")
		_, err := svc.Authorize(ctx, auth(key, "tok_insufficient_funds", 100))
		errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
		if p := Must(t)(svc.GetByKey(ctx, key)); p.FailureReason != "insufficient_funds" {
			t.Fatalf("reason %q", p.FailureReason)
		}
	})
	t.Run("CaptureRacesVoid", func(t *testing.T) {
		// Of a capture and a void sent together, one wins and the other is
		// refused; each answers the state it left.
		svc := newService(t)
		for i := range 20 {
			p := Must(t)(svc.Authorize(ctx, auth(id.New("k"), "tok_visa", 100+int64(i))))
			var wg sync.WaitGroup
			var captured, voided payment.Payment
			var cerr, verr error
			wg.Go(func() { captured, cerr = svc.Capture(ctx, payment.CaptureCommand{PaymentID: p.ID}) })
			wg.Go(func() { voided, verr = svc.Void(ctx, payment.VoidCommand{PaymentID: p.ID}) })
			wg.Wait()
			final := Must(t)(svc.Get(ctx, p.ID))
			switch {
			case cerr == nil && verr != nil:
				if captured.Status != payment.Captured || final.Status != payment.Captured || final.Captured != p.Amount || !errs.Is(verr, errs.Conflict) {
					t.Fatalf("capture won: answered %s, void %v, stored %s", captured.Status, verr, final.Status)
				}
			case verr == nil && cerr != nil:
				if voided.Status != payment.Voided || final.Status != payment.Voided || final.Captured.Amount != 0 || !errs.Is(cerr, errs.Conflict) {
					t.Fatalf("void won: answered %s, capture %v, stored %s", voided.Status, cerr, final.Status)
				}
			default:
				t.Fatalf("capture %s %v, void %s %v: want exactly one to succeed (stored %s)", captured.Status, cerr, voided.Status, verr, final.Status)
			}
			if final.Operation != "" {
				t.Fatalf("operation %q left on the payment", final.Operation)
			}
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		svc := newService(t)
		_, err := svc.Authorize(ctx, payment.AuthorizeCommand{Key: "k1", Provider: "nope", Token: "tok_visa", Amount: usd(1)})
		errstest.Want(t, err, errs.Invalid, payment.CodeUnknownProvider)
		_, err = svc.Authorize(ctx, auth("k2", "tok_unknown", 1))
		errstest.Want(t, err, errs.Invalid, payment.CodeInvalidToken)
		_, err = svc.Authorize(ctx, auth("", "tok_visa", 1))
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		_, err = svc.Authorize(ctx, auth("k3", "tok_visa", -1))
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		errstest.Want(t, svc.CheckMethod(ctx, payment.CheckMethodQuery{Provider: "stripe", Token: "x"}), errs.Invalid, payment.CodeUnknownProvider)
		if err := svc.CheckMethod(ctx, payment.CheckMethodQuery{Provider: "test", Token: "tok_visa"}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Get(ctx, "pay_nope")
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = svc.GetByKey(ctx, "nope")
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = svc.Capture(ctx, payment.CaptureCommand{PaymentID: id.New("pay")})
		errstest.Want(t, err, errs.NotFound, "not_found")
	})
}
