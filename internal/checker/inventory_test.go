package checker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/agoracommerce/agora/internal/checker"
)

// stockIn is one step on a SKU's level: a staff write or read, or one of
// the two steps of a shopper's checkout (reserve, then commit), which the
// history records as two operations of the one request.
type stockIn struct {
	Op       string // set, adjust, get, reserve, commit
	N        int64  // set: on_hand; adjust: delta; reserve, commit: units
	Checkout int    // reserve, commit: the checkout's index
}

// stockOut is an answer: its status, code and, for a staff success, the
// level it left or read.
type stockOut struct {
	Status int
	Code   string
	Level  stock
}

// stockState is the sequential model of one SKU's level at its one
// location: on_hand, reserved and committed, and the checkouts whose
// units are reserved and not yet committed.
type stockState struct {
	stock
	Pending uint64 // bit i: checkout i holds a reservation
}

// stockStep is the sequential specification of a tracked SKU without
// backorder: a reservation holds units only while available (on_hand −
// reserved) covers them, a commit moves them out of on_hand, and staff
// may not take on_hand below zero or below the reserved units.
func stockStep(s stockState, in stockIn, out stockOut) (bool, stockState) {
	refused := func(code string) (bool, stockState) {
		return out.Status == http.StatusConflict && out.Code == code, s
	}
	ok := func(next stockState) (bool, stockState) {
		return out.Status == http.StatusOK && out.Level == next.stock, next
	}
	bit := uint64(1) << in.Checkout
	switch in.Op {
	case "get":
		return ok(s)
	case "set", "adjust":
		onHand := in.N
		if in.Op == "adjust" {
			onHand += s.OnHand
		}
		switch {
		case onHand < 0:
			return refused("negative_on_hand")
		case onHand < s.Reserved:
			return refused("below_reserved")
		}
		next := s
		next.OnHand = onHand
		return ok(next)
	case "reserve":
		if out.Status != http.StatusCreated {
			return out.Status == http.StatusConflict && out.Code == "out_of_stock" && s.OnHand-s.Reserved < in.N, s
		}
		if s.OnHand-s.Reserved < in.N || s.Pending&bit != 0 {
			return false, s
		}
		next := s
		next.Reserved += in.N
		next.Pending |= bit
		return true, next
	case "commit":
		if out.Status != http.StatusCreated {
			return true, s // a checkout that reserved nothing commits nothing
		}
		if s.Pending&bit == 0 {
			return false, s
		}
		next := s
		next.OnHand -= in.N
		next.Reserved -= in.N
		next.Committed += in.N
		next.Pending &^= bit
		return true, next
	}
	return false, s
}

// stockModel is the model of a history that starts from init.
func stockModel(init stock) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return stockState{stock: init} },
		Step: func(state, input, output any) (bool, any) {
			return stockStep(state.(stockState), input.(stockIn), output.(stockOut))
		},
		Equal: func(a, b any) bool { return a.(stockState) == b.(stockState) },
		DescribeOperation: func(input, output any) string {
			in, out := input.(stockIn), output.(stockOut)
			arg := fmt.Sprint(in.N)
			switch in.Op {
			case "get":
				arg = ""
			case "reserve", "commit":
				arg = fmt.Sprintf("#%d %d", in.Checkout, in.N)
			}
			res := fmt.Sprintf("%d %s", out.Status, out.Code)
			if out.Status == http.StatusOK {
				res = fmt.Sprintf("%d on_hand %d reserved %d committed %d", out.Status, out.Level.OnHand, out.Level.Reserved, out.Level.Committed)
			}
			return fmt.Sprintf("%s(%s) → %s", in.Op, arg, res)
		},
		DescribeState: func(state any) string {
			s := state.(stockState)
			return fmt.Sprintf("on_hand %d reserved %d committed %d pending %b", s.OnHand, s.Reserved, s.Committed, s.Pending)
		},
	}
}

// stockAnswer turns a checker.Answer into the model's output; t fails on
// an answer no request may get, or a level that is oversold.
func stockAnswer(t *testing.T, seed int64, in stockIn, a checker.Answer) stockOut {
	out := stockOut{Status: a.Status, Code: a.Code}
	if !a.Valid() {
		t.Errorf("seed %d: %s %+v: %d %s", seed, in.Op, in, a.Status, a.Body)
		return out
	}
	if a.Status >= 300 || in.Op == "reserve" {
		return out
	}
	var l struct {
		stock
		Available int64 `json:"available"`
		Totals    *struct {
			stock
			Available int64 `json:"available"`
		} `json:"totals"`
	}
	err := json.Unmarshal(a.Body, &l)
	if l.Totals != nil { // a read answers the SKU's totals
		l.stock, l.Available = l.Totals.stock, l.Totals.Available
	}
	out.Level = l.stock
	if err != nil || l.Available != l.OnHand-l.Reserved || l.Reserved < 0 || l.Reserved > l.OnHand {
		t.Errorf("seed %d: %s %+v: %v: %s", seed, in.Op, in, err, a.Body)
	}
	return out
}

// inventoryHistory runs one generated history on one SKU: shoppers check
// out carts holding it (each reserves the units, then commits them)
// while staff set and adjust its on-hand units and read its stock, all
// concurrently through every process. It checks the history against the
// model and the final state against the invariants: every successful
// checkout's units are committed to its order, a failed one is 409
// out_of_stock and leaves its cart as it was, and the ledger reconciles.
func inventoryHistory(t *testing.T, c *checker.Client, vid, sku string, seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	h := checker.NewHistory()
	ctx := context.Background()
	procs := len(c.URLs)
	// The carts are filled while there is plenty of stock, through the
	// process whose stock they check (another one learns of a level
	// through events); then the history's level is set.
	c.Must(t, 0, true, "PUT", "/admin/inventory/"+sku, `{"on_hand":1000}`, 200, nil)
	carts := make([]string, 3+rng.IntN(4))
	units := make([]int64, len(carts))
	for i := range carts {
		carts[i], units[i] = newCart(t, c, 0), 1+rng.Int64N(3)
		c.Must(t, 0, false, "POST", "/store/carts/"+carts[i]+"/items", fmt.Sprintf(`{"variant_id":%q,"quantity":%d}`, vid, units[i]), 200, nil)
	}
	c.Must(t, 0, true, "PUT", "/admin/inventory/"+sku, fmt.Sprintf(`{"on_hand":%d}`, rng.IntN(7)), 200, nil)
	before := stockOf(t, c, sku)
	model := stockModel(before)
	// Staff plans are drawn before anything runs.
	staff := make([][]stockIn, 1+rng.IntN(3))
	for i := range staff {
		for range 2 + rng.IntN(3) {
			var in stockIn
			switch r := rng.IntN(5); {
			case r < 2:
				in = stockIn{Op: "set", N: rng.Int64N(9)}
			case r < 4:
				in = stockIn{Op: "adjust", N: []int64{-3, -2, -1, 1, 2, 3}[rng.IntN(6)]}
			default:
				in = stockIn{Op: "get"}
			}
			staff[i] = append(staff[i], in)
		}
	}
	orders := make([]string, len(carts))
	var wg sync.WaitGroup
	for i, cart := range carts {
		proc := rng.IntN(procs)
		wg.Go(func() {
			steps := []any{stockIn{Op: "reserve", N: units[i], Checkout: i}, stockIn{Op: "commit", N: units[i], Checkout: i}}
			h.RecordSteps(i, steps, func() any {
				a := c.Do(ctx, proc, false, "POST", "/store/carts/"+cart+"/checkout", checkoutBody, "Idempotency-Key", "k-"+cart)
				out := stockAnswer(t, seed, stockIn{Op: "reserve", N: units[i], Checkout: i}, a)
				if a.Status == http.StatusCreated {
					var res struct {
						Order apiOrder `json:"order"`
					}
					_ = json.Unmarshal(a.Body, &res)
					orders[i] = res.Order.ID
				} else if a.Valid() && a.Code != "out_of_stock" {
					t.Errorf("seed %d: checkout of %d units: %d %s", seed, units[i], a.Status, a.Body)
				}
				return out
			})
		})
	}
	for i, steps := range staff {
		proc := rng.IntN(procs)
		wg.Go(func() {
			for _, in := range steps {
				method, path, body := "GET", "/admin/inventory/"+sku, ""
				switch in.Op {
				case "set":
					method, body = "PUT", fmt.Sprintf(`{"on_hand":%d}`, in.N)
				case "adjust":
					method, path, body = "POST", path+"/adjustments", fmt.Sprintf(`{"delta":%d,"reason":"count"}`, in.N)
				}
				h.Record(len(carts)+i, in, func() any {
					return stockAnswer(t, seed, in, c.Do(ctx, proc, true, method, path, body))
				})
			}
		})
	}
	wg.Wait()
	h.Record(len(carts)+len(staff), stockIn{Op: "get"}, func() any {
		return stockAnswer(t, seed, stockIn{Op: "get"}, c.Do(ctx, rng.IntN(procs), true, "GET", "/admin/inventory/"+sku, ""))
	})
	if t.Failed() {
		h.Log(t, model, seed)
		t.FailNow()
	}
	checker.CheckLinearizable(t, model, h, seed)
	// The invariants of the final state.
	defer func() {
		if t.Failed() {
			h.Log(t, model, seed)
		}
	}()
	var sold int64
	for i, id := range orders {
		var crt apiCart
		c.Must(t, 0, true, "GET", "/admin/carts/"+carts[i], "", 200, &crt)
		if id == "" {
			if crt.Status != "active" || len(crt.Items) != 1 || crt.Items[0].Quantity != units[i] {
				t.Fatalf("seed %d: cart %s changed by a failed checkout: %+v", seed, carts[i], crt)
			}
			continue
		}
		var o struct {
			apiOrder
			ReservationID string `json:"reservation_id"`
		}
		c.Must(t, 0, true, "GET", "/admin/orders/"+id, "", 200, &o)
		var r struct {
			State   string `json:"state"`
			OrderID string `json:"order_id"`
		}
		c.Must(t, 0, true, "GET", "/admin/inventory/reservations/"+o.ReservationID, "", 200, &r)
		if crt.Status != "completed" || len(o.Items) != 1 || o.Items[0].Quantity != units[i] || r.State != "committed" || r.OrderID != id {
			t.Fatalf("seed %d: checkout of %d units: cart %s, order %+v, reservation %+v", seed, units[i], crt.Status, o.Items, r)
		}
		sold += units[i]
	}
	after := stockOf(t, c, sku)
	if after.Committed != before.Committed+sold || after.Reserved != 0 {
		t.Fatalf("seed %d: stock %+v → %+v with %d units sold", seed, before, after, sold)
	}
	wantReconciled(t, c, seed)
}

// TestInventoryHistories is the model-based checker of a SKU's level:
// generated concurrent histories of staff setting, adjusting and reading
// its on-hand units while shoppers' checkouts reserve and commit it, on
// one process and on two sharing PostgreSQL.
func TestInventoryHistories(t *testing.T) {
	for _, top := range topologies(t) {
		t.Run(top.name, func(t *testing.T) {
			c := start(t, top)
			sku := "CHK-" + strings.ToUpper(random())
			vid := product(t, c, sku, 1300, 1000)
			for _, seed := range seeds(t, 40) {
				inventoryHistory(t, c, vid, sku, seed)
			}
		})
	}
}
