package inventoryhttp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventoryhttp"
	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/httpx/httpxtest"
)

func handler(tb testing.TB, svc inventory.Service) (http.Handler, huma.API) {
	tb.Helper()
	return httpxtest.Handler(tb, func(api huma.API) { inventoryhttp.Register(api, svc) })
}

func server(tb testing.TB, svc inventory.Service) *httptest.Server {
	tb.Helper()
	h, _ := handler(tb, svc)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

func client(srv *httptest.Server) inventory.Service {
	return inventoryhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()})
}

// TestClientContract runs the contract suite through the HTTP client and
// the handlers, over the service on SQLite.
func TestClientContract(t *testing.T) {
	inventorytest.TestService(t, func(t *testing.T) inventory.Service { return client(server(t, inventorytest.MustService(t))) })
}

type answer struct {
	status int
	body   []byte
}

func do(tb testing.TB, h http.Handler, method, path, body string) answer {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return answer{rec.Code, b}
}

// TestScenarios are requests to the raw HTTP API with the status, problem
// code and events each must give; bad input changes nothing and is never
// a 500.
func TestScenarios(t *testing.T) {
	svc, ob := inventorytest.MustServiceWithOutbox(t)
	h, _ := handler(t, svc)
	inventorytest.MustSetLevel(t, svc, "TSHIRT-M", "", 10)
	res := inventorytest.MustReserve(t, svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: "TSHIRT-M", Quantity: 1}}})
	ob.Reset(t)
	big := `{"on_hand":1,"reason":"` + strings.Repeat("a", httpx.DefaultMaxBody+1) + `"}`

	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
		events                   []string
	}{
		{"API.md set level", "PUT", "/admin/inventory/MUG-1", `{"on_hand": 100}`, 200, "", []string{inventory.EventLevelChanged, inventory.EventRestocked}},
		{"set level again (no change, no event)", "PUT", "/admin/inventory/MUG-1", `{"on_hand": 100}`, 200, "", nil},
		{"read", "GET", "/admin/inventory/MUG-1", "", 200, "", nil},
		{"unknown SKU", "GET", "/admin/inventory/NOPE", "", 404, "not_found", nil},
		{"negative on_hand", "PUT", "/admin/inventory/MUG-1", `{"on_hand": -1}`, 400, "validation_failed", nil},
		{"huge on_hand", "PUT", "/admin/inventory/MUG-1", `{"on_hand": 99999999999999999999}`, 400, "", nil},
		{"string on_hand", "PUT", "/admin/inventory/MUG-1", `{"on_hand": "ten"}`, 400, "validation_failed", nil},
		{"missing on_hand", "PUT", "/admin/inventory/MUG-1", `{}`, 400, "", nil},
		{"unknown field", "PUT", "/admin/inventory/MUG-1", `{"on_hand": 1, "colour": "red"}`, 400, "validation_failed", nil},
		{"malformed body", "PUT", "/admin/inventory/MUG-1", `{"on_hand": `, 400, "", nil},
		{"not an object", "PUT", "/admin/inventory/MUG-1", `[1,2]`, 400, "", nil},
		{"body too large", "PUT", "/admin/inventory/MUG-1", big, 413, "payload_too_large", nil},
		{"malformed location", "PUT", "/admin/inventory/MUG-1", `{"on_hand": 1, "location_id": "warehouse"}`, 400, "validation_failed", nil},
		{"unknown location", "PUT", "/admin/inventory/MUG-1", `{"on_hand": 1, "location_id": "loc_01JAAAAAAAAAAAAAAAAAAAAAAA"}`, 404, "not_found", nil},
		{"long SKU", "PUT", "/admin/inventory/" + strings.Repeat("x", 101), `{"on_hand": 1}`, 400, "validation_failed", nil},
		{"below reserved", "PUT", "/admin/inventory/TSHIRT-M", `{"on_hand": 0}`, 409, "below_reserved", nil},
		{"reserve", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":2}],"owner":"cart_1"}`, 201, "", []string{inventory.EventReserved, inventory.EventLevelChanged}},
		{"reserve zero", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":0}]}`, 400, "validation_failed", nil},
		{"reserve negative", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":-1}]}`, 400, "validation_failed", nil},
		{"reserve huge", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":1000000000000}]}`, 400, "validation_failed", nil},
		{"reserve float", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":1.5}]}`, 400, "", nil},
		{"reserve no lines", "POST", "/admin/inventory/reservations", `{"lines":[]}`, 400, "validation_failed", nil},
		{"reserve unknown SKU", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"NOPE","quantity":1}]}`, 404, "not_found", nil},
		{"reserve too many", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":99}]}`, 409, "out_of_stock", nil},
		{"reserve bad ttl", "POST", "/admin/inventory/reservations", `{"lines":[{"sku":"MUG-1","quantity":1}],"ttl_seconds":0}`, 400, "validation_failed", nil},
		{"commit unknown", "POST", "/admin/inventory/reservations/res_01JAAAAAAAAAAAAAAAAAAAAAAA/commit", `{}`, 404, "not_found", nil},
		{"commit malformed id", "POST", "/admin/inventory/reservations/xyz/commit", "", 404, "not_found", nil},
		{"commit without body", "POST", "/admin/inventory/reservations/" + res.ID + "/commit", "", 200, "", []string{inventory.EventCommitted, inventory.EventLevelChanged}},
		{"release committed", "POST", "/admin/inventory/reservations/" + res.ID + "/release", "", 409, "reservation_committed", nil},
		{"read reservation", "GET", "/admin/inventory/reservations/" + res.ID, "", 200, "", nil},
		{"adjust", "POST", "/admin/inventory/MUG-1/adjustments", `{"delta": -5, "reason": "damaged"}`, 200, "", []string{inventory.EventLevelChanged}},
		{"adjust zero", "POST", "/admin/inventory/MUG-1/adjustments", `{"delta": 0, "reason": "x"}`, 400, "validation_failed", nil},
		{"adjust without reason", "POST", "/admin/inventory/MUG-1/adjustments", `{"delta": 1}`, 400, "", nil},
		{"adjust below zero", "POST", "/admin/inventory/MUG-1/adjustments", `{"delta": -1000, "reason": "x"}`, 409, "", nil},
		{"adjust unknown", "POST", "/admin/inventory/NOPE/adjustments", `{"delta": 1, "reason": "x"}`, 404, "not_found", nil},
		{"settings", "PATCH", "/admin/inventory/MUG-1", `{"allow_backorder": true}`, 200, "", []string{inventory.EventLevelChanged}},
		{"ledger", "GET", "/admin/inventory/ledger/MUG-1?limit=2", "", 200, "", nil},
		{"ledger bad cursor", "GET", "/admin/inventory/ledger/MUG-1?cursor=x", "", 400, "validation_failed", nil},
		{"ledger bad limit", "GET", "/admin/inventory/ledger/MUG-1?limit=0", "", 400, "validation_failed", nil},
		{"locations", "GET", "/admin/inventory/locations", "", 200, "", nil},
		{"create location", "POST", "/admin/inventory/locations", `{"name":"Depot","priority":2}`, 201, "", []string{"inventory.location_created"}},
		{"create location without name", "POST", "/admin/inventory/locations", `{"name":""}`, 400, "validation_failed", nil},
		{"expire", "POST", "/admin/inventory/reservations/expire", "", 200, "", nil},
		{"reconcile", "GET", "/admin/inventory/reconcile", "", 200, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := svc.Reconcile(t.Context())
			a := do(t, h, tc.method, tc.path, tc.body)
			if a.status != tc.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", tc.method, tc.path, a.status, tc.status, a.body)
			}
			if tc.status >= 400 {
				var p httpx.Problem
				if err := json.Unmarshal(a.body, &p); err != nil || p.Code == "" {
					t.Fatalf("answer is not a problem: %s", a.body)
				}
				if tc.code != "" && p.Code != tc.code {
					t.Fatalf("code %q, want %q: %s", p.Code, tc.code, a.body)
				}
				after, _ := svc.Reconcile(t.Context())
				if fmt.Sprint(before) != fmt.Sprint(after) {
					t.Errorf("a refused request changed the inventory")
				}
			}
			if got := ob.EventTypes(t); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			ob.Reset(t)
		})
	}
	// The API.md answer to PUT has these fields.
	a := do(t, h, "PUT", "/admin/inventory/MUG-2", `{"on_hand": 7}`)
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sku", "location_id", "on_hand", "reserved", "available"} {
		if _, ok := m[f]; !ok {
			t.Errorf("PUT answer %s lacks %q", a.body, f)
		}
	}
	a = do(t, h, "GET", "/admin/inventory/MUG-2", "")
	var stock inventory.Stock
	if err := json.Unmarshal(a.body, &stock); err != nil || len(stock.Levels) != 1 || stock.Totals.OnHand != 7 || stock.Totals.Available != 7 {
		t.Errorf("GET answer %s", a.body)
	}
	inventorytest.MustReconcile(t, svc)
}

// TestOpenAPIDocument checks that every inventory operation is documented
// for the linter: an operation id, summary, description, tag and the
// admin security requirement.
func TestOpenAPIDocument(t *testing.T) {
	_, api := handler(t, inventorytest.MustService(t))
	b, err := json.Marshal(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Summary     string                `json:"summary"`
			Description string                `json:"description"`
			Tags        []string              `json:"tags"`
			Security    []map[string][]string `json:"security"`
		} `json:"paths"`
		Tags []struct{ Name, Description string } `json:"tags"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			n++
			if op.OperationID == "" || op.Summary == "" || op.Description == "" || len(op.Tags) != 1 || len(op.Security) != 1 {
				t.Errorf("%s %s is not fully documented: %+v", method, path, op)
			}
		}
	}
	if n != 13 {
		t.Errorf("%d operations, want 13", n)
	}
	if len(doc.Tags) != 1 || doc.Tags[0].Description == "" {
		t.Errorf("tags %+v", doc.Tags)
	}
}
