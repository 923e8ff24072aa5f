package checker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/agoracommerce/agora/internal/checker"
)

// line is a cart or order line as the model sees it.
type line struct {
	Variant int // the variant's index in the history's variants
	ID      string
	Qty     int64
}

// cartIn is one request on the cart.
type cartIn struct {
	Op      string // add, set, remove, get, checkout
	Variant int    // add; for set and remove, the variant whose line the client meant
	Item    string // set, remove: the line's id as the client knew it
	Qty     int64  // add, set
	Key     string // checkout
}

// cartOut is an answer: its status, code and, for a success, the cart's
// status and lines, or a checkout's order id and lines.
type cartOut struct {
	Status int
	Code   string
	Cart   string // active or completed; for a checkout, the order's id
	Lines  []line
}

func (o cartOut) equal(p cartOut) bool {
	return o.Status == p.Status && o.Code == p.Code && o.Cart == p.Cart && slices.Equal(o.Lines, p.Lines)
}

// cartState is the sequential model of a cart.
type cartState struct {
	Completed bool
	Lines     []line
	Order     string
	// Keys are the checkout keys used, with their first answer that was
	// not a busy refusal: a repeat of the key gets it again (the same
	// order, or the same refusal).
	Keys map[string]cartOut
}

// maxQty is the most units a cart line holds (the default configuration).
const maxQty = 100

func (s cartState) with(f func(*cartState)) cartState {
	s.Lines = slices.Clone(s.Lines)
	s.Keys = maps.Clone(s.Keys)
	if s.Keys == nil {
		s.Keys = map[string]cartOut{}
	}
	f(&s)
	return s
}

func (s cartState) status() string {
	if s.Completed {
		return "completed"
	}
	return "active"
}

// cartStep is the sequential specification of a cart: whether out is a
// possible answer to in from s, and the state after it. Adding a variant
// the cart holds raises its line's quantity; a completed cart refuses
// every change with 409 cart_completed; a checkout completes a cart with
// lines into an order of exactly those lines.
func cartStep(s cartState, in cartIn, out cartOut) (bool, cartState) {
	// Refusals because another request holds the cart change nothing.
	if checker.Busy(checker.Answer{Status: out.Status, Code: out.Code}, "checkout_in_progress", "idempotency_in_progress", "idempotency_retry", "version_conflict") {
		return true, s
	}
	ok := func(next cartState) (bool, cartState) {
		return out.Status == http.StatusOK && out.Cart == next.status() && slices.Equal(out.Lines, next.Lines), next
	}
	refused := func(status int, code string) (bool, cartState) {
		return out.Status == status && out.Code == code, s
	}
	item := slices.IndexFunc(s.Lines, func(l line) bool { return l.ID == in.Item })
	if in.Op != "get" && in.Op != "checkout" && s.Completed {
		return refused(http.StatusConflict, "cart_completed")
	}
	switch in.Op {
	case "get":
		return ok(s)
	case "add":
		if i := slices.IndexFunc(s.Lines, func(l line) bool { return l.Variant == in.Variant }); i >= 0 {
			if s.Lines[i].Qty+in.Qty > maxQty {
				return refused(http.StatusBadRequest, "validation_failed")
			}
			return ok(s.with(func(n *cartState) { n.Lines[i].Qty += in.Qty }))
		}
		// A new line, whose id the answer tells.
		if len(out.Lines) != len(s.Lines)+1 {
			return false, s
		}
		l := out.Lines[len(s.Lines)]
		if l.Variant != in.Variant || l.Qty != in.Qty || l.ID == "" || slices.ContainsFunc(s.Lines, func(m line) bool { return m.ID == l.ID }) {
			return false, s
		}
		return ok(s.with(func(n *cartState) { n.Lines = append(n.Lines, l) }))
	case "set":
		if item < 0 {
			return refused(http.StatusNotFound, "item_not_found")
		}
		return ok(s.with(func(n *cartState) { n.Lines[item].Qty = in.Qty }))
	case "remove":
		if item < 0 {
			return refused(http.StatusNotFound, "item_not_found")
		}
		return ok(s.with(func(n *cartState) { n.Lines = slices.Delete(n.Lines, item, item+1) }))
	case "checkout":
		if prev, seen := s.Keys[in.Key]; seen {
			return out.equal(prev), s
		}
		var good bool
		next := s
		switch {
		case s.Completed:
			good, _ = refused(http.StatusConflict, "cart_completed")
		case len(s.Lines) == 0:
			good, _ = refused(http.StatusConflict, "cart_empty")
		default:
			good = out.Status == http.StatusCreated && out.Cart != "" && slices.Equal(out.Lines, s.Lines)
			next = s.with(func(n *cartState) { n.Completed, n.Order = true, out.Cart })
		}
		return good, next.with(func(n *cartState) { n.Keys[in.Key] = out })
	}
	return false, s
}

func short(id string) string { return id[max(len(id)-4, 0):] }

func describeLines(ls []line) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "v%d·%s×%d", l.Variant, short(l.ID), l.Qty)
	}
	return "[" + b.String() + "]"
}

var cartModel = porcupine.Model{
	Init: func() any { return cartState{} },
	Step: func(state, input, output any) (bool, any) {
		return cartStep(state.(cartState), input.(cartIn), output.(cartOut))
	},
	Equal: func(a, b any) bool {
		x, y := a.(cartState), b.(cartState)
		return x.Completed == y.Completed && x.Order == y.Order && slices.Equal(x.Lines, y.Lines) &&
			maps.EqualFunc(x.Keys, y.Keys, cartOut.equal)
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(cartIn), output.(cartOut)
		var arg string
		switch in.Op {
		case "add":
			arg = fmt.Sprintf("v%d ×%d", in.Variant, in.Qty)
		case "set":
			arg = fmt.Sprintf("v%d·%s ×%d", in.Variant, short(in.Item), in.Qty)
		case "remove":
			arg = fmt.Sprintf("v%d·%s", in.Variant, short(in.Item))
		case "checkout":
			arg = in.Key
		}
		res := fmt.Sprintf("%d %s", out.Status, out.Code)
		if out.Status < 300 {
			res = fmt.Sprintf("%d %s %s", out.Status, out.Cart, describeLines(out.Lines))
		}
		return fmt.Sprintf("%s(%s) → %s", in.Op, arg, res)
	},
	DescribeState: func(state any) string {
		s := state.(cartState)
		keys := slices.Sorted(maps.Keys(s.Keys))
		return fmt.Sprintf("%s %s order %s keys %v", s.status(), describeLines(s.Lines), s.Order, keys)
	},
}

// apiCart is the part of a cart's JSON the checker reads.
type apiCart struct {
	ID     string    `json:"id"`
	Status string    `json:"status"`
	Items  []apiLine `json:"items"`
	Totals apiTotals `json:"totals"`
}

// variants are the products of the cart checker: their variant ids and
// SKUs, and their prices.
type variants struct {
	IDs    []string
	SKUs   []string
	Prices []int64
}

// lines turns items into the model's lines and checks their prices and
// totals.
func (v variants) lines(items []apiLine, totals apiTotals) ([]line, error) {
	out := []line{}
	var sums []int64
	for _, it := range items {
		i := slices.Index(v.IDs, it.VariantID)
		if i < 0 {
			return nil, fmt.Errorf("unknown variant %s", it.VariantID)
		}
		if it.UnitPrice.Amount != v.Prices[i] || it.Total.Amount != it.UnitPrice.Amount*it.Quantity {
			return nil, fmt.Errorf("line %s: %d × %d priced %d, total %d", it.ID, it.Quantity, v.Prices[i], it.UnitPrice.Amount, it.Total.Amount)
		}
		out = append(out, line{Variant: i, ID: it.ID, Qty: it.Quantity})
		sums = append(sums, it.Total.Amount)
	}
	return out, totals.check(sums...)
}

// cartAnswer turns a checker.Answer into the model's output; t fails on an
// answer no request may get, or a body that is not a cart (an order, for
// a checkout) with consistent totals.
func cartAnswer(t *testing.T, seed int64, v variants, in cartIn, a checker.Answer) cartOut {
	out := cartOut{Status: a.Status, Code: a.Code}
	if !a.Valid() {
		t.Errorf("seed %d: %s %+v: %d %s", seed, in.Op, in, a.Status, a.Body)
		return out
	}
	if a.Status >= 300 {
		return out
	}
	var err error
	if in.Op == "checkout" {
		var res struct {
			Order apiOrder `json:"order"`
		}
		if err = json.Unmarshal(a.Body, &res); err == nil {
			out.Cart = res.Order.ID
			out.Lines, err = v.orderLines(res.Order)
		}
	} else {
		var c apiCart
		if err = json.Unmarshal(a.Body, &c); err == nil {
			out.Cart = c.Status
			out.Lines, err = v.lines(c.Items, c.Totals)
		}
	}
	if err != nil {
		t.Errorf("seed %d: %s %+v: %v: %s", seed, in.Op, in, err, a.Body)
	}
	return out
}

// orderLines are an order's lines, checked like a cart's.
func (v variants) orderLines(o apiOrder) ([]line, error) {
	if o.ID == "" {
		return nil, fmt.Errorf("no order")
	}
	items := make([]apiLine, len(o.Items))
	for i, it := range o.Items {
		items[i] = it.apiLine
	}
	return v.lines(items, o.Totals)
}

// cartHistory runs one generated history on one cart: shoppers adding
// variants (the same and different ones), changing and removing lines
// and reading the cart concurrently through every process, while one or
// two of them check it out (with one key, or two). It checks the history
// against the model and the final state against the invariants: the
// order holds exactly the cart's final lines, and the stock sold is
// exactly the order's.
func cartHistory(t *testing.T, c *checker.Client, v variants, seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	h := checker.NewHistory()
	ctx := context.Background()
	procs := len(c.URLs)
	before := make([]stock, len(v.SKUs))
	for i, sku := range v.SKUs {
		before[i] = stockOf(t, c, sku)
	}
	cart := newCart(t, c, rng.IntN(procs))
	// Each client's plan is drawn before anything runs; the ids of the
	// lines it changes are the latest any answer showed.
	type plan struct {
		proc  int
		steps []cartIn
	}
	var setup []cartIn
	for range rng.IntN(3) {
		setup = append(setup, cartIn{Op: "add", Variant: rng.IntN(len(v.IDs)), Qty: 1 + rng.Int64N(3)})
	}
	plans := make([]plan, 3+rng.IntN(3))
	for i := range plans {
		p := &plans[i]
		p.proc = rng.IntN(procs)
		for range 3 + rng.IntN(4) {
			in := cartIn{Variant: rng.IntN(len(v.IDs))}
			switch r := rng.IntN(9); {
			case r < 4:
				in.Op, in.Qty = "add", 1+rng.Int64N(3)
			case r < 6:
				in.Op, in.Qty = "set", 1+rng.Int64N(4)
			case r < 8:
				in.Op = "remove"
			default:
				in.Op = "get"
			}
			p.steps = append(p.steps, in)
		}
	}
	// One checkout, and maybe a retry with its key or another shopper's.
	checkout := func(p *plan, key string) {
		at := rng.IntN(len(p.steps) + 1)
		p.steps = slices.Insert(p.steps, at, cartIn{Op: "checkout", Key: key})
	}
	checkout(&plans[0], "k1-"+cart)
	switch rng.IntN(3) {
	case 0:
		checkout(&plans[1], "k1-"+cart)
	case 1:
		checkout(&plans[1], "k2-"+cart)
	}
	var mu sync.Mutex
	known := map[int]string{} // variant → the id of its line in the latest answer
	order := ""
	run := func(client, proc int, in cartIn) cartOut {
		base := "/store/carts/" + cart
		method, path, body, header := "GET", base, "", []string(nil)
		if in.Op == "set" || in.Op == "remove" {
			mu.Lock()
			in.Item = known[in.Variant]
			mu.Unlock()
			if in.Item == "" {
				in.Item = "cli_none"
			}
		}
		switch in.Op {
		case "add":
			method, path, body = "POST", base+"/items", fmt.Sprintf(`{"variant_id":%q,"quantity":%d}`, v.IDs[in.Variant], in.Qty)
		case "set":
			method, path, body = "PATCH", base+"/items/"+in.Item, fmt.Sprintf(`{"quantity":%d}`, in.Qty)
		case "remove":
			method, path = "DELETE", base+"/items/"+in.Item
		case "checkout":
			method, path, body, header = "POST", base+"/checkout", checkoutBody, []string{"Idempotency-Key", in.Key}
		}
		return h.Record(client, in, func() any {
			out := cartAnswer(t, seed, v, in, c.Do(ctx, proc, false, method, path, body, header...))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case out.Status >= 300:
			case in.Op == "checkout":
				order = out.Cart
			default:
				for _, l := range out.Lines {
					known[l.Variant] = l.ID
				}
			}
			return out
		}).(cartOut)
	}
	for _, in := range setup {
		run(0, rng.IntN(procs), in)
	}
	var wg sync.WaitGroup
	for i, p := range plans {
		wg.Go(func() {
			for _, in := range p.steps {
				run(i+1, p.proc, in)
			}
		})
	}
	wg.Wait()
	final := run(len(plans)+1, rng.IntN(procs), cartIn{Op: "get"})
	if t.Failed() {
		h.Log(t, cartModel, seed)
		t.FailNow()
	}
	checker.CheckLinearizable(t, cartModel, h, seed)
	// The invariants of the final state.
	defer func() {
		if t.Failed() {
			h.Log(t, cartModel, seed)
		}
	}()
	sold := make([]int64, len(v.SKUs))
	if order == "" {
		if final.Cart != "active" {
			t.Fatalf("seed %d: cart %s is %s without an order", seed, cart, final.Cart)
		}
	} else {
		var o apiOrder
		c.Must(t, 0, true, "GET", "/admin/orders/"+order, "", 200, &o)
		lines, err := v.orderLines(o)
		if err != nil {
			t.Fatalf("seed %d: order %s: %v", seed, order, err)
		}
		if final.Cart != "completed" || !slices.Equal(lines, final.Lines) {
			t.Fatalf("seed %d: order %s has lines %s, its cart (%s) %s", seed, order, describeLines(lines), final.Cart, describeLines(final.Lines))
		}
		for _, l := range lines {
			sold[l.Variant] += l.Qty
		}
	}
	for i, sku := range v.SKUs {
		after := stockOf(t, c, sku)
		if after.OnHand != before[i].OnHand-sold[i] || after.Committed != before[i].Committed+sold[i] || after.Reserved != before[i].Reserved {
			t.Fatalf("seed %d: %s: stock %+v → %+v with %d units sold", seed, sku, before[i], after, sold[i])
		}
	}
	wantReconciled(t, c, seed)
}

// TestCartHistories is the model-based checker of a cart: generated
// concurrent histories of adds, quantity changes, removals, reads and
// checkouts of one cart, on one process and on two sharing PostgreSQL.
func TestCartHistories(t *testing.T) {
	for _, top := range topologies(t) {
		t.Run(top.name, func(t *testing.T) {
			c := start(t, top)
			var v variants
			for _, price := range []int64{1300, 250, 799} {
				sku := "CHK-" + strings.ToUpper(random())
				v.IDs = append(v.IDs, product(t, c, sku, price, 1_000_000))
				v.SKUs, v.Prices = append(v.SKUs, sku), append(v.Prices, price)
			}
			for _, seed := range seeds(t, 40) {
				cartHistory(t, c, v, seed)
			}
		})
	}
}
