package inventoryhttp_test

import (
	"net/http"
	"testing"

	"github.com/agoracommerce/agora/inventory/inventorytest"
)

// FuzzReserve sends arbitrary bodies to the reservation and level
// operations: the answer is never a 5xx, and whatever is accepted keeps
// the inventory reconciled and the SKU within its stock.
func FuzzReserve(f *testing.F) {
	for _, s := range []string{
		`{"lines":[{"sku":"F-1","quantity":1}]}`,
		`{"lines":[{"sku":"F-1","quantity":3},{"sku":"F-2","quantity":1}],"reference":"r","ttl_seconds":5}`,
		`{"lines":[{"sku":"F-1","quantity":-1}]}`,
		`{"lines":[{"sku":"","quantity":1}]}`,
		`{"lines":null}`, `{}`, `[]`, `null`, `{"lines":[{"sku":"F-1","quantity":1e30}]}`,
	} {
		f.Add(s)
	}
	svc := inventorytest.MustService(f)
	h, _ := handler(f, svc)
	inventorytest.MustSetLevel(f, svc, "F-1", "", 5)
	inventorytest.MustSetLevel(f, svc, "F-2", "", 5)
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []struct{ method, path string }{
			{"POST", "/admin/inventory/reservations"},
			{"PUT", "/admin/inventory/F-2"},
			{"POST", "/admin/inventory/F-1/adjustments"},
		} {
			a := do(t, h, target.method, target.path, body)
			if a.status >= 500 {
				t.Fatalf("%s %s %q: status %d %s", target.method, target.path, body, a.status, a.body)
			}
			if a.status == http.StatusCreated || a.status == http.StatusOK {
				rep, err := svc.Reconcile(t.Context())
				if err != nil || !rep.OK {
					t.Fatalf("after %q: reconcile %+v %v", body, rep, err)
				}
			}
		}
		if st := inventorytest.MustStock(t, svc, "F-1").Totals; st.Available < 0 {
			t.Fatalf("F-1 oversold: %+v", st)
		}
	})
}
