package paymentstripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymenthttp"
	"github.com/agoracommerce/agora/payment/paymentsvc"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
)

// TestWebhookHTTP posts webhooks to POST /webhooks/{provider} and checks
// every answer against the OpenAPI document: a bad or missing signature is
// 400 invalid_signature and changes nothing, a good one is applied once.
func TestWebhookHTTP(t *testing.T) {
	ctx := context.Background()
	f := newFakeStripe(t)
	st := paymenttest.MustStore(t)
	svc := paymentsvc.New(st, []payment.Provider{paymentsvc.NewTestProvider(), newProvider(t, f.srv.URL, 0)}, slog.New(slog.DiscardHandler), time.Now)
	srv, api := httpxtest.Serve(t, func(api huma.API) { paymenthttp.Register(api, svc) })
	_, router := httpxtest.Document(t, api, srv)
	p := paymenttest.Must(t)(svc.Authorize(ctx, payment.AuthorizeCommand{Key: "chk_h", Provider: "stripe", Token: "pm_card_visa", Amount: usd(800)}))
	payload, header := signed(t, "evt_h1", "payment_intent.canceled", intent(p.ProviderRef, "canceled", 800, "chk_h"), time.Time{})

	post := func(t *testing.T, provider, sig string, body []byte, status int, code string) []byte {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/webhooks/"+provider, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("no route in the document: %v", err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != status {
			t.Fatalf("status %d, want %d: %s", res.StatusCode, status, data)
		}
		if status >= 400 {
			var pr httpx.Problem
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(data, &pr) != nil || pr.Code != code {
				t.Fatalf("answer %s %s, want problem+json with code %s", ct, data, code)
			}
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(data)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
			t.Errorf("the answer does not match the document: %v\n%s", err, data)
		}
		return data
	}

	post(t, "stripe", "", payload, http.StatusBadRequest, payment.CodeBadSignature)
	post(t, "stripe", "t=1,v1=deadbeef", payload, http.StatusBadRequest, payment.CodeBadSignature)
	post(t, "stripe", header, append(bytes.Clone(payload), ' '), http.StatusBadRequest, payment.CodeBadSignature)
	post(t, "stripe", header, nil, http.StatusBadRequest, "malformed_request") // an empty body
	post(t, "test", header, payload, http.StatusBadRequest, payment.CodeNoWebhooks)
	post(t, "nope", header, payload, http.StatusBadRequest, payment.CodeUnknownProvider)
	if got := paymenttest.Must(t)(svc.Get(ctx, p.ID)); got.Status != payment.Authorized || got.Version != p.Version {
		t.Fatalf("a refused webhook changed the payment: %+v", got)
	}
	var res payment.WebhookResult
	if err := json.Unmarshal(post(t, "stripe", header, payload, http.StatusOK, ""), &res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != payment.OutcomeApplied || res.PaymentID != p.ID || res.EventID != "evt_h1" || res.Type != "payment_intent.canceled" {
		t.Fatalf("result %+v", res)
	}
	if err := json.Unmarshal(post(t, "stripe", header, payload, http.StatusOK, ""), &res); err != nil || res.Outcome != payment.OutcomeDuplicate {
		t.Fatalf("redelivery: %+v, %v", res, err)
	}
	if got := paymenttest.Must(t)(svc.Get(ctx, p.ID)); got.Status != payment.Voided {
		t.Fatalf("after the webhook %+v", got)
	}

	// The HTTP client posts the payload byte for byte.
	client := paymenthttp.NewClient(&httpx.Client{BaseURL: srv.URL})
	q := paymenttest.Must(t)(svc.Authorize(ctx, payment.AuthorizeCommand{Key: "chk_h2", Provider: "stripe", Token: "pm_card_visa", Amount: usd(100)}))
	payload, header = signed(t, "evt_h2", "payment_intent.succeeded", intent(q.ProviderRef, "succeeded", 100, "chk_h2"), time.Time{})
	_, err := client.HandleWebhook(ctx, payment.WebhookCommand{Provider: "stripe", Payload: payload, Signature: "t=1,v1=00"})
	errstest.Want(t, err, errs.Invalid, payment.CodeBadSignature)
	out, err := client.HandleWebhook(ctx, payment.WebhookCommand{Provider: "stripe", Payload: payload, Signature: header})
	if err != nil || out.Outcome != payment.OutcomeApplied || out.PaymentID != q.ID {
		t.Fatalf("through the client: %+v, %v", out, err)
	}
}
