package checker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/agoracommerce/agora/internal/checker"
)

// orderIn is one request on an order: a checkout of its cart, or a staff
// operation on the order it became.
type orderIn struct {
	Cart   string // the partition
	Op     string // checkout, capture, cancel, refund, fulfill, get
	Key    string // checkout and refund keys
	Amount int64  // refund
}

// orderView is what an answer says of the order.
type orderView struct {
	ID        string
	Status    string
	Paid      int64
	Refunded  int64
	Fulfilled int64
}

// orderOut is an answer: its status, code and, for a success, the order.
type orderOut struct {
	Status int
	Code   string
	Order  orderView
}

// orderState is the sequential model of one cart and the order it
// becomes.
type orderState struct {
	Exists bool
	Key    string // the key of the checkout that made it
	Total  int64
	orderView
	// Keys are the refund keys used, with the first request's amount and
	// answer: the API replays that answer for the key and that amount.
	Keys map[string]keyUse
}

// keyUse is the first use of an idempotency key.
type keyUse struct {
	Amount int64
	Out    orderOut
}

const qty = 2 // units of each order's only line

func (s orderState) with(f func(*orderState)) orderState {
	s.Keys = maps.Clone(s.Keys)
	f(&s)
	return s
}

// orderStep is the sequential specification of an order: whether out is
// a possible answer to in from s, and the state after it.
func orderStep(s orderState, in orderIn, out orderOut) (bool, orderState) {
	// Refusals because another operation holds the order change nothing.
	if checker.Busy(checker.Answer{Status: out.Status, Code: out.Code}, "payment_in_progress", "cancel_in_progress", "checkout_in_progress", "idempotency_in_progress", "idempotency_retry") {
		return true, s
	}
	ok := func(next orderState, status int) (bool, orderState) {
		return out.Status == status && out.Order == next.orderView, next
	}
	refused := func(code string) (bool, orderState) {
		return out.Status == http.StatusConflict && out.Code == code, s
	}
	if !s.Exists {
		if in.Op != "checkout" || out.Status != http.StatusCreated || out.Order.Status != "authorized" || out.Order.Paid != 0 {
			return false, s
		}
		return true, s.with(func(n *orderState) {
			n.Exists, n.Key, n.orderView, n.Keys = true, in.Key, out.Order, map[string]keyUse{}
			n.Total = -1 // learned at the capture
		})
	}
	paidLike := s.Status == "paid" || s.Status == "partially_fulfilled" || s.Status == "fulfilled"
	switch in.Op {
	case "checkout":
		if in.Key != s.Key {
			return refused("cart_completed")
		}
		return ok(s, http.StatusCreated)
	case "get":
		return ok(s, http.StatusOK)
	case "capture":
		switch {
		case s.Status == "authorized":
			if out.Status != http.StatusOK || out.Order.Paid <= 0 {
				return false, s
			}
			return ok(s.with(func(n *orderState) { n.Status, n.Paid, n.Total = "paid", out.Order.Paid, out.Order.Paid }), http.StatusOK)
		case paidLike || s.Status == "refunded":
			return ok(s, http.StatusOK)
		}
		return refused("order_state")
	case "cancel":
		switch s.Status {
		case "authorized":
			return ok(s.with(func(n *orderState) { n.Status = "canceled" }), http.StatusOK)
		case "paid":
			return ok(s.with(func(n *orderState) { n.Status, n.Refunded = "canceled", n.Paid }), http.StatusOK)
		case "canceled":
			return ok(s, http.StatusOK)
		}
		return refused("order_state")
	case "refund":
		if prev, seen := s.Keys[in.Key]; seen {
			if prev.Amount != in.Amount {
				return refused("idempotency_conflict")
			}
			return out == prev.Out, s // the first answer, replayed
		}
		if out.Status == http.StatusConflict && out.Code == "idempotency_conflict" {
			// The key was taken by a request with another amount that has
			// not had its effect yet (the key is claimed when a request
			// arrives, the refund happens later): nothing changed.
			return true, s
		}
		var good bool
		next := s
		switch {
		case !paidLike:
			good, _ = refused("order_state")
		case in.Amount > s.Paid-s.Refunded:
			good, _ = refused("refund_exceeds")
		default:
			good, next = ok(s.with(func(n *orderState) {
				n.Refunded += in.Amount
				if n.Refunded == n.Paid {
					n.Status = "refunded"
				}
			}), http.StatusOK)
		}
		return good, next.with(func(n *orderState) { n.Keys[in.Key] = keyUse{in.Amount, out} })
	case "fulfill":
		if s.Status != "paid" && s.Status != "partially_fulfilled" {
			return refused("order_state")
		}
		return ok(s.with(func(n *orderState) {
			n.Fulfilled++
			n.Status = "partially_fulfilled"
			if n.Fulfilled == qty {
				n.Status = "fulfilled"
			}
		}), http.StatusCreated)
	}
	return false, s
}

var orderModel = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		by := map[string][]porcupine.Operation{}
		var carts []string
		for _, op := range h {
			c := op.Input.(orderIn).Cart
			if _, ok := by[c]; !ok {
				carts = append(carts, c)
			}
			by[c] = append(by[c], op)
		}
		out := make([][]porcupine.Operation, 0, len(carts))
		for _, c := range carts {
			out = append(out, by[c])
		}
		return out
	},
	Init: func() any { return orderState{} },
	Step: func(state, input, output any) (bool, any) {
		return orderStep(state.(orderState), input.(orderIn), output.(orderOut))
	},
	Equal: func(a, b any) bool {
		x, y := a.(orderState), b.(orderState)
		return x.Exists == y.Exists && x.Key == y.Key && x.Total == y.Total && x.orderView == y.orderView && maps.Equal(x.Keys, y.Keys)
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(orderIn), output.(orderOut)
		arg := "(" + in.Cart[len(in.Cart)-4:]
		if in.Op == "refund" || in.Op == "checkout" {
			arg += fmt.Sprintf(" %s %d", in.Key, in.Amount)
		}
		arg += ")"
		if out.Status >= 400 {
			return fmt.Sprintf("%s%s → %d %s", in.Op, arg, out.Status, out.Code)
		}
		return fmt.Sprintf("%s%s → %d %s paid %d refunded %d fulfilled %d", in.Op, arg, out.Status, out.Order.Status, out.Order.Paid, out.Order.Refunded, out.Order.Fulfilled)
	},
	DescribeState: func(state any) string {
		s := state.(orderState)
		keys := make([]string, 0, len(s.Keys))
		for k, v := range s.Keys {
			keys = append(keys, fmt.Sprintf("%s=%d→%d", k, v.Amount, v.Out.Status))
		}
		sort.Strings(keys)
		return fmt.Sprintf("%s paid %d refunded %d fulfilled %d keys [%s]", s.Status, s.Paid, s.Refunded, s.Fulfilled, strings.Join(keys, " "))
	},
}

// apiOrder is the part of an order's JSON the checker reads.
type apiOrder struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	PaymentID string `json:"payment_id"`
	Paid      amount `json:"paid"`
	Refunded  amount `json:"refunded"`
	Items     []struct {
		apiLine
		Fulfilled int64 `json:"fulfilled_quantity"`
	} `json:"items"`
	Totals  apiTotals `json:"totals"`
	Refunds []struct {
		Key string `json:"key"`
	} `json:"refunds"`
	PaymentOp    any `json:"payment_op"`
	Cancellation *struct {
		Step string `json:"step"`
	} `json:"cancellation"`
}

func (o apiOrder) view() orderView {
	v := orderView{ID: o.ID, Status: o.Status, Paid: o.Paid.Amount, Refunded: o.Refunded.Amount}
	for _, it := range o.Items {
		v.Fulfilled += it.Fulfilled
	}
	return v
}

// answer turns a checker.Answer into the model's output; t fails on an
// answer no request may get (not checker.Answer.Valid, or a body that is
// not an order).
func answer(t *testing.T, seed int64, in orderIn, a checker.Answer) orderOut {
	out := orderOut{Status: a.Status, Code: a.Code}
	switch {
	case !a.Valid():
		t.Errorf("seed %d: %s %+v: %d %s", seed, in.Op, in, a.Status, a.Body)
	case a.Status < 300:
		var o apiOrder
		var err error
		if in.Op == "checkout" {
			var res struct {
				Order apiOrder `json:"order"`
			}
			err = json.Unmarshal(a.Body, &res)
			o = res.Order
		} else {
			err = json.Unmarshal(a.Body, &o)
		}
		if err != nil || o.ID == "" {
			t.Errorf("seed %d: %s: %v %s", seed, in.Op, err, a.Body)
		}
		out.Order = o.view()
	}
	return out
}

const checkoutBody = `{"email":"ada@example.com","shipping_address":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},"payment":{"provider":"test","token":"tok_visa"}}`

// orderHistory runs one generated history on the shop: a few carts, each
// checked out by one or two concurrent shoppers (with one key or two),
// then staff capturing, canceling, refunding, fulfilling and reading the
// orders concurrently through every process. It checks the history
// against the model and the final state against the invariants.
func orderHistory(t *testing.T, c *checker.Client, vid, sku string, seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	h := checker.NewHistory()
	ctx := context.Background()
	procs := len(c.URLs)
	before := stockOf(t, c, sku)
	carts := make([]string, 2+rng.IntN(2))
	for i := range carts {
		carts[i] = newCart(t, c, rng.IntN(procs))
		c.Must(t, rng.IntN(procs), false, "POST", "/store/carts/"+carts[i]+"/items", fmt.Sprintf(`{"variant_id":%q,"quantity":%d}`, vid, qty), 200, nil)
	}
	// Each client's plan is drawn before anything runs, so that the
	// history depends on the seed alone (not on the answers).
	type plan struct {
		cart  int
		proc  int
		steps []orderIn
	}
	var plans []plan
	for ci, cart := range carts {
		keys := []string{"chk-" + cart}
		if rng.IntN(3) == 0 {
			keys = append(keys, "chk-other-"+cart)
		} else if rng.IntN(2) == 0 {
			keys = append(keys, keys[0]) // a retry racing the first
		}
		for _, k := range keys {
			plans = append(plans, plan{cart: ci, proc: rng.IntN(procs), steps: []orderIn{{Cart: cart, Op: "checkout", Key: k}}})
		}
		for range 2 + rng.IntN(2) {
			p := plan{cart: ci, proc: rng.IntN(procs)}
			for range 2 + rng.IntN(4) {
				in := orderIn{Cart: cart}
				switch r := rng.IntN(12); {
				case r < 3:
					in.Op = "capture"
				case r < 5:
					in.Op = "cancel"
				case r < 9:
					in.Op = "refund"
					in.Key = fmt.Sprintf("r%d", rng.IntN(3))
					in.Amount = []int64{100, 700, 1000, 2600}[rng.IntN(4)]
				case r < 11:
					in.Op = "fulfill"
				default:
					in.Op = "get"
				}
				p.steps = append(p.steps, in)
			}
			plans = append(plans, p)
		}
	}
	// The checkouts first (the staff need the order's id), all at once.
	orders := make([]string, len(carts))
	var mu sync.Mutex
	run := func(p plan, id int, in orderIn) {
		path, body, admin, header := "", "", true, []string{}
		switch in.Op {
		case "checkout":
			path, body, admin, header = "/store/carts/"+in.Cart+"/checkout", checkoutBody, false, []string{"Idempotency-Key", in.Key}
		case "get":
			path = "/admin/orders/" + orders[p.cart]
		case "refund":
			path, body, header = "/admin/orders/"+orders[p.cart]+"/refunds", fmt.Sprintf(`{"amount":%d}`, in.Amount), []string{"Idempotency-Key", in.Key}
		case "fulfill":
			path, body = "/admin/orders/"+orders[p.cart]+"/fulfillments", fmt.Sprintf(`{"items":[{"item_id":%q,"quantity":1}]}`, lineOf(t, c, orders[p.cart]))
		default:
			path = "/admin/orders/" + orders[p.cart] + "/" + in.Op
		}
		method := "POST"
		if in.Op == "get" {
			method = "GET"
		}
		h.Record(id, in, func() any {
			a := c.Do(ctx, p.proc, admin, method, path, body, header...)
			out := answer(t, seed, in, a)
			if in.Op == "checkout" && a.Status == http.StatusCreated {
				mu.Lock()
				orders[p.cart] = out.Order.ID
				mu.Unlock()
			}
			return out
		})
	}
	var wg sync.WaitGroup
	for i, p := range plans {
		if p.steps[0].Op == "checkout" {
			wg.Go(func() { run(p, i, p.steps[0]) })
		}
	}
	wg.Wait()
	for ci, o := range orders {
		if o == "" {
			t.Fatalf("seed %d: cart %s was not checked out", seed, carts[ci])
		}
	}
	for i, p := range plans {
		if p.steps[0].Op == "checkout" {
			continue
		}
		wg.Go(func() {
			for _, in := range p.steps {
				run(p, i, in)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	checker.CheckLinearizable(t, orderModel, h, seed)
	// The invariants of the final state.
	defer func() {
		if t.Failed() {
			h.Log(t, orderModel, seed)
		}
	}()
	kept := int64(0)
	for _, id := range orders {
		var o apiOrder
		c.Must(t, 0, true, "GET", "/admin/orders/"+id, "", 200, &o)
		var p struct {
			Status   string `json:"status"`
			Captured struct {
				Amount int64 `json:"amount"`
			} `json:"captured"`
			Refunded struct {
				Amount int64 `json:"amount"`
			} `json:"refunded"`
			Refunds   []any  `json:"refunds"`
			Operation string `json:"operation"`
		}
		c.Must(t, 0, true, "GET", "/admin/payments/"+o.PaymentID, "", 200, &p)
		if held, paid := p.Captured.Amount-p.Refunded.Amount, o.Paid.Amount-o.Refunded.Amount; held != paid {
			t.Fatalf("seed %d: order %s (%s) holds %d, its payment (%s) %d", seed, id, o.Status, paid, p.Status, held)
		}
		if o.PaymentOp != nil || p.Operation != "" || (o.Cancellation != nil && o.Cancellation.Step != "done") {
			t.Fatalf("seed %d: order %s left in flight: %+v, payment operation %q", seed, id, o, p.Operation)
		}
		if len(p.Refunds) != len(o.Refunds) {
			t.Fatalf("seed %d: order %s has %d refunds, its payment %d", seed, id, len(o.Refunds), len(p.Refunds))
		}
		seen := map[string]bool{}
		for _, r := range o.Refunds {
			if seen[r.Key] {
				t.Fatalf("seed %d: order %s: refund key %s applied twice", seed, id, r.Key)
			}
			seen[r.Key] = true
		}
		if o.Status == "canceled" {
			if p.Status != "voided" && p.Status != "refunded" {
				t.Fatalf("seed %d: canceled order %s with a %s payment", seed, id, p.Status)
			}
		} else {
			kept += qty
		}
	}
	after := stockOf(t, c, sku)
	if after.OnHand != before.OnHand-kept || after.Reserved != before.Reserved {
		t.Fatalf("seed %d: stock %+v → %+v with %d units sold and kept", seed, before, after, kept)
	}
	wantReconciled(t, c, seed)
}

var lines sync.Map // order id → its line's id

// lineOf returns the id of the only line of order id.
func lineOf(t *testing.T, c *checker.Client, id string) string {
	if l, ok := lines.Load(id); ok {
		return l.(string)
	}
	var o apiOrder
	c.Must(t, 0, true, "GET", "/admin/orders/"+id, "", 200, &o)
	lines.Store(id, o.Items[0].ID)
	return o.Items[0].ID
}

// TestOrderHistories is the model-based checker of orders: generated
// concurrent histories of checkouts, captures, cancels, refunds,
// fulfillments and reads, on one process and on two sharing PostgreSQL.
func TestOrderHistories(t *testing.T) {
	for _, top := range topologies(t) {
		t.Run(top.name, func(t *testing.T) {
			c := start(t, top)
			sku := "CHK-" + strings.ToUpper(random())
			vid := product(t, c, sku, 1300, 1_000_000)
			for _, seed := range seeds(t, 40) {
				orderHistory(t, c, vid, sku, seed)
			}
		})
	}
}
