package inventorytest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/id"
)

type env struct {
	t   *testing.T
	svc inventory.Service
	ctx context.Context
	u   string
}

func (e *env) sku(name string) string { return name + "-" + e.u }

// TestService is the contract suite of inventory.Service. newService is
// called once per subtest and must return a service over an empty
// inventory with its default location. The suite observes the service only
// through the interface, so it runs unchanged against the service on
// SQLite and PostgreSQL, through the HTTP client, and against the fake.
func TestService(t *testing.T, newService func(t *testing.T) inventory.Service) {
	tests := []struct {
		name string
		fn   func(e *env)
	}{
		{"DefaultLocation", testDefaultLocation},
		{"SetLevelAndGet", testSetLevel},
		{"BadInputChangesNothing", testBadInput},
		{"ReserveCommitRelease", testLifecycle},
		{"AllOrNothing", testAllOrNothing},
		{"IdempotentReference", testReference},
		{"UntrackedAndBackorder", testUntrackedBackorder},
		{"AllocationAcrossLocations", testAllocation},
		{"Adjust", testAdjust},
		{"Ledger", testLedger},
		{"ExpireLeavesLiveReservations", testExpireNotDue},
		{"ConcurrentBuyers", testConcurrentBuyers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{t: t, svc: newService(t), ctx: context.Background(), u: Unique()}
			tc.fn(e)
			MustReconcile(t, e.svc)
		})
	}
}

func defaultLocation(e *env) inventory.Location {
	e.t.Helper()
	locs, err := e.svc.ListLocations(e.ctx)
	if err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	for _, l := range locs {
		if l.Default {
			return l
		}
	}
	e.t.Fatalf("no default location in %+v", locs)
	return inventory.Location{}
}

func testDefaultLocation(e *env) {
	locs, err := e.svc.ListLocations(e.ctx)
	if err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	n := 0
	for _, l := range locs {
		if l.Default {
			n++
			if !id.Valid("loc", l.ID) || l.Name == "" {
				e.t.Errorf("default location %+v", l)
			}
		}
	}
	if n != 1 {
		e.t.Fatalf("%d default locations in %+v, want 1", n, locs)
	}
	l, err := e.svc.CreateLocation(e.ctx, inventory.CreateLocationCommand{Name: "  Berlin  ", Priority: 3})
	if err != nil || l.Name != "Berlin" || l.Default || !id.Valid("loc", l.ID) || l.Priority != 3 {
		e.t.Fatalf("CreateLocation: %+v, %s", l, errstest.Describe(err))
	}
	_, err = e.svc.CreateLocation(e.ctx, inventory.CreateLocationCommand{Name: " "})
	errstest.WantInvalid(e.t, err, "name")
	locs, _ = e.svc.ListLocations(e.ctx)
	if len(locs) != 2 || !locs[0].Default || locs[1].ID != l.ID {
		e.t.Fatalf("locations %+v, want the default then Berlin", locs)
	}
}

func testSetLevel(e *env) {
	sku := e.sku("TABLE")
	def := defaultLocation(e)
	_, err := e.svc.GetStock(e.ctx, sku)
	errstest.Want(e.t, err, errs.NotFound, "not_found")
	l := MustSetLevel(e.t, e.svc, sku, "", 100)
	if l.SKU != sku || l.LocationID != def.ID || l.OnHand != 100 || l.Reserved != 0 || l.Available != 100 {
		e.t.Fatalf("SetLevel gave %+v", l)
	}
	st := MustStock(e.t, e.svc, sku)
	if !st.TrackInventory || st.AllowBackorder || len(st.Levels) != 1 || st.Levels[0].OnHand != 100 {
		e.t.Fatalf("stock %+v", st)
	}
	loc, err := e.svc.CreateLocation(e.ctx, inventory.CreateLocationCommand{Name: "Second"})
	if err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	l2 := MustSetLevel(e.t, e.svc, sku, loc.ID, 7)
	if l2.LocationID != loc.ID || l2.OnHand != 7 {
		e.t.Fatalf("SetLevel at a location gave %+v", l2)
	}
	WantTotals(e.t, e.svc, sku, 107, 0, 0)
	MustSetLevel(e.t, e.svc, sku, "", 40)
	WantTotals(e.t, e.svc, sku, 47, 0, 0)
	// The same value again changes nothing and is fine.
	if l := MustSetLevel(e.t, e.svc, sku, "", 40); l.OnHand != 40 {
		e.t.Fatalf("%+v", l)
	}
}

func testBadInput(e *env) {
	sku := e.sku("CHAIR")
	MustSetLevel(e.t, e.svc, sku, "", 10)
	ctx := e.ctx
	_, err := e.svc.SetLevel(ctx, inventory.SetLevelCommand{SKU: sku, OnHand: -1})
	errstest.WantInvalid(e.t, err, "on_hand")
	_, err = e.svc.SetLevel(ctx, inventory.SetLevelCommand{SKU: sku, OnHand: inventory.MaxOnHand + 1})
	errstest.WantInvalid(e.t, err, "on_hand")
	_, err = e.svc.SetLevel(ctx, inventory.SetLevelCommand{SKU: sku, OnHand: 5, LocationID: "warehouse"})
	errstest.WantInvalid(e.t, err, "location_id")
	_, err = e.svc.SetLevel(ctx, inventory.SetLevelCommand{SKU: sku, OnHand: 5, LocationID: id.New("loc")})
	errstest.Want(e.t, err, errs.NotFound, "not_found")
	_, err = e.svc.SetLevel(ctx, inventory.SetLevelCommand{SKU: strings.Repeat("x", inventory.MaxSKU+1), OnHand: 5})
	errstest.Want(e.t, err, errs.Invalid, "")
	line := func(q int64) []inventory.Line { return []inventory.Line{{SKU: sku, Quantity: q}} }
	for _, q := range []int64{0, -3, inventory.MaxQuantity + 1} {
		_, err = e.svc.Reserve(ctx, inventory.ReserveCommand{Lines: line(q)})
		errstest.WantInvalid(e.t, err, "lines[0].quantity")
	}
	_, err = e.svc.Reserve(ctx, inventory.ReserveCommand{})
	errstest.WantInvalid(e.t, err, "lines")
	_, err = e.svc.Reserve(ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}, {SKU: sku, Quantity: 1}}})
	errstest.WantInvalid(e.t, err, "lines[1].sku")
	_, err = e.svc.Reserve(ctx, inventory.ReserveCommand{Lines: line(1), TTLSeconds: -5})
	errstest.WantInvalid(e.t, err, "ttl_seconds")
	_, err = e.svc.Reserve(ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}, {SKU: e.sku("NOPE"), Quantity: 1}}})
	if nf := errstest.Want(e.t, err, errs.NotFound, "not_found"); !strings.Contains(nf.Message, "NOPE") {
		e.t.Errorf("the error %q does not name the unknown SKU", nf.Message)
	}
	_, err = e.svc.Reserve(ctx, inventory.ReserveCommand{Lines: line(11)})
	errstest.Want(e.t, err, errs.Conflict, "out_of_stock")
	_, err = e.svc.Commit(ctx, inventory.CommitCommand{ReservationID: id.New("res")})
	errstest.Want(e.t, err, errs.NotFound, "not_found")
	_, err = e.svc.Release(ctx, inventory.ReleaseCommand{ReservationID: "nonsense"})
	errstest.Want(e.t, err, errs.NotFound, "not_found")
	_, err = e.svc.GetReservation(ctx, id.New("res"))
	errstest.Want(e.t, err, errs.NotFound, "not_found")
	_, err = e.svc.Adjust(ctx, inventory.AdjustCommand{SKU: sku, Delta: 0, Reason: "count"})
	errstest.WantInvalid(e.t, err, "delta")
	_, err = e.svc.Adjust(ctx, inventory.AdjustCommand{SKU: sku, Delta: 3})
	errstest.WantInvalid(e.t, err, "reason")
	_, err = e.svc.Ledger(ctx, inventory.LedgerQuery{SKU: sku, Cursor: "abc"})
	errstest.WantInvalid(e.t, err, "cursor")
	WantTotals(e.t, e.svc, sku, 10, 0, 0)
	page, err := e.svc.Ledger(ctx, inventory.LedgerQuery{SKU: sku})
	if err != nil || len(page.Data) != 1 {
		e.t.Fatalf("ledger after bad input: %+v, %s", page, errstest.Describe(err))
	}
}

func testLifecycle(e *env) {
	sku := e.sku("LAMP")
	MustSetLevel(e.t, e.svc, sku, "", 10)
	r := MustReserve(e.t, e.svc, inventory.ReserveCommand{Owner: "cart_1", Lines: []inventory.Line{{SKU: sku, Quantity: 3}}, TTLSeconds: 600})
	if !id.Valid("res", r.ID) || r.State != inventory.Active || r.Owner != "cart_1" || len(r.Allocations) != 1 || r.Allocations[0].Quantity != 3 || !r.Allocations[0].Held {
		e.t.Fatalf("reservation %+v", r)
	}
	if d := r.ExpiresAt.Sub(r.CreatedAt); d.Seconds() != 600 {
		e.t.Errorf("expires %v after creation, want 600 s", d)
	}
	WantTotals(e.t, e.svc, sku, 10, 3, 0)
	got, err := e.svc.GetReservation(e.ctx, r.ID)
	if err != nil || got.ID != r.ID || got.State != inventory.Active || len(got.Lines) != 1 {
		e.t.Fatalf("GetReservation: %+v, %s", got, errstest.Describe(err))
	}
	// Setting on_hand under the reserved units is refused.
	_, err = e.svc.SetLevel(e.ctx, inventory.SetLevelCommand{SKU: sku, OnHand: 2})
	errstest.Want(e.t, err, errs.Conflict, "below_reserved")

	c, err := e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r.ID, OrderID: "ord_1"})
	if err != nil || c.State != inventory.Committed || c.OrderID != "ord_1" {
		e.t.Fatalf("Commit: %+v, %s", c, errstest.Describe(err))
	}
	WantTotals(e.t, e.svc, sku, 7, 0, 3)
	c2, err := e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r.ID, OrderID: "ord_1"})
	if err != nil || c2.State != inventory.Committed {
		e.t.Fatalf("second Commit: %+v, %s", c2, errstest.Describe(err))
	}
	WantTotals(e.t, e.svc, sku, 7, 0, 3)
	_, err = e.svc.Release(e.ctx, inventory.ReleaseCommand{ReservationID: r.ID})
	errstest.Want(e.t, err, errs.Conflict, "reservation_committed")

	r2 := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 7}}})
	WantTotals(e.t, e.svc, sku, 7, 7, 0+3)
	_, err = e.svc.Reserve(e.ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}}})
	oos := errstest.Want(e.t, err, errs.Conflict, "out_of_stock")
	if len(oos.Fields) != 1 || oos.Fields[0].Field != "lines[0].quantity" || !strings.Contains(oos.Fields[0].Message, sku) {
		e.t.Errorf("out_of_stock fields %+v, want lines[0].quantity naming %s", oos.Fields, sku)
	}
	for range 2 {
		rel, err := e.svc.Release(e.ctx, inventory.ReleaseCommand{ReservationID: r2.ID})
		if err != nil || rel.State != inventory.Released {
			e.t.Fatalf("Release: %+v, %s", rel, errstest.Describe(err))
		}
		WantTotals(e.t, e.svc, sku, 7, 0, 3)
	}
	_, err = e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r2.ID})
	errstest.Want(e.t, err, errs.Conflict, "reservation_released")
}

func testAllOrNothing(e *env) {
	a, b := e.sku("A"), e.sku("B")
	MustSetLevel(e.t, e.svc, a, "", 5)
	MustSetLevel(e.t, e.svc, b, "", 1)
	_, err := e.svc.Reserve(e.ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: a, Quantity: 2}, {SKU: b, Quantity: 2}}})
	oos := errstest.Want(e.t, err, errs.Conflict, "out_of_stock")
	if len(oos.Fields) != 1 || oos.Fields[0].Field != "lines[1].quantity" || !strings.Contains(oos.Message, b) || strings.Contains(oos.Message, a) {
		e.t.Errorf("out_of_stock %s, want it to name line 1 (%s) only", errstest.Describe(err), b)
	}
	WantTotals(e.t, e.svc, a, 5, 0, 0)
	WantTotals(e.t, e.svc, b, 1, 0, 0)
	r := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: a, Quantity: 5}, {SKU: b, Quantity: 1}}})
	if len(r.Lines) != 2 || len(r.Allocations) != 2 {
		e.t.Fatalf("%+v", r)
	}
	WantTotals(e.t, e.svc, a, 5, 5, 0)
	WantTotals(e.t, e.svc, b, 1, 1, 0)
}

func testReference(e *env) {
	sku := e.sku("MUG")
	MustSetLevel(e.t, e.svc, sku, "", 10)
	cmd := inventory.ReserveCommand{Reference: "checkout-" + e.u, Lines: []inventory.Line{{SKU: sku, Quantity: 4}}}
	r1 := MustReserve(e.t, e.svc, cmd)
	r2 := MustReserve(e.t, e.svc, cmd)
	if r1.ID != r2.ID || r2.Reference != cmd.Reference {
		e.t.Fatalf("a retry with the same reference made %s and %s", r1.ID, r2.ID)
	}
	WantTotals(e.t, e.svc, sku, 10, 4, 0)
	_, err := e.svc.Reserve(e.ctx, inventory.ReserveCommand{Reference: cmd.Reference, Lines: []inventory.Line{{SKU: sku, Quantity: 5}}})
	errstest.Want(e.t, err, errs.Conflict, "reference_conflict")
	// Concurrent duplicates make one reservation.
	cmd.Reference += "-b"
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.svc.Reserve(e.ctx, cmd)
			if err != nil {
				e.t.Errorf("duplicate %d: %s", i, errstest.Describe(err))
				return
			}
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	for _, x := range ids {
		if x != ids[0] {
			e.t.Fatalf("concurrent duplicates made several reservations: %v", ids)
		}
	}
	WantTotals(e.t, e.svc, sku, 10, 8, 0)
}

func testUntrackedBackorder(e *env) {
	free, back := e.sku("EBOOK"), e.sku("PREORDER")
	it, err := e.svc.UpdateItem(e.ctx, inventory.UpdateItemCommand{SKU: free, TrackInventory: ptr(false)})
	if err != nil || it.TrackInventory || it.AllowBackorder || it.SKU != free {
		e.t.Fatalf("UpdateItem: %+v, %s", it, errstest.Describe(err))
	}
	r := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: free, Quantity: 1000}}})
	if r.Allocations[0].Held {
		e.t.Errorf("an untracked SKU's allocation is held: %+v", r.Allocations)
	}
	st := MustStock(e.t, e.svc, free)
	if st.Totals != (inventory.Totals{}) || st.TrackInventory {
		e.t.Fatalf("untracked stock moved: %+v", st)
	}
	if _, err := e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r.ID}); err != nil {
		e.t.Fatal(errstest.Describe(err))
	}

	MustSetLevel(e.t, e.svc, back, "", 2)
	if _, err := e.svc.UpdateItem(e.ctx, inventory.UpdateItemCommand{SKU: back, AllowBackorder: ptr(true)}); err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	st = MustStock(e.t, e.svc, back)
	if !st.TrackInventory || !st.AllowBackorder {
		e.t.Fatalf("UpdateItem changed the wrong setting: %+v", st.Item)
	}
	MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: back, Quantity: 5}}})
	WantTotals(e.t, e.svc, back, 2, 5, 0)
	if got := MustStock(e.t, e.svc, back).Totals.Available; got != -3 {
		e.t.Errorf("available %d, want -3 (backordered)", got)
	}
}

func testAllocation(e *env) {
	sku := e.sku("SOFA")
	def := defaultLocation(e)
	far, err := e.svc.CreateLocation(e.ctx, inventory.CreateLocationCommand{Name: "Far", Priority: 5})
	if err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	MustSetLevel(e.t, e.svc, sku, "", 2)
	MustSetLevel(e.t, e.svc, sku, far.ID, 5)
	// The default location cannot ship 4: the whole line goes to Far.
	r := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 4}}})
	if len(r.Allocations) != 1 || r.Allocations[0].LocationID != far.ID || r.Allocations[0].Quantity != 4 {
		e.t.Fatalf("allocations %+v, want 4 at %s", r.Allocations, far.ID)
	}
	// 2 fit the default location whole.
	r = MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}}})
	if r.Allocations[0].LocationID != def.ID {
		e.t.Fatalf("allocations %+v, want the default location first", r.Allocations)
	}
	// Left: 1 at the default, 1 at Far. 2 must be split.
	r = MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 2}}})
	if len(r.Allocations) != 2 || r.Allocations[0].Quantity != 1 || r.Allocations[1].Quantity != 1 {
		e.t.Fatalf("allocations %+v, want a split 1+1", r.Allocations)
	}
	_, err = e.svc.Reserve(e.ctx, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}}})
	errstest.Want(e.t, err, errs.Conflict, "out_of_stock")
	// Committing the split takes each part from its location.
	if _, err := e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r.ID}); err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	st := MustStock(e.t, e.svc, sku)
	for _, l := range st.Levels {
		want := map[string]int64{def.ID: 1, far.ID: 4}[l.LocationID]
		if l.OnHand != want || l.Committed != 1 {
			e.t.Errorf("level %+v, want on_hand %d and committed 1", l, want)
		}
	}
	WantTotals(e.t, e.svc, sku, 5, 5, 2)
}

func testAdjust(e *env) {
	sku := e.sku("PEN")
	_, err := e.svc.Adjust(e.ctx, inventory.AdjustCommand{SKU: sku, Delta: 5, Reason: "received"})
	errstest.Want(e.t, err, errs.NotFound, "not_found")
	MustSetLevel(e.t, e.svc, sku, "", 3)
	l, err := e.svc.Adjust(e.ctx, inventory.AdjustCommand{SKU: sku, Delta: 5, Reason: "received", Reference: "po-1"})
	if err != nil || l.OnHand != 8 || l.Available != 8 {
		e.t.Fatalf("Adjust +5: %+v, %s", l, errstest.Describe(err))
	}
	MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 6}}})
	_, err = e.svc.Adjust(e.ctx, inventory.AdjustCommand{SKU: sku, Delta: -3, Reason: "damaged"})
	errstest.Want(e.t, err, errs.Conflict, "below_reserved")
	l, err = e.svc.Adjust(e.ctx, inventory.AdjustCommand{SKU: sku, Delta: -2, Reason: "damaged"})
	if err != nil || l.OnHand != 6 || l.Available != 0 {
		e.t.Fatalf("Adjust -2: %+v, %s", l, errstest.Describe(err))
	}
	_, err = e.svc.Adjust(e.ctx, inventory.AdjustCommand{SKU: sku, Delta: inventory.MaxOnHand, Reason: "typo"})
	errstest.Want(e.t, err, errs.Invalid, "validation_failed")
	WantTotals(e.t, e.svc, sku, 6, 6, 0)
}

func testLedger(e *env) {
	sku := e.sku("BOOK")
	MustSetLevel(e.t, e.svc, sku, "", 10)
	r := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 2}}})
	if _, err := e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r.ID}); err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	r2 := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}}})
	if _, err := e.svc.Release(e.ctx, inventory.ReleaseCommand{ReservationID: r2.ID}); err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	if _, err := e.svc.Adjust(e.ctx, inventory.AdjustCommand{SKU: sku, Delta: -1, Reason: "stolen", Reference: "incident-7"}); err != nil {
		e.t.Fatal(errstest.Describe(err))
	}
	want := []inventory.LedgerEntry{
		{OnHandDelta: 10, Reason: "test"},
		{ReservedDelta: 2, Reason: "reserved", Reference: r.ID},
		{OnHandDelta: -2, ReservedDelta: -2, CommittedDelta: 2, Reason: "committed", Reference: r.ID},
		{ReservedDelta: 1, Reason: "reserved", Reference: r2.ID},
		{ReservedDelta: -1, Reason: "released", Reference: r2.ID},
		{OnHandDelta: -1, Reason: "stolen", Reference: "incident-7"},
	}
	var got []inventory.LedgerEntry
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := e.svc.Ledger(e.ctx, inventory.LedgerQuery{SKU: sku, Limit: 4, Cursor: cursor})
		if err != nil || pages > 3 {
			e.t.Fatalf("Ledger: %s (page %d)", errstest.Describe(err), pages)
		}
		got = append(got, page.Data...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != len(want) {
		e.t.Fatalf("ledger has %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, g := range got {
		w := want[i]
		if g.SKU != sku || g.OnHandDelta != w.OnHandDelta || g.ReservedDelta != w.ReservedDelta || g.CommittedDelta != w.CommittedDelta ||
			g.Reason != w.Reason || g.Reference != w.Reference || g.CreatedAt.IsZero() || (i > 0 && g.Seq <= got[i-1].Seq) {
			e.t.Errorf("ledger row %d: %+v, want %+v", i, g, w)
		}
	}
	WantTotals(e.t, e.svc, sku, 7, 0, 2)
	_, err := e.svc.Ledger(e.ctx, inventory.LedgerQuery{SKU: e.sku("NONE")})
	errstest.Want(e.t, err, errs.NotFound, "not_found")
}

func testExpireNotDue(e *env) {
	sku := e.sku("CUP")
	MustSetLevel(e.t, e.svc, sku, "", 3)
	r := MustReserve(e.t, e.svc, inventory.ReserveCommand{Lines: []inventory.Line{{SKU: sku, Quantity: 1}}, TTLSeconds: 3600})
	res, err := e.svc.ExpireReservations(e.ctx, inventory.ExpireCommand{})
	if err != nil || res.Expired != 0 {
		e.t.Fatalf("ExpireReservations: %+v, %s", res, errstest.Describe(err))
	}
	if got, _ := e.svc.GetReservation(e.ctx, r.ID); got.State != inventory.Active {
		e.t.Fatalf("a live reservation became %s", got.State)
	}
	WantTotals(e.t, e.svc, sku, 3, 1, 0)
}

// testConcurrentBuyers: many buyers at once for few units; exactly the
// stock is sold.
func testConcurrentBuyers(e *env) {
	sku := e.sku("HOT")
	const units, buyers = 25, 80
	MustSetLevel(e.t, e.svc, sku, "", units)
	var sold, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.svc.Reserve(e.ctx, inventory.ReserveCommand{Reference: fmt.Sprintf("b%d-%s", i, e.u), Lines: []inventory.Line{{SKU: sku, Quantity: 1}}})
			if errs.HasCode(err, "out_of_stock") {
				refused.Add(1)
				return
			}
			if err != nil {
				e.t.Errorf("buyer %d: %s", i, errstest.Describe(err))
				return
			}
			if i%2 == 0 {
				_, err = e.svc.Commit(e.ctx, inventory.CommitCommand{ReservationID: r.ID})
				if err != nil {
					e.t.Errorf("commit %d: %s", i, errstest.Describe(err))
					return
				}
			}
			sold.Add(1)
		}()
	}
	wg.Wait()
	if sold.Load() != units || refused.Load() != buyers-units {
		e.t.Fatalf("sold %d and refused %d, want %d and %d", sold.Load(), refused.Load(), units, buyers-units)
	}
	st := MustStock(e.t, e.svc, sku).Totals
	if st.Reserved+st.Committed != units || st.Available != 0 || st.OnHand+st.Committed != units {
		e.t.Fatalf("totals %+v after selling %d units", st, units)
	}
}
