package accesshttp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
)

// memLog keeps recorded entries, newest first.
type memLog struct {
	mu      sync.Mutex
	entries []access.Entry
}

func (l *memLog) Record(_ context.Context, e access.Entry) (access.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append([]access.Entry{e}, l.entries...)
	return e, nil
}

func TestResourceOf(t *testing.T) {
	for _, tc := range []struct {
		pattern, path       string
		typ, resPath, resID string
	}{
		{"POST /admin/products", "/admin/products", "products", "", ""},
		{"PATCH /admin/products/{id}", "/admin/products/prod_1", "products", "/admin/products/prod_1", "prod_1"},
		{"POST /admin/orders/{id}/refunds", "/admin/orders/ord_1/refunds", "orders", "/admin/orders/ord_1", "ord_1"},
		{"PUT /admin/price-lists/{id}/prices", "/admin/price-lists/pl_1/prices", "price-lists", "/admin/price-lists/pl_1", "pl_1"},
		{"DELETE /admin/tax/classes/{code}", "/admin/tax/classes/reduced", "tax/classes", "/admin/tax/classes/reduced", "reduced"},
		{"PUT /admin/inventory/{sku}", "/admin/inventory/A%2FB", "inventory", "/admin/inventory/A%2FB", "A/B"},
		{"POST /admin/orders/checkouts/recover", "/admin/orders/checkouts/recover", "orders/checkouts/recover", "", ""},
		{"PUT /admin/customers/{id}/addresses/{address_id}", "/admin/customers/cus_1/addresses/adr_2", "customers", "/admin/customers/cus_1/addresses/adr_2 /admin/customers/cus_1", "adr_2"},
	} {
		u, _ := url.Parse(tc.path)
		typ, paths, id := resourceOf(tc.pattern, u)
		if typ != tc.typ || strings.Join(paths, " ") != tc.resPath || id != tc.resID {
			t.Errorf("%s %s: %q %q %q, want %q %q %q", tc.pattern, tc.path, typ, paths, id, tc.typ, tc.resPath, tc.resID)
		}
	}
}

func TestRedaction(t *testing.T) {
	doc := document([]byte(`{"id":"key_1","secret":"sk_abc","nested":{"Password":"x","list":[{"token":"t","ok":1}]},"amount":12345678901234567890}`), false)
	s := string(doc)
	for _, leaked := range []string{"sk_abc", `"x"`, `"t"`} {
		if strings.Contains(s, leaked) {
			t.Errorf("%s leaked in %s", leaked, s)
		}
	}
	if !strings.Contains(s, `"ok":1`) || !strings.Contains(s, "12345678901234567890") || strings.Count(s, Redacted) != 3 {
		t.Errorf("redacted document: %s", s)
	}
	if document([]byte("not json"), false) != nil || document(nil, false) != nil || document([]byte(`{}`), true) != nil {
		t.Error("a non-document was recorded")
	}
}

// TestRecorder runs the recorder behind a principal and route like the
// guard sets them, in front of a small resource server.
func TestRecorder(t *testing.T) {
	l := &memLog{}
	state := map[string]string{"thing_1": `{"id":"thing_1","v":1}`}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := state[r.PathValue("id")]
		if !ok {
			http.Error(w, "{}", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(doc))
	})
	mux.HandleFunc("PATCH /admin/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, ok := state[id]; !ok {
			http.Error(w, "{}", http.StatusNotFound)
			return
		}
		state[id] = `{"id":"` + id + `","v":2}`
		w.Write([]byte(state[id]))
	})
	mux.HandleFunc("DELETE /admin/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		delete(state, r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /admin/keys", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"key_9","secret":"sk_topsecret"}`))
	})
	mux.HandleFunc("POST /admin/quote", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	mux.HandleFunc("POST /admin/replayed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Idempotent-Replayed", "true")
		w.Write([]byte(`{}`))
	})
	perms := map[string]auth.Permission{
		"GET /admin/things/{id}": "things:read", "PATCH /admin/things/{id}": "things:write", "DELETE /admin/things/{id}": "things:write",
		"POST /admin/keys": APIKeysWrite, "POST /admin/quote": "prices:read", "POST /admin/replayed": "things:write",
	}
	rec := (&Recorder{Log: l}).Middleware(mux)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		ctx := auth.WithPrincipal(r.Context(), auth.Principal{KeyID: "key_x", Role: auth.Admin})
		ctx = auth.WithRoute(ctx, auth.Route{Pattern: pattern, Permission: perms[pattern]})
		rec.ServeHTTP(w, r.WithContext(ctx))
	})
	send := func(method, path string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(`{"password":"never recorded"}`))
		req.RemoteAddr = "198.51.100.7:4242"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"PATCH", "/admin/things/thing_1", 200},
		{"PATCH", "/admin/things/thing_404", 404}, // failed: not recorded
		{"POST", "/admin/keys", 201},
		{"POST", "/admin/quote", 200},    // a read: not recorded
		{"POST", "/admin/replayed", 200}, // a replay: not recorded
		{"DELETE", "/admin/things/thing_1", 204},
		{"GET", "/admin/things/thing_1", 404},
	} {
		if got := send(c.method, c.path); got != c.status {
			t.Fatalf("%s %s: %d, want %d", c.method, c.path, got, c.status)
		}
	}
	entries := l.entries
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3: %+v", len(entries), entries)
	}
	del, key, patch := entries[0], entries[1], entries[2]
	js := func(v any) string {
		if v == nil {
			return "null"
		}
		return string(v.(json.RawMessage))
	}
	if patch.Route != "PATCH /admin/things/{id}" || patch.ResourceID != "thing_1" || patch.ResourceType != "things" ||
		js(patch.Before) != `{"id":"thing_1","v":1}` || js(patch.After) != `{"id":"thing_1","v":2}` ||
		patch.Actor != "key_x" || patch.ActorRole != "admin" || patch.ClientAddr != "198.51.100.7" || patch.Status != 200 {
		t.Errorf("patch: %+v before %s after %s", patch, js(patch.Before), js(patch.After))
	}
	if key.ResourceID != "key_9" || strings.Contains(js(key.After), "sk_topsecret") || !strings.Contains(js(key.After), Redacted) || key.Before != nil {
		t.Errorf("key creation: %+v after %s", key, js(key.After))
	}
	if del.Method != "DELETE" || js(del.Before) != `{"id":"thing_1","v":2}` || del.After != nil || del.Status != 204 {
		t.Errorf("delete: %+v before %s", del, js(del.Before))
	}
	for _, e := range entries {
		if b, _ := json.Marshal(e); strings.Contains(string(b), "never recorded") {
			t.Errorf("a request body was recorded: %s", b)
		}
	}
}
