package accesshttp_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accesshttp"
	"github.com/agoracommerce/agora/access/accesssql"
	"github.com/agoracommerce/agora/access/accesssvc"
	"github.com/agoracommerce/agora/access/accesstest"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// serve serves the module's operations behind its guard and audit
// recorder, as a process does.
func serve(t *testing.T) (*httptest.Server, huma.API, *accesssvc.Service, *accesstest.Clock) {
	st := accesssql.New(sqldbtest.MustOpenSQLite(t))
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock := accesstest.NewClock()
	svc, err := accesssvc.New(st, accesstest.Config(), slog.New(slog.DiscardHandler), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	logs := &httpxtest.ErrorLog{}
	t.Cleanup(func() {
		for _, m := range logs.Messages() {
			t.Errorf("the server logged an error: %s", m)
		}
	})
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "Agora", "test", "")
	accesshttp.Register(api, svc)
	mux.HandleFunc("/", httpx.NoRoute(mux))
	accesshttp.DocumentGuard(api.OpenAPI())
	guard := &auth.Guard{Credentials: svc, Routes: auth.RoutesOf(api.OpenAPI()), Pattern: func(r *http.Request) string { _, p := mux.Handler(r); return p }}
	srv := httptest.NewServer(httpx.Base(slog.New(logs), guard.Middleware((&accesshttp.Recorder{Log: svc}).Middleware(mux))))
	t.Cleanup(srv.Close)
	return srv, api, svc, clock
}

func client(srv *httptest.Server, secret string) *accesshttp.Client {
	return accesshttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client(), Header: http.Header{"Authorization": {"Bearer " + secret}}})
}

// TestClientContract runs the contract suite through the client, the
// guard and the handlers: errors come back with the kinds and codes they
// have in process.
func TestClientContract(t *testing.T) {
	accesstest.TestService(t, func(t *testing.T) accesstest.Harness {
		srv, _, svc, clock := serve(t)
		return accesstest.Harness{
			As:          func(secret string) access.Service { return client(srv, secret) },
			Credentials: svc, Record: svc.Record, Clock: clock,
		}
	})
}

// TestRequests sends real requests, good and bad, and checks every answer
// against the OpenAPI document.
func TestRequests(t *testing.T) {
	srv, api, _, _ := serve(t)
	_, router := httpxtest.Document(t, api, srv)
	owner := func(c httpxtest.Case) httpxtest.Case { return c.With("Authorization", "Bearer "+accesstest.OwnerKey) }
	C := httpxtest.C
	httpxtest.Run(t, srv, router, []httpxtest.Case{
		C(http.MethodGet, "/admin/permissions", "", 401, "unauthorized"),
		C(http.MethodGet, "/admin/permissions", "", 401, "unauthorized").With("Authorization", "Bearer sk_nope"),
		owner(C(http.MethodGet, "/admin/permissions", "", 200, "")),
		owner(C(http.MethodGet, "/admin/roles?limit=101", "", 400, "")),
		owner(C(http.MethodGet, "/admin/roles/analyst", "", 200, "")),
		owner(C(http.MethodGet, "/admin/roles/nobody", "", 404, "not_found")),
		owner(C(http.MethodPost, "/admin/roles", `{"name":"stocker","permissions":["inventory:write"]}`, 201, "")),
		owner(C(http.MethodPost, "/admin/roles", `{"name":"stocker","permissions":["inventory:write"]}`, 409, access.CodeRoleExists)),
		owner(C(http.MethodPost, "/admin/roles", `{"name":"auditor","permissions":["audit:read"]}`, 400, "validation_failed")),
		owner(C(http.MethodPatch, "/admin/roles/analyst", `{"permissions":["products:write"]}`, 409, access.CodeBuiltInRole)),
		owner(C(http.MethodPatch, "/admin/roles/stocker", `{"permissions":["products:write"],"version":5}`, 409, access.CodeVersion)),
		owner(C(http.MethodPost, "/admin/api-keys", `{"role":"stocker","name":"cli"}`, 201, "")),
		owner(C(http.MethodDelete, "/admin/roles/stocker", "", 409, access.CodeRoleInUse)),
		owner(C(http.MethodPost, "/admin/api-keys", `{"role":"wizard"}`, 400, "validation_failed")),
		owner(C(http.MethodPost, "/admin/api-keys", `{"role":"analyst","extra":1}`, 400, "validation_failed")),
		owner(C(http.MethodGet, "/admin/api-keys", "", 200, "")),
		owner(C(http.MethodGet, "/admin/api-keys/key_01JAAAAAAAAAAAAAAAAAAAAAAA", "", 404, "not_found")),
		owner(C(http.MethodDelete, "/admin/api-keys/key_01JAAAAAAAAAAAAAAAAAAAAAAA", "", 404, "not_found")),
		owner(C(http.MethodPost, "/admin/publishable-keys", `{"channel":"Not A Channel"}`, 400, "validation_failed")),
		owner(C(http.MethodPost, "/admin/publishable-keys", `{"channel":"wholesale"}`, 201, "")),
		owner(C(http.MethodGet, "/admin/publishable-keys?revoked=true", "", 200, "")),
		owner(C(http.MethodPost, "/admin/staff", `{"email":"ada@shop.example","role":"support","password":"correct horse"}`, 201, "")),
		owner(C(http.MethodPost, "/admin/staff", `{"email":"ada@shop.example","role":"support","password":"correct horse"}`, 409, access.CodeEmailTaken)),
		owner(C(http.MethodPost, "/admin/staff", `{"email":"bob@shop.example","role":"support","password":"short"}`, 400, "validation_failed")),
		owner(C(http.MethodGet, "/admin/staff", "", 200, "")),
		C(http.MethodPost, "/admin/sessions", `{"email":"ada@shop.example","password":"wrong horse"}`, 401, "unauthorized"),
		C(http.MethodPost, "/admin/sessions", `{"email":"ada@shop.example","password":"correct horse"}`, 201, ""),
		owner(C(http.MethodDelete, "/admin/sessions/current", "", 400, access.CodeNotASession)),
		C(http.MethodDelete, "/admin/sessions/current", "", 401, "unauthorized"),
		owner(C(http.MethodGet, "/admin/audit-log?resource_type=api-keys", "", 200, "")),
		owner(C(http.MethodGet, "/admin/audit-log?cursor=bogus", "", 400, "validation_failed")),
		owner(C(http.MethodGet, "/admin/audit-log/aud_01JAAAAAAAAAAAAAAAAAAAAAAA", "", 404, "not_found")),
	})
}

// TestGuardAndAuditLog: the module's guard refuses callers without the
// permission, and its recorder writes every change that succeeded without
// its secrets.
func TestGuardAndAuditLog(t *testing.T) {
	srv, _, svc, _ := serve(t)
	ctx := t.Context()
	owner := client(srv, accesstest.OwnerKey)
	analyst, err := owner.CreateKey(ctx, access.CreateKeyCommand{Role: auth.Analyst})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client(srv, analyst.Secret).ListKeys(ctx, access.KeyQuery{}); err == nil || !strings.Contains(err.Error(), "api_keys:read") {
		t.Fatalf("an analyst listed keys: %v", err)
	}
	if _, err := client(srv, analyst.Secret).ListAudit(ctx, access.AuditQuery{}); err == nil {
		t.Fatal("an analyst read the audit log")
	}
	page, err := owner.ListAudit(ctx, access.AuditQuery{})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("audit log: %+v %v", page, err)
	}
	e := page.Data[0]
	if e.Route != "POST /admin/api-keys" || e.Actor != access.OwnerKeyID || e.ResourceID != analyst.ID || e.ResourceType != "api-keys" {
		t.Fatalf("entry: %+v", e)
	}
	got, err := svc.GetAuditEntry(ctx, e.ID)
	if after, ok := got.After.(json.RawMessage); err != nil || !ok || strings.Contains(string(after), analyst.Secret) || !strings.Contains(string(after), "[redacted]") {
		t.Fatalf("the audit log holds a secret: %v %v", got.After, err)
	}
}
