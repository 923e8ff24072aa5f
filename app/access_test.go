package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
)

// TestEveryAdminRouteDeclaresAPermission walks every admin operation of the
// OpenAPI document: each must declare a permission (auth.Require) that a
// module declares (module.Module.Permissions), and the admin security
// scheme.
func TestEveryAdminRouteDeclaresAPermission(t *testing.T) {
	a, _ := startApp(t, backends(t)["embedded"](t))
	declared := map[auth.Permission]bool{}
	for _, p := range a.Env().Permissions() {
		declared[p.Name] = true
	}
	seen := map[string]bool{}
	n := 0
	for path, item := range a.Env().API.OpenAPI().Paths {
		if !strings.HasPrefix(path, "/admin/") && path != "/admin" {
			continue
		}
		for method, op := range map[string]*huma.Operation{
			"GET": item.Get, "HEAD": item.Head, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete,
		} {
			if op == nil {
				continue
			}
			n++
			pattern := method + " " + path
			seen[pattern] = true
			perm, ok := auth.PermissionOf(op)
			switch {
			case !ok:
				t.Errorf("%s (%s) declares no permission: register it with auth.Require", pattern, op.OperationID)
			case perm == auth.Public && pattern != "POST /admin/sessions":
				t.Errorf("%s is public: only the staff login may be", pattern)
			case perm == auth.Public || perm == auth.Authenticated:
			case !declared[perm]:
				t.Errorf("%s requires %q, which no module declares", pattern, perm)
			case method == "GET" && !auth.ReadOnly(perm):
				t.Errorf("%s is a read but declares %s", pattern, perm)
			}
			if len(op.Security) == 0 && perm != auth.Public {
				t.Errorf("%s does not declare the admin security scheme", pattern)
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d admin operations found; is the walk broken?", n)
	}
}

// validator checks answers of the real app against its OpenAPI document.
type validator struct {
	t      *testing.T
	srv    *httptest.Server
	router routers.Router
}

func newValidator(t *testing.T, srv *httptest.Server) *validator {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{t: t, srv: srv, router: router}
}

// do sends a request with a key (secret, "" for none) and checks the answer
// has the status and, for a problem, the code; every answer must match the
// document.
func (v *validator) do(method, path, body, key string, status int, code string, header ...string) map[string]any {
	t := v.t
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, v.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := v.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if status != 0 && res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, status, data)
	}
	var m map[string]any
	if len(data) > 0 {
		_ = json.Unmarshal(data, &m)
	}
	if res.StatusCode >= 400 {
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || (code != "" && m["code"] != code) {
			t.Fatalf("%s %s: %s %s, want problem %s", method, path, ct, data, code)
		}
	}
	if route, params, err := v.router.FindRoute(req); err == nil {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(data)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s: the answer does not match the document: %v\n%s", method, path, err, data)
		}
	} else if res.StatusCode < 400 {
		t.Errorf("%s %s: no route in the document: %v", method, path, err)
	}
	return m
}

func TestStaffAccess(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			a, srv := startApp(t, cfg(t))
			v := newValidator(t, srv)
			owner := testKey

			// Keys through the admin API: the secret is shown once.
			created := v.do("POST", "/admin/api-keys", `{"role":"catalog_manager","name":"importer"}`, owner, 201, "")
			catalogKey, _ := created["secret"].(string)
			catalogID, _ := created["id"].(string)
			if !strings.HasPrefix(catalogKey, "sk_") || !strings.HasPrefix(catalogID, "key_") {
				t.Fatalf("created key: %v", created)
			}
			analystKey := v.do("POST", "/admin/api-keys", `{"role":"analyst"}`, owner, 201, "")["secret"].(string)
			// A replay of the same Idempotency-Key makes no second key and
			// does not show the secret again: it is not kept.
			first := v.do("POST", "/admin/api-keys", `{"role":"analyst","name":"retry"}`, owner, 201, "", "Idempotency-Key", "key-1")
			again := v.do("POST", "/admin/api-keys", `{"role":"analyst","name":"retry"}`, owner, 201, "", "Idempotency-Key", "key-1")
			if again["id"] != first["id"] || again["secret"] != "[redacted]" || !strings.HasPrefix(first["secret"].(string), "sk_") {
				t.Fatalf("replayed key creation: %v, first %v", again, first)
			}
			v.do("POST", "/admin/api-keys", `{"role":"wizard"}`, owner, 400, "validation_failed")
			v.do("POST", "/admin/api-keys", `{"role":"analyst","extra":1}`, owner, 400, "validation_failed")
			v.do("POST", "/admin/api-keys", `{"role":"owner"}`, catalogKey, 403, "forbidden")
			list := v.do("GET", "/admin/api-keys?limit=100", "", owner, 200, "")
			if b, _ := json.Marshal(list); strings.Contains(string(b), catalogKey) || strings.Contains(string(b), `"secret"`) {
				t.Fatalf("the key list shows a secret: %s", b)
			}
			if got := v.do("GET", "/admin/api-keys/"+catalogID, "", owner, 200, ""); got["role"] != "catalog_manager" || got["name"] != "importer" {
				t.Fatalf("key: %v", got)
			}

			// Missing or wrong key 401, without the permission 403, unknown paths 404.
			v.do("GET", "/admin/products", "", "", 401, "unauthorized")
			v.do("GET", "/admin/products", "", "sk_wrong", 401, "unauthorized")
			v.do("GET", "/admin/products", "", analystKey, 200, "")
			v.do("POST", "/admin/products", walnut, analystKey, 403, "forbidden")
			product := v.do("POST", "/admin/products", walnut, catalogKey, 201, "")
			pid := product["id"].(string)
			v.do("POST", "/admin/orders/ord_x/refunds", `{}`, catalogKey, 403, "forbidden")
			v.do("GET", "/admin/audit-log", "", catalogKey, 403, "forbidden")
			v.do("GET", "/admin/api-keys", "", catalogKey, 403, "forbidden")
			v.do("GET", "/admin/no-such-thing", "", analystKey, 404, "not_found")
			v.do("GET", "/admin/no-such-thing", "", "", 401, "unauthorized")

			// Custom roles: stored, used by keys made through the API or the
			// command line, changed at once; built-in roles are read-only.
			v.do("POST", "/admin/roles", `{"name":"stocker","permissions":["inventory:write","products:read"]}`, owner, 201, "")
			v.do("POST", "/admin/roles", `{"name":"stocker","permissions":["products:read"]}`, owner, 409, "role_exists")
			v.do("POST", "/admin/roles", `{"name":"auditor","permissions":["audit:read"]}`, owner, 400, "validation_failed")
			v.do("POST", "/admin/roles", `{"name":"refunder","permissions":["orders:refund"]}`, catalogKey, 403, "forbidden")
			v.do("PATCH", "/admin/roles/analyst", `{"permissions":["products:write"]}`, owner, 409, "built_in_role")
			v.do("DELETE", "/admin/roles/owner", "", owner, 409, "built_in_role")
			v.do("GET", "/admin/roles/nobody", "", owner, 404, "not_found")
			if r := v.do("GET", "/admin/roles/analyst", "", owner, 200, ""); r["built_in"] != true {
				t.Fatalf("analyst: %v", r)
			}
			v.do("GET", "/admin/roles", "", analystKey, 403, "forbidden")
			names := []string{}
			for _, r := range v.do("GET", "/admin/roles?limit=100", "", owner, 200, "")["data"].([]any) {
				names = append(names, r.(map[string]any)["name"].(string))
			}
			if !slices.Contains(names, "stocker") || !slices.Contains(names, "owner") {
				t.Fatalf("roles: %v", names)
			}
			// What `agora keys create --role stocker` does.
			keys, _, err := a.Access(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			cli, err := keys.CreateKey(context.Background(), access.CreateKeyCommand{Role: "stocker", Name: "cli"})
			if err != nil {
				t.Fatalf("keys create --role stocker: %v", err)
			}
			stocker := cli.Secret
			v.do("PUT", "/admin/inventory/WDT-180", `{"on_hand":3}`, stocker, 200, "")
			v.do("PATCH", "/admin/products/"+pid, `{"title":"Walnut table"}`, stocker, 403, "forbidden")
			v.do("PATCH", "/admin/roles/stocker", `{"permissions":["products:read"]}`, owner, 200, "")
			v.do("PUT", "/admin/inventory/WDT-180", `{"on_hand":4}`, stocker, 403, "forbidden")
			v.do("DELETE", "/admin/roles/stocker", "", owner, 409, "role_in_use")

			// Revoking: at once.
			v.do("DELETE", "/admin/api-keys/"+catalogID, "", owner, 204, "")
			v.do("GET", "/admin/products", "", catalogKey, 401, "unauthorized")
			v.do("DELETE", "/admin/api-keys/key_01JAAAAAAAAAAAAAAAAAAAAAAA", "", owner, 404, "not_found")
		})
	}
}

func TestPublishableKeysSelectTheChannel(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			v := newValidator(t, srv)
			body := strings.Replace(walnut, `"status":"published",`, `"status":"published","channels":["wholesale"],`, 1)
			pid := v.do("POST", "/admin/products", body, testKey, 201, "")["id"].(string)
			v.do("POST", "/admin/products", `{"title":"Oak stool","status":"published","variants":[{"prices":[{"amount":5000,"currency":"USD"}]}]}`, testKey, 201, "")

			pk := v.do("POST", "/admin/publishable-keys", `{"channel":"wholesale","name":"B2B"}`, testKey, 201, "")
			token, pkID := pk["key"].(string), pk["id"].(string)
			v.do("POST", "/admin/publishable-keys", `{"channel":"Not A Channel"}`, testKey, 400, "validation_failed")

			titles := func(key string) []string {
				var hdr []string
				if key != "" {
					hdr = []string{auth.PublishableKeyHeader, key}
				}
				var out []string
				for _, p := range v.do("GET", "/store/products?currency=USD", "", "", 200, "", hdr...)["data"].([]any) {
					out = append(out, p.(map[string]any)["title"].(string))
				}
				slices.Sort(out)
				return out
			}
			if got := titles(""); !slices.Equal(got, []string{"Oak stool"}) {
				t.Fatalf("default channel: %v", got)
			}
			if got := titles(token); !slices.Equal(got, []string{"Oak stool", "Walnut dining table"}) {
				t.Fatalf("wholesale channel: %v", got)
			}
			v.do("GET", "/store/products/"+pid+"?currency=USD", "", "", 404, "not_found")
			v.do("GET", "/store/products/"+pid+"?currency=USD", "", "", 200, "", auth.PublishableKeyHeader, token)
			v.do("GET", "/store/products", "", "", 401, "unauthorized", auth.PublishableKeyHeader, "pk_unknown")

			v.do("DELETE", "/admin/publishable-keys/"+pkID, "", testKey, 204, "")
			v.do("GET", "/store/products", "", "", 401, "unauthorized", auth.PublishableKeyHeader, token)
			if got := v.do("GET", "/admin/publishable-keys?revoked=true", "", testKey, 200, "")["data"].([]any); len(got) != 1 {
				t.Fatalf("revoked keys: %v", got)
			}
		})
	}
}

func TestAuditLog(t *testing.T) {
	for name, cfg := range backends(t) {
		t.Run(name, func(t *testing.T) {
			_, srv := startApp(t, cfg(t))
			v := newValidator(t, srv)
			owner := testKey
			adminKey := v.do("POST", "/admin/api-keys", `{"role":"admin","name":"ops"}`, owner, 201, "")
			admin, adminID := adminKey["secret"].(string), adminKey["id"].(string)

			product := v.do("POST", "/admin/products", walnut, admin, 201, "")
			pid := product["id"].(string)
			v.do("PATCH", "/admin/products/"+pid, `{"title":"Walnut table"}`, admin, 200, "")
			v.do("PATCH", "/admin/products/prod_01JAAAAAAAAAAAAAAAAAAAAAAA", `{"title":"x"}`, admin, 404, "not_found")
			// Idempotent: the replay changes nothing and is not recorded again.
			v.do("DELETE", "/admin/products/"+pid, "", admin, 204, "", "Idempotency-Key", "del-1")
			v.do("DELETE", "/admin/products/"+pid, "", admin, 204, "", "Idempotency-Key", "del-1")
			v.do("POST", "/admin/tax/calculate", `{"country":"DE","currency":"EUR","lines":[]}`, admin, 0, "") // any status: a preview is never recorded

			// Owner only.
			v.do("GET", "/admin/audit-log", "", admin, 403, "forbidden")
			entries := v.do("GET", "/admin/audit-log?resource="+pid, "", owner, 200, "")["data"].([]any)
			if len(entries) != 3 {
				t.Fatalf("%d entries of the product, want 3 (create, update, delete): %v", len(entries), entries)
			}
			del, upd, create := entries[0].(map[string]any), entries[1].(map[string]any), entries[2].(map[string]any)
			if create["route"] != "POST /admin/products" || create["actor"] != adminID || create["actor_role"] != "admin" || create["before"] != nil ||
				create["after"].(map[string]any)["title"] != "Walnut dining table" || create["status"].(float64) != 201 || create["client_addr"] != "127.0.0.1" {
				t.Errorf("create: %v", create)
			}
			if upd["method"] != "PATCH" || upd["route"] != "PATCH /admin/products/{id}" || upd["resource_type"] != "products" ||
				upd["before"].(map[string]any)["title"] != "Walnut dining table" || upd["after"].(map[string]any)["title"] != "Walnut table" {
				t.Errorf("update: %v", upd)
			}
			if del["method"] != "DELETE" || del["before"].(map[string]any)["title"] != "Walnut table" || del["after"] != nil {
				t.Errorf("delete: %v", del)
			}

			// The key creation is recorded without its secret.
			keys := v.do("GET", "/admin/audit-log?resource_type=api-keys", "", owner, 200, "")["data"].([]any)
			if len(keys) != 1 {
				t.Fatalf("key entries: %v", keys)
			}
			if b, _ := json.Marshal(keys[0]); strings.Contains(string(b), admin) || !strings.Contains(string(b), "[redacted]") {
				t.Fatalf("the audit log holds a secret: %s", b)
			}
			if a := v.do("GET", "/admin/audit-log?actor=owner", "", owner, 200, ""); len(a["data"].([]any)) != 1 {
				t.Errorf("entries by the owner key: %v", a)
			}
			// Everything in pages of two, newest first, and no preview.
			var all []map[string]any
			cursor := ""
			for {
				page := v.do("GET", "/admin/audit-log?limit=2&cursor="+cursor, "", owner, 200, "")
				for _, e := range page["data"].([]any) {
					all = append(all, e.(map[string]any))
				}
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			if len(all) != 4 {
				t.Fatalf("%d entries in all, want 4", len(all))
			}
			for _, e := range all {
				if strings.Contains(e["route"].(string), "calculate") {
					t.Errorf("a preview was recorded: %v", e)
				}
			}
			v.do("GET", "/admin/audit-log?cursor=bogus", "", owner, 400, "validation_failed")
			v.do("GET", "/admin/audit-log/"+all[0]["id"].(string), "", owner, 200, "")
			// Append-only: no operation changes or deletes entries.
			v.do("DELETE", "/admin/audit-log/"+all[0]["id"].(string), "", owner, 405, "method_not_allowed")
		})
	}
}

func TestStaffSessions(t *testing.T) {
	_, srv := startApp(t, backends(t)["embedded"](t))
	v := newValidator(t, srv)
	staff := v.do("POST", "/admin/staff", `{"email":"ada@shop.example","name":"Ada","role":"catalog_manager","password":"correct horse"}`, testKey, 201, "")
	sid := staff["id"].(string)
	v.do("POST", "/admin/staff", `{"email":"ada@shop.example","role":"analyst","password":"correct horse"}`, testKey, 409, "email_taken")
	v.do("POST", "/admin/staff", `{"email":"bob@shop.example","role":"analyst","password":"short"}`, testKey, 400, "validation_failed")

	v.do("POST", "/admin/sessions", `{"email":"ada@shop.example","password":"wrong horse"}`, "", 401, "unauthorized")
	sess := v.do("POST", "/admin/sessions", `{"email":"ada@shop.example","password":"correct horse"}`, "", 201, "")
	token := sess["token"].(string)

	// The session acts with the account's role, like a key.
	v.do("POST", "/admin/products", walnut, token, 201, "")
	v.do("POST", "/admin/orders/ord_x/refunds", `{}`, token, 403, "forbidden")
	v.do("GET", "/admin/staff", "", token, 403, "forbidden")

	// The audit log names the account, for its login too, and never
	// holds the token.
	entries := v.do("GET", "/admin/audit-log?actor="+sid, "", testKey, 200, "")["data"].([]any)
	var routes []string
	for _, e := range entries {
		routes = append(routes, e.(map[string]any)["route"].(string))
		if r := e.(map[string]any)["actor_role"]; r != "catalog_manager" {
			t.Errorf("entry %v: actor_role %v", e, r)
		}
	}
	slices.Sort(routes)
	if !slices.Equal(routes, []string{"POST /admin/products", "POST /admin/sessions"}) {
		t.Fatalf("entries of the account: %v", entries)
	}
	all, _ := json.Marshal(v.do("GET", "/admin/audit-log?limit=100", "", testKey, 200, ""))
	if strings.Contains(string(all), token) || strings.Contains(string(all), "correct horse") {
		t.Fatalf("the audit log holds a session token or a password: %s", all)
	}

	v.do("DELETE", "/admin/sessions/current", "", testKey, 400, "not_a_session")
	v.do("DELETE", "/admin/sessions/current", "", token, 204, "")
	v.do("GET", "/admin/products", "", token, 401, "unauthorized")

	// Disabling ends every session.
	token = v.do("POST", "/admin/sessions", `{"email":"ada@shop.example","password":"correct horse"}`, "", 201, "")["token"].(string)
	v.do("DELETE", "/admin/staff/"+sid, "", testKey, 204, "")
	v.do("GET", "/admin/products", "", token, 401, "unauthorized")
	v.do("POST", "/admin/sessions", `{"email":"ada@shop.example","password":"correct horse"}`, "", 401, "unauthorized")
	if got := v.do("GET", "/admin/staff/"+sid, "", testKey, 200, ""); got["disabled_at"] == nil {
		t.Fatalf("disabled account: %v", got)
	}
}
