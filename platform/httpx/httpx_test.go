package httpx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/errs"
)

type echoIn struct {
	Body struct {
		Name  string `json:"name" minLength:"1" maxLength:"10"`
		Count int    `json:"count,omitempty" minimum:"0" maximum:"5"`
	}
}

type echoOut struct {
	Body struct {
		Name string `json:"name"`
	}
}

// server serves one operation that fails with the error named in the body.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	api := NewAPI(mux, "test", "1", "")
	huma.Register(api, huma.Operation{OperationID: "echo", Method: http.MethodPost, Path: "/echo"},
		func(ctx context.Context, in *echoIn) (*echoOut, error) {
			switch in.Body.Name {
			case "missing":
				return nil, errs.E(errs.NotFound, "thing_missing", "no such thing")
			case "conflict":
				return nil, errs.E(errs.Conflict, "sku_taken", "taken")
			case "invalid":
				return nil, errs.Validation(errs.Field("name", "is odd"))
			case "boom":
				return nil, errors.New("database password is hunter2")
			case "panic":
				panic("kaboom")
			}
			out := &echoOut{}
			out.Body.Name = in.Body.Name
			return out, nil
		})
	mux.HandleFunc("/", NotFound)
	srv := httptest.NewServer(Base(slog.New(slog.NewTextHandler(io.Discard, nil)), mux))
	t.Cleanup(srv.Close)
	return srv
}

func TestProblems(t *testing.T) {
	srv := server(t)
	for _, tc := range []struct {
		body   string
		status int
		code   string
		field  string
	}{
		{`{"name":"missing"}`, 404, "thing_missing", ""},
		{`{"name":"conflict"}`, 409, "sku_taken", ""},
		{`{"name":"invalid"}`, 400, "validation_failed", "name"},
		{`{"name":"boom"}`, 500, "internal", ""},
		{`{"name":"panic"}`, 500, "internal", ""},
		{`{"name":"ok","extra":1}`, 400, "validation_failed", "extra"},
		{`{"name":""}`, 400, "validation_failed", "name"},
		{`{"name":"ok","count":9}`, 400, "validation_failed", "count"},
		{`{"name":7}`, 400, "validation_failed", "name"},
		{`{"name":`, 400, "malformed_request", ""},
		{`{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "payload_too_large", ""},
	} {
		resp, err := http.Post(srv.URL+"/echo", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := errorOf(resp.StatusCode, b)
		if resp.StatusCode != tc.status || errs.CodeOf(got) != tc.code {
			t.Errorf("%.40s: %d %s, want %d %s", tc.body, resp.StatusCode, b, tc.status, tc.code)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%.40s: content type %q", tc.body, ct)
		}
		if resp.Header.Get(RequestIDHeader) == "" {
			t.Errorf("%.40s: no request id", tc.body)
		}
		if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "kaboom") {
			t.Errorf("internal detail leaked: %s", b)
		}
		if tc.field != "" {
			var e *errs.Error
			if !errors.As(got, &e) || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
				t.Errorf("%.40s: fields %s, want %s", tc.body, b, tc.field)
			}
		}
	}
}

// TestClientMapsProblemsBack checks that errs.Is behaves the same remote
// as in-process.
func TestClientMapsProblemsBack(t *testing.T) {
	srv := server(t)
	c := &Client{BaseURL: srv.URL}
	var out struct {
		Name string `json:"name"`
	}
	if err := c.Do(context.Background(), http.MethodPost, "/echo", map[string]string{"name": "hi"}, &out); err != nil || out.Name != "hi" {
		t.Fatalf("ok call: %v %q", err, out.Name)
	}
	for name, kind := range map[string]errs.Kind{"missing": errs.NotFound, "conflict": errs.Conflict, "invalid": errs.Invalid, "boom": errs.Internal} {
		err := c.Do(context.Background(), http.MethodPost, "/echo", map[string]string{"name": name}, nil)
		if !errs.Is(err, kind) {
			t.Errorf("%s: got %v (kind %v), want kind %v", name, err, errs.KindOf(err), kind)
		}
	}
	err := c.Do(context.Background(), http.MethodPost, "/echo", map[string]string{"name": "invalid"}, nil)
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "name" {
		t.Errorf("fields lost over the wire: %#v", err)
	}
	if err := c.Do(context.Background(), http.MethodGet, "/nowhere", nil, nil); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown route: %v", err)
	}
	down := &Client{BaseURL: "http://127.0.0.1:1"}
	if err := down.Do(context.Background(), http.MethodGet, "/", nil, nil); !errs.Is(err, errs.Unavailable) {
		t.Errorf("unreachable server: %v", err)
	}
}

func TestStatusRoundTrip(t *testing.T) {
	for _, k := range []errs.Kind{errs.Invalid, errs.NotFound, errs.Conflict, errs.Unauthorized, errs.Forbidden, errs.Unavailable, errs.TooLarge, errs.PaymentFailed, errs.RateLimited, errs.Internal} {
		if got := KindOfStatus(Status(k)); got != k {
			t.Errorf("kind %v → %d → %v", k, Status(k), got)
		}
	}
}
