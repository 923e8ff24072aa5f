package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/agoracommerce/agora/payment/paymentstripe"
)

// stripeStandIn answers the PaymentIntent calls of the stripe provider the
// way Stripe does for a card that authorizes, and remembers the intents.
type stripeStandIn struct {
	mu      sync.Mutex
	intents []string // ids, in creation order
	keys    []string // idempotency keys of every call
}

func (s *stripeStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/payment_intents":
		id := "pi_" + strings.NewReplacer(":", "_", "-", "_").Replace(r.Header.Get("Idempotency-Key"))
		s.intents = append(s.intents, id)
		amount, _ := strconv.ParseInt(r.PostForm.Get("amount"), 10, 64)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "object": "payment_intent", "status": "requires_capture",
			"amount": amount, "currency": r.PostForm.Get("currency"), "capture_method": "manual"})
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/capture"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/payment_intents/"), "/capture")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "object": "payment_intent", "status": "succeeded"})
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","code":"resource_missing","message":"no such route"}}`))
	}
}

// TestStripeEndToEnd: with a Stripe key configured, a checkout pays with the
// stripe provider, an admin capture goes to Stripe with its idempotency key,
// and Stripe's signed webhooks reach the payment (a bad signature is 400).
func TestStripeEndToEnd(t *testing.T) {
	standIn := &stripeStandIn{}
	stripeSrv := httptest.NewServer(standIn)
	t.Cleanup(stripeSrv.Close)
	cfg := backends(t)["embedded"](t)
	cfg.StripeSecretKey, cfg.StripeAPIURL, cfg.StripeWebhookSecret = "sk_test_agora", stripeSrv.URL, "whsec_agora"
	_, srv := startApp(t, cfg)
	auth := []string{"Authorization", "Bearer " + testKey}
	vid := stockedWalnut(t, srv, 3, auth...)
	a := call(t, srv, "POST", "/store/carts", `{"currency":"USD"}`)
	cartID := a.json(t)["id"].(string)
	if a := addItem(t, srv, cartID, `{"variant_id":"`+vid+`","quantity":1}`); a.status != 200 {
		t.Fatalf("add item: %d %s", a.status, a.body)
	}
	body := func(token string) string {
		return `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},` +
			`"payment":{"provider":"stripe","token":"` + token + `"}}`
	}
	if a := call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", body("tok_visa"), "Idempotency-Key", "chk-s0"); a.status != 400 || a.json(t)["code"] != "invalid_token" {
		t.Fatalf("a test token with stripe: %d %s", a.status, a.body)
	}
	a = call(t, srv, "POST", "/store/carts/"+cartID+"/checkout", body("pm_card_visa"), "Idempotency-Key", "chk-s1")
	if a.status != 201 {
		t.Fatalf("checkout: %d %s", a.status, a.body)
	}
	oid := a.json(t)["order"].(map[string]any)["id"].(string)
	standIn.mu.Lock()
	intents := append([]string(nil), standIn.intents...)
	standIn.mu.Unlock()
	if len(intents) != 1 {
		t.Fatalf("intents %v, want one", intents)
	}
	if a := call(t, srv, "POST", "/admin/orders/"+oid+"/capture", "", auth...); a.status != 200 || a.json(t)["status"] != "paid" {
		t.Fatalf("capture: %d %s", a.status, a.body)
	}
	standIn.mu.Lock()
	last := standIn.keys[len(standIn.keys)-1]
	standIn.mu.Unlock()
	if !strings.HasPrefix(last, "agora:capture:pay_") || !strings.HasSuffix(last, ":capture") {
		t.Fatalf("capture key %q", last)
	}

	// Stripe reports the capture: the payment already is captured.
	payload, err := paymentstripe.EventPayload("evt_app_1", "payment_intent.succeeded",
		map[string]any{"id": intents[0], "object": "payment_intent", "status": "succeeded", "amount_received": 129900, "currency": "usd"})
	if err != nil {
		t.Fatal(err)
	}
	signedPayload := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: "whsec_agora"})
	post := func(sig string) answer {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/stripe", strings.NewReader(string(payload)))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header, b}
	}
	if a := post(""); a.status != 400 || a.json(t)["code"] != "invalid_signature" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("unsigned webhook: %d %s", a.status, a.body)
	}
	a = post(signedPayload.Header)
	if a.status != 200 || a.json(t)["outcome"] != "unchanged" {
		t.Fatalf("webhook: %d %s", a.status, a.body)
	}
	pid := a.json(t)["payment_id"].(string)
	if a := post(signedPayload.Header); a.status != 200 || a.json(t)["outcome"] != "duplicate" {
		t.Fatalf("redelivered webhook: %d %s", a.status, a.body)
	}
	if a := call(t, srv, "GET", "/admin/payments/"+pid, "", auth...); a.status != 200 || a.json(t)["status"] != "captured" || a.json(t)["provider_ref"] != intents[0] {
		t.Fatalf("payment: %d %s", a.status, a.body)
	}
	var doc map[string]any
	if a := call(t, srv, "GET", "/openapi.json", ""); a.status != 200 || json.Unmarshal(a.body, &doc) != nil || doc["paths"].(map[string]any)["/webhooks/{provider}"] == nil {
		t.Fatalf("the webhook route is not in the OpenAPI document")
	}
}

func TestStripeConfigValidate(t *testing.T) {
	c := DefaultConfig()
	c.StripeWebhookSecret = "whsec_x"
	c.StripeAPIURL = "ftp://stripe"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "AGORA_STRIPE_SECRET_KEY") || !strings.Contains(err.Error(), "Stripe API URL") {
		t.Fatalf("error %v", err)
	}
	c.StripeSecretKey, c.StripeAPIURL = "sk_test_x", "http://127.0.0.1:12111"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}
