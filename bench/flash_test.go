package bench

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func countHandler(n *atomic.Int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

func TestFlashOutcomeCheck(t *testing.T) {
	exact := FlashOutcome{Units: 10_000, Sold: 10_000, Orders: 10_000, OrderQty: 10_000, OnHand: 0, Reserved: 0, Committed: 10_000, Reconcile: true, Finished: true}
	if err := exact.Check(); err != nil {
		t.Fatalf("an exact sale failed the check: %v", err)
	}
	cases := map[string]struct {
		change func(*FlashOutcome)
		want   string
	}{
		"oversold by the answers": {func(o *FlashOutcome) { o.Sold, o.Orders, o.OrderQty, o.Committed = 10_001, 10_001, 10_001, 10_001 }, "OVERSOLD"},
		"oversold in inventory":   {func(o *FlashOutcome) { o.Committed = 10_002 }, "OVERSOLD"},
		"oversold in orders":      {func(o *FlashOutcome) { o.Orders, o.OrderQty = 10_001, 10_001 }, "OVERSOLD"},
		"undersold": {func(o *FlashOutcome) {
			o.Sold, o.Orders, o.OrderQty, o.Committed, o.OnHand = 9_999, 9_999, 9_999, 9_999, 1
		}, "9999 of 10000 units sold"},
		"an answer without order": {func(o *FlashOutcome) { o.Orders, o.OrderQty = 9_999, 9_999 }, "orders hold"},
		"units left reserved":     {func(o *FlashOutcome) { o.Reserved = 3 }, "reserved 3"},
		"ledger differs":          {func(o *FlashOutcome) { o.Reconcile = false }, "reconcile"},
	}
	unfinished := FlashOutcome{Units: 10_000, Sold: 4_000, Orders: 4_000, OrderQty: 4_000, OnHand: 6_000, Committed: 4_000, Reconcile: true}
	if err := unfinished.Check(); err != nil {
		t.Fatalf("a consistent sale cut off by time failed the check: %v", err)
	}
	unfinished.Committed, unfinished.OnHand = 10_001, -1
	if err := unfinished.Check(); err == nil || !strings.Contains(err.Error(), "OVERSOLD") {
		t.Fatalf("an oversold unfinished sale: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			o := exact
			c.change(&o)
			err := o.Check()
			if err == nil {
				t.Fatalf("%+v passed the check", o)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
		})
	}
}
