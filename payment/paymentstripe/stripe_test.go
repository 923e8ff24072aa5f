package paymentstripe_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentstripe"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/money"
)

func usd(a int64) money.Money { return money.Money{Amount: a, Currency: "USD"} }

// TestStripeMock sends every provider call through a recording proxy to a
// real stripe-mock, which validates each request against Stripe's OpenAPI
// description (an unknown or malformed parameter is a 400 there), and
// checks the requests' shapes and idempotency keys.
func TestStripeMock(t *testing.T) {
	target, err := url.Parse(stripeMockURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	var mu sync.Mutex
	echoed := map[string]string{} // idempotency key sent → the one stripe-mock echoed
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if k := resp.Request.Header.Get("Idempotency-Key"); k != "" {
			mu.Lock()
			echoed[k] = resp.Header.Get("Idempotency-Key")
			mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p := newProvider(t, srv.URL, 0)
	ctx := context.Background()

	t.Run("Authorize", func(t *testing.T) {
		_, err := p.Authorize(ctx, payment.ProviderAuthorize{Key: "chk_01", Token: "pm_card_visa", Amount: usd(1999)})
		// stripe-mock answers every PaymentIntent with the status
		// requires_payment_method: a confirmed intent in that status is a
		// decline. A request it refused would be Invalid provider_rejected.
		errstest.Want(t, err, errs.PaymentFailed, payment.CodeDeclined)
		c := rec.last(t)
		if c.Method != http.MethodPost || c.Path != "/v1/payment_intents" || c.Key != "agora:authorize:chk_01" {
			t.Fatalf("request %s %s key %q", c.Method, c.Path, c.Key)
		}
		wantForm(t, c, map[string]string{"amount": "1999", "currency": "usd", "capture_method": "manual", "confirm": "true",
			"payment_method": "pm_card_visa", "payment_method_types[0]": "card", "error_on_requires_action": "true",
			"metadata[agora_payment_key]": "chk_01"})
	})
	t.Run("Capture", func(t *testing.T) {
		if err := p.Capture(ctx, payment.ProviderCall{Key: "pay_1:capture", AuthKey: "chk_01", ProviderRef: "pi_123", Amount: usd(1999)}); err != nil {
			t.Fatal(err)
		}
		c := rec.last(t)
		if c.Path != "/v1/payment_intents/pi_123/capture" || c.Key != "agora:capture:pay_1:capture" {
			t.Fatalf("request %s %s key %q", c.Method, c.Path, c.Key)
		}
		wantForm(t, c, map[string]string{"amount_to_capture": "1999"})
	})
	t.Run("Void", func(t *testing.T) {
		if err := p.Void(ctx, payment.ProviderCall{Key: "pay_1:void", AuthKey: "chk_01", ProviderRef: "pi_123", Amount: usd(1999)}); err != nil {
			t.Fatal(err)
		}
		if c := rec.last(t); c.Path != "/v1/payment_intents/pi_123/cancel" || c.Key != "agora:void:pay_1:void" {
			t.Fatalf("request %s %s key %q", c.Method, c.Path, c.Key)
		}
	})
	t.Run("VoidUnknownOutcome", func(t *testing.T) {
		// Without a reference the provider searches the intent by its key;
		// stripe-mock's search answers an intent of another key, which is
		// left alone.
		n := len(rec.all())
		if err := p.Void(ctx, payment.ProviderCall{Key: "pay_2:void", AuthKey: "chk_02", Amount: usd(1999)}); err != nil {
			t.Fatal(err)
		}
		calls := rec.all()[n:]
		if len(calls) != 1 || calls[0].Method != http.MethodGet || calls[0].Path != "/v1/payment_intents/search" {
			t.Fatalf("calls %+v, want one search", calls)
		}
		wantForm(t, calls[0], map[string]string{"query": "metadata['agora_payment_key']:'chk_02'"})
	})
	t.Run("Refunds", func(t *testing.T) {
		for _, tc := range []struct {
			key    string
			amount int64
		}{{"pay_1:refund:r1", 500}, {"pay_1:refund:r2", 1499}} { // partial, then the rest
			if err := p.Refund(ctx, payment.ProviderCall{Key: tc.key, AuthKey: "chk_01", ProviderRef: "pi_123", Amount: usd(tc.amount)}); err != nil {
				t.Fatal(err)
			}
			c := rec.last(t)
			if c.Path != "/v1/refunds" || c.Key != "agora:refund:"+tc.key {
				t.Fatalf("request %s %s key %q", c.Method, c.Path, c.Key)
			}
			wantForm(t, c, map[string]string{"payment_intent": "pi_123", "amount": strconv.FormatInt(tc.amount, 10),
				"metadata[agora_refund_key]": tc.key})
		}
	})
	t.Run("ChargeRefundedListsRefunds", func(t *testing.T) {
		n := len(rec.all())
		payload, header := signed(t, "evt_1", "charge.refunded",
			map[string]any{"id": "ch_1", "object": "charge", "amount_refunded": 100, "currency": "usd", "payment_intent": "pi_123"}, time.Time{})
		note, err := p.ParseWebhook(ctx, payload, header)
		if err != nil {
			t.Fatal(err)
		}
		calls := rec.all()[n:]
		if len(calls) != 1 || calls[0].Path != "/v1/refunds" || calls[0].Form.Get("payment_intent") != "pi_123" {
			t.Fatalf("calls %+v, want the refunds of pi_123 listed", calls)
		}
		if note.Kind != payment.NoteRefunded || note.ProviderRef != "pi_123" || len(note.Refunds) == 0 {
			t.Fatalf("notification %+v", note)
		}
	})
	mu.Lock()
	defer mu.Unlock()
	for sent, got := range echoed {
		if sent != got {
			t.Errorf("stripe-mock saw idempotency key %q, sent %q", got, sent)
		}
	}
	if len(echoed) < 5 {
		t.Errorf("only %d idempotent requests reached stripe-mock", len(echoed))
	}
}

// TestErrorMapping answers the provider's calls with Stripe's error
// answers that stripe-mock cannot produce (declines, outages).
func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   errs.Kind
		code   string
		reason string
	}{
		{"insufficient funds", 402, `{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}`,
			errs.PaymentFailed, payment.CodeDeclined, "insufficient_funds"},
		{"expired card", 402, `{"type":"card_error","code":"expired_card","message":"Your card has expired."}`,
			errs.PaymentFailed, payment.CodeDeclined, "expired_card"},
		{"generic decline", 402, `{"type":"card_error","message":"declined"}`, errs.PaymentFailed, payment.CodeDeclined, "card_declined"},
		{"api error", 500, `{"type":"api_error","message":"An unknown error occurred"}`, errs.Unavailable, payment.CodeUnavailable, ""},
		{"bad gateway", 502, `{"type":"api_error"}`, errs.Unavailable, payment.CodeUnavailable, ""},
		{"rate limited", 429, `{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}`, errs.Unavailable, payment.CodeUnavailable, ""},
		{"bad key", 401, `{"type":"invalid_request_error","message":"Invalid API Key provided"}`, errs.Unavailable, payment.CodeUnavailable, ""},
		{"invalid request", 400, `{"type":"invalid_request_error","code":"amount_too_small","param":"amount","message":"Amount must be at least $0.50 usd"}`,
			errs.Invalid, payment.CodeRejected, ""},
		{"no such intent", 404, `{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_intent"}`,
			errs.Invalid, payment.CodeRejected, ""},
		{"wrong state", 400, `{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"This PaymentIntent could not be captured"}`,
			errs.Conflict, payment.CodeState, ""},
		{"key reused", 400, `{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters"}`,
			errs.Conflict, payment.CodeKeyConflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				stripeError(w, tc.status, tc.body)
			}))
			defer srv.Close()
			p := newProvider(t, srv.URL, 0)
			_, err := p.Authorize(context.Background(), payment.ProviderAuthorize{Key: "k", Token: "pm_card_visa", Amount: usd(100)})
			errstest.Want(t, err, tc.kind, tc.code)
			if tc.reason != "" {
				if got := payment.DeclineReason(err); got != tc.reason {
					t.Fatalf("reason %q, want %q", got, tc.reason)
				}
				if e := err.Error(); !strings.Contains(e, tc.reason) {
					t.Fatalf("message %q does not tell the reason %s", e, tc.reason)
				}
			}
			err = p.Capture(context.Background(), payment.ProviderCall{Key: "pay_1:capture", ProviderRef: "pi_1", Amount: usd(100)})
			if tc.kind != errs.PaymentFailed {
				errstest.Want(t, err, tc.kind, tc.code)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		p := newProvider(t, "http://"+addr, 0)
		_, err = p.Authorize(context.Background(), payment.ProviderAuthorize{Key: "k", Token: "pm_card_visa", Amount: usd(100)})
		errstest.Want(t, err, errs.Unavailable, payment.CodeUnavailable)
	})
}

// TestRetryKeepsTheKey: a request whose connection dies is retried by the
// SDK with the same idempotency key, so Stripe runs it at most once.
func TestRetryKeepsTheKey(t *testing.T) {
	var rec recorder
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(mustJSON(intent("pi_retry", "requires_capture", 100, "k"))))
	}))
	defer srv.Close()
	p := newProvider(t, srv.URL, 2)
	ref, err := p.Authorize(context.Background(), payment.ProviderAuthorize{Key: "k", Token: "pm_card_visa", Amount: usd(100)})
	if err != nil || ref != "pi_retry" {
		t.Fatalf("authorize = %q, %v", ref, err)
	}
	calls := rec.all()
	if len(calls) != 2 || calls[0].Key != "agora:authorize:k" || calls[1].Key != calls[0].Key {
		t.Fatalf("calls %+v: want two attempts with the same key", calls)
	}
}

func TestAuthorizeOutcome(t *testing.T) {
	for _, tc := range []struct {
		status string
		kind   errs.Kind
		reason string
	}{
		{"requires_capture", 0, ""},
		{"requires_action", errs.PaymentFailed, "authentication_required"},
		{"requires_payment_method", errs.PaymentFailed, "card_declined"},
		{"canceled", errs.PaymentFailed, "card_declined"},
	} {
		t.Run(tc.status, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(mustJSON(intent("pi_1", tc.status, 100, "k"))))
			}))
			defer srv.Close()
			ref, err := newProvider(t, srv.URL, 0).Authorize(context.Background(),
				payment.ProviderAuthorize{Key: "k", Token: "pm_card_visa", Amount: usd(100)})
			if tc.reason == "" {
				if err != nil || ref != "pi_1" {
					t.Fatalf("authorize = %q, %v", ref, err)
				}
				return
			}
			errstest.Want(t, err, tc.kind, payment.CodeDeclined)
			if got := payment.DeclineReason(err); got != tc.reason {
				t.Fatalf("reason %q, want %q", got, tc.reason)
			}
		})
	}
}

// TestAlreadyDone: a capture of an intent captured elsewhere, or a cancel
// of one canceled elsewhere, is done; the other state refusals are not.
func TestAlreadyDone(t *testing.T) {
	refuse := func(status string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stripeError(w, http.StatusBadRequest, `{"type":"invalid_request_error","code":"payment_intent_unexpected_state",`+
				`"message":"unexpected state","payment_intent":`+mustJSON(intent("pi_1", status, 100, "k"))+`}`)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	ctx := context.Background()
	call := payment.ProviderCall{Key: "pay_1:x", AuthKey: "k", ProviderRef: "pi_1", Amount: usd(100)}
	if err := newProvider(t, refuse("succeeded").URL, 0).Capture(ctx, call); err != nil {
		t.Fatalf("capture of a captured intent: %v", err)
	}
	if err := newProvider(t, refuse("canceled").URL, 0).Void(ctx, call); err != nil {
		t.Fatalf("void of a canceled intent: %v", err)
	}
	errstest.Want(t, newProvider(t, refuse("canceled").URL, 0).Capture(ctx, call), errs.Conflict, payment.CodeState)
	errstest.Want(t, newProvider(t, refuse("succeeded").URL, 0).Void(ctx, call), errs.Conflict, payment.CodeState)
}

func TestCheckToken(t *testing.T) {
	p := newProvider(t, "http://127.0.0.1:1", 0)
	for tok, ok := range map[string]bool{
		"pm_card_visa": true, "pm_1PgafyB7WZ01zgkW": true, "tok_visa": false, "pm_": false, "": false,
		"pm_card visa": false, "pm_card_visa'": false, "pm_" + strings.Repeat("a", 200): false,
	} {
		err := p.CheckToken(tok)
		if ok && err != nil {
			t.Errorf("CheckToken(%q) = %v", tok, err)
		}
		if !ok {
			errstest.Want(t, err, errs.Invalid, payment.CodeInvalidToken)
		}
	}
	// A token that cannot be valid never reaches Stripe.
	_, err := p.Authorize(context.Background(), payment.ProviderAuthorize{Key: "k", Token: "tok_visa", Amount: usd(1)})
	errstest.Want(t, err, errs.Invalid, payment.CodeInvalidToken)
}

func TestIdempotencyKey(t *testing.T) {
	if got := paymentstripe.IdempotencyKey("capture", "pay_1:capture"); got != "agora:capture:pay_1:capture" {
		t.Fatalf("key %q", got)
	}
	long := strings.Repeat("k", 300)
	a, b := paymentstripe.IdempotencyKey("refund", long), paymentstripe.IdempotencyKey("refund", long+"x")
	if len(a) > 255 || a == b || !strings.HasPrefix(a, "agora:refund:sha256:") {
		t.Fatalf("long keys %q, %q", a, b)
	}
}
