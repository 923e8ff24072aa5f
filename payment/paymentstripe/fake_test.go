package paymentstripe_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/agoracommerce/agora/payment/paymentstripe"
)

// call is one request a Stripe server received.
type call struct {
	Method, Path, Key string
	Form              url.Values
}

// recorder keeps the requests made to a Stripe server.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

func (r *recorder) record(req *http.Request) call {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	form, _ := url.ParseQuery(string(body))
	for k, v := range req.URL.Query() {
		form[k] = v
	}
	c := call{Method: req.Method, Path: req.URL.Path, Key: req.Header.Get("Idempotency-Key"), Form: form}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return c
}

func (r *recorder) all() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

func (r *recorder) last(tb testing.TB) call {
	tb.Helper()
	cs := r.all()
	if len(cs) == 0 {
		tb.Fatal("no request reached Stripe")
	}
	return cs[len(cs)-1]
}

// wantForm fails tb unless c carries every field of want.
func wantForm(tb testing.TB, c call, want map[string]string) {
	tb.Helper()
	for k, v := range want {
		if got := c.Form.Get(k); got != v {
			tb.Errorf("%s %s: %s = %q, want %q (form %v)", c.Method, c.Path, k, got, v, c.Form)
		}
	}
}

// fakeStripe is a small stateful stand-in for the parts of Stripe's API the
// provider uses, for the service's webhook tests: stripe-mock keeps no state
// and always answers a PaymentIntent that still needs a payment method.
// Like Stripe, it answers a repeated idempotency key with the first answer.
type fakeStripe struct {
	recorder
	srv     *httptest.Server
	mu      sync.Mutex
	down    bool
	intents map[string]map[string]any
	refunds []map[string]any
	byKey   map[string][]byte
}

func newFakeStripe(t *testing.T) *fakeStripe {
	f := &fakeStripe{intents: map[string]map[string]any{}, byKey: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeStripe) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func idOf(prefix, key string) string {
	h := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(h[:8])
}

func stripeError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"error":`+body+`}`)
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	c := f.record(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		stripeError(w, http.StatusInternalServerError, `{"type":"api_error","message":"down"}`)
		return
	}
	if b, ok := f.byKey[c.Key]; ok && c.Key != "" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	}
	amount, _ := strconv.ParseInt(c.Form.Get("amount"), 10, 64)
	var out map[string]any
	parts := strings.Split(strings.Trim(c.Path, "/"), "/")
	switch {
	case c.Method == http.MethodPost && c.Path == "/v1/payment_intents":
		switch c.Form.Get("payment_method") {
		case "pm_card_chargeDeclinedInsufficientFunds":
			stripeError(w, http.StatusPaymentRequired, `{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}`)
			return
		case "pm_card_chargeDeclinedExpiredCard":
			stripeError(w, http.StatusPaymentRequired, `{"type":"card_error","code":"expired_card","message":"Your card has expired."}`)
			return
		}
		out = map[string]any{"id": idOf("pi_", c.Key), "object": "payment_intent", "status": "requires_capture", "amount": amount,
			"amount_capturable": amount, "currency": c.Form.Get("currency"), "capture_method": c.Form.Get("capture_method"),
			"metadata": map[string]string{paymentstripe.MetaPaymentKey: c.Form.Get("metadata[" + paymentstripe.MetaPaymentKey + "]")}}
		f.intents[out["id"].(string)] = out
	case c.Method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && (parts[3] == "capture" || parts[3] == "cancel"):
		pi, ok := f.intents[parts[2]]
		if !ok {
			stripeError(w, http.StatusNotFound, `{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_intent"}`)
			return
		}
		if parts[3] == "capture" {
			captured, _ := strconv.ParseInt(c.Form.Get("amount_to_capture"), 10, 64)
			pi["status"], pi["amount_received"] = "succeeded", captured
		} else {
			pi["status"] = "canceled"
		}
		out = pi
	case c.Method == http.MethodGet && c.Path == "/v1/payment_intents/search":
		var data []any
		for _, pi := range f.intents {
			key := pi["metadata"].(map[string]string)[paymentstripe.MetaPaymentKey]
			if strings.Contains(c.Form.Get("query"), "'"+key+"'") {
				data = append(data, pi)
			}
		}
		out = map[string]any{"object": "search_result", "data": data, "has_more": false}
	case c.Method == http.MethodPost && c.Path == "/v1/refunds":
		out = map[string]any{"id": idOf("re_", c.Key), "object": "refund", "status": "succeeded", "amount": amount, "currency": "usd",
			"payment_intent": c.Form.Get("payment_intent"),
			"metadata":       map[string]string{paymentstripe.MetaRefundKey: c.Form.Get("metadata[" + paymentstripe.MetaRefundKey + "]")}}
		f.refunds = append(f.refunds, out)
	case c.Method == http.MethodGet && c.Path == "/v1/refunds":
		var data []any
		for _, re := range f.refunds {
			if re["payment_intent"] == c.Form.Get("payment_intent") {
				data = append(data, re)
			}
		}
		out = map[string]any{"object": "list", "data": data, "has_more": false, "url": "/v1/refunds"}
	default:
		stripeError(w, http.StatusNotFound, `{"type":"invalid_request_error","message":"unknown route"}`)
		return
	}
	b, _ := json.Marshal(out)
	if c.Key != "" {
		f.byKey[c.Key] = b
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// addRefund records a refund made outside Agora (in Stripe's dashboard).
func (f *fakeStripe) addRefund(id, pi string, amount int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refunds = append(f.refunds, map[string]any{"id": id, "object": "refund", "status": "succeeded", "amount": amount,
		"currency": "usd", "payment_intent": pi, "metadata": map[string]string{}})
}

const whsec = "whsec_test_secret"

// newProvider returns a provider on the API at url, without network retries
// unless retries > 0.
func newProvider(t *testing.T, url string, retries int64) *paymentstripe.Provider {
	t.Helper()
	cfg := paymentstripe.DefaultConfig()
	cfg.SecretKey, cfg.APIURL, cfg.WebhookSecret, cfg.MaxNetworkRetries = "sk_test_agora", url, whsec, retries
	cfg.Timeout = 10 * time.Second
	p, err := paymentstripe.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// signed is a webhook delivery of an event about object, signed with the
// endpoint's secret at time at (now when zero).
func signed(t *testing.T, eventID, typ string, object any, at time.Time) (payload []byte, header string) {
	t.Helper()
	b, err := paymentstripe.EventPayload(eventID, typ, object)
	if err != nil {
		t.Fatal(err)
	}
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: b, Secret: whsec, Timestamp: at})
	return sp.Payload, sp.Header
}

// stripeMockURL is the address of a local stripe-mock, or skips t.
func stripeMockURL(t *testing.T) string {
	u := os.Getenv("AGORA_TEST_STRIPE_URL")
	if u == "" {
		t.Skip("AGORA_TEST_STRIPE_URL is not set (a local stripe-mock)")
	}
	return u
}

func intent(id, status string, amount int64, key string) map[string]any {
	return map[string]any{"id": id, "object": "payment_intent", "status": status, "amount": amount, "amount_received": amount,
		"currency": "usd", "metadata": map[string]string{paymentstripe.MetaPaymentKey: key}}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return string(b)
}
