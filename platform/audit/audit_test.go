package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func eachDB(t *testing.T, fn func(t *testing.T, l *Log)) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			l := New(d.Open(t), time.Now)
			if err := l.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			// Migrating again (a second start) changes nothing.
			if err := l.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, l)
		})
	}
}

// TestMigrateConcurrently: processes that start at once on one migrated
// database all migrate without an error, and the log stays append-only.
// (On PostgreSQL, the same DDL run by two sessions at once outside the
// migration lock fails with "tuple concurrently updated".)
func TestMigrateConcurrently(t *testing.T) {
	eachDB(t, func(t *testing.T, l *Log) {
		ctx := context.Background()
		for round := range 10 {
			var wg sync.WaitGroup
			errs := make([]error, 6)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = l.Migrate(ctx)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d, start %d: %v", round, i, err)
				}
			}
		}
		e, err := l.Append(ctx, Entry{Actor: "key_a", ActorRole: "admin", Method: "POST", Route: "POST /admin/products", Path: "/admin/products", Status: 201})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.db.ExecContext(ctx, `DELETE FROM platform_audit_log WHERE id = ?`, e.ID); err == nil {
			t.Error("an entry was deleted")
		}
	})
}

func TestLog(t *testing.T) {
	eachDB(t, func(t *testing.T, l *Log) {
		ctx := context.Background()
		var ids []string
		for i, e := range []Entry{
			{Actor: "key_a", ActorRole: "admin", Method: "POST", Route: "POST /admin/products", Path: "/admin/products", ResourceType: "products", ResourceID: "prod_1", Status: 201, After: json.RawMessage(`{"id":"prod_1"}`)},
			{Actor: "key_b", ActorRole: "catalog_manager", Method: "PATCH", Route: "PATCH /admin/products/{id}", Path: "/admin/products/prod_1", ResourceType: "products", ResourceID: "prod_1", Status: 200, Before: json.RawMessage(`{"id":"prod_1","title":"a"}`), After: json.RawMessage(`{"id":"prod_1","title":"b"}`)},
			{Actor: "key_a", ActorRole: "admin", Method: "DELETE", Route: "DELETE /admin/tax/regions/{id}", Path: "/admin/tax/regions/txr_1", ResourceType: "tax/regions", ResourceID: "txr_1", Status: 204},
		} {
			e.ClientAddr, e.RequestID = "192.0.2.1", "req-"+string(rune('a'+i))
			got, err := l.Append(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got.ID)
		}
		page, err := l.List(ctx, Query{})
		if err != nil || len(page.Data) != 3 || page.Data[0].ID != ids[2] || page.NextCursor != nil {
			t.Fatalf("list: %+v %v", page, err)
		}
		if e := page.Data[1]; string(e.Before.(json.RawMessage)) != `{"id":"prod_1","title":"a"}` || e.ClientAddr != "192.0.2.1" || e.At.IsZero() {
			t.Fatalf("entry: %+v", e)
		}
		if page.Data[0].Before != nil || page.Data[0].After != nil {
			t.Fatalf("absent documents are not null: %+v", page.Data[0])
		}
		for _, tc := range []struct {
			q    Query
			want []string
		}{
			{Query{Actor: "key_a"}, []string{ids[2], ids[0]}},
			{Query{ResourceID: "prod_1"}, []string{ids[1], ids[0]}},
			{Query{ResourceType: "tax/regions"}, []string{ids[2]}},
			{Query{Actor: "key_b", ResourceID: "txr_1"}, nil},
		} {
			page, err := l.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range page.Data {
				got = append(got, e.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
			}
		}
		// Pages of one.
		var walked []string
		cursor := ""
		for {
			page, err := l.List(ctx, Query{Limit: 1, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Data {
				walked = append(walked, e.ID)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if strings.Join(walked, ",") != strings.Join([]string{ids[2], ids[1], ids[0]}, ",") {
			t.Fatalf("pages: %v", walked)
		}
		if _, err := l.List(ctx, Query{Cursor: "nope"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
		if e, err := l.Get(ctx, ids[1]); err != nil || e.Actor != "key_b" {
			t.Fatalf("get: %+v %v", e, err)
		}
		if _, err := l.Get(ctx, "aud_nope"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown: %v", err)
		}

		// The database refuses changes to recorded entries.
		if _, err := l.db.ExecContext(ctx, `UPDATE platform_audit_log SET actor = 'someone' WHERE id = ?`, ids[0]); err == nil {
			t.Error("an entry was updated")
		}
		if _, err := l.db.ExecContext(ctx, `DELETE FROM platform_audit_log`); err == nil {
			t.Error("entries were deleted")
		}
		if page, _ := l.List(ctx, Query{}); len(page.Data) != 3 || page.Data[2].Actor != "key_a" {
			t.Fatalf("the log changed: %+v", page)
		}
	})
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
	l := New(sqldbtest.MustOpenSQLite(t), time.Now)
	if err := l.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
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
		"GET /admin/things/{id}": auth.ProductsRead, "PATCH /admin/things/{id}": auth.ProductsWrite, "DELETE /admin/things/{id}": auth.ProductsWrite,
		"POST /admin/keys": auth.APIKeysWrite, "POST /admin/quote": auth.PricingRead, "POST /admin/replayed": auth.ProductsWrite,
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
	page, err := l.List(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 3 {
		t.Fatalf("%d entries, want 3: %+v", len(page.Data), page.Data)
	}
	del, key, patch := page.Data[0], page.Data[1], page.Data[2]
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
	for _, e := range page.Data {
		if b, _ := json.Marshal(e); strings.Contains(string(b), "never recorded") {
			t.Errorf("a request body was recorded: %s", b)
		}
	}
}
