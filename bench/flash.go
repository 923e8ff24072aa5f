package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FlashOutcome is what a flash sale left behind, as the bench saw it and
// as the admin APIs report it.
type FlashOutcome struct {
	Units     int64 `json:"units"`      // stock put on sale
	Sold      int64 `json:"sold"`       // checkouts answered 201
	Orders    int64 `json:"orders"`     // orders of record holding the SKU
	OrderQty  int64 `json:"order_qty"`  // units of the SKU in those orders
	OnHand    int64 `json:"on_hand"`    // inventory totals after the sale
	Reserved  int64 `json:"reserved"`   //
	Committed int64 `json:"committed"`  //
	Reconcile bool  `json:"reconciled"` // GET /admin/inventory/reconcile said ok
	// Finished is set when every buyer saw the SKU sold out; a sale cut off
	// by the bench's time limit is checked for overselling and consistency
	// only.
	Finished bool `json:"finished"`
}

// Check returns an error naming every way the sale was not exact: fewer
// or more units sold than put on sale, orders that do not match the
// answers, stock left reserved or on hand, or a ledger that does not
// reconcile.
func (o FlashOutcome) Check() error {
	var bad []string
	if o.Committed > o.Units || o.OrderQty > o.Units || o.Sold > o.Units {
		bad = append(bad, fmt.Sprintf("OVERSOLD: %d units on sale, %d sold, %d committed, %d in orders", o.Units, o.Sold, o.Committed, o.OrderQty))
	} else if o.Finished && o.Sold != o.Units {
		bad = append(bad, fmt.Sprintf("%d of %d units sold", o.Sold, o.Units))
	}
	if o.Orders != o.Sold || o.OrderQty != o.Sold {
		bad = append(bad, fmt.Sprintf("%d checkouts answered 201 but %d orders hold %d units", o.Sold, o.Orders, o.OrderQty))
	}
	if o.Committed != o.Sold {
		bad = append(bad, fmt.Sprintf("inventory committed %d units for %d sold", o.Committed, o.Sold))
	}
	if o.Finished && o.Reserved != 0 || o.OnHand != o.Units-o.Committed {
		bad = append(bad, fmt.Sprintf("left after the sale: on_hand %d, reserved %d (want %d, 0)", o.OnHand, o.Reserved, o.Units-o.Committed))
	}
	if !o.Reconcile {
		bad = append(bad, "the inventory does not reconcile with its ledger")
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// flashSale is B6: one SKU with FlashUnits units, FlashBuyers buyers who
// each buy one unit after another (new cart, add, checkout) until the SKU
// is sold out. It returns the row and, when the sale was not exact, the
// correctness failure.
func (r *runner) flashSale(ctx context.Context, srv *Server) (*Row, string, error) {
	cfg := r.cfg
	cl := NewClient(srv.URL, cfg.AdminKey)
	sku := "FLASH-" + r.runID
	units := int64(cfg.FlashUnits)
	var product struct {
		Variants []struct {
			ID string `json:"id"`
		} `json:"variants"`
	}
	err := cl.Do(ctx, http.MethodPost, "/admin/products", true, map[string]string{"Idempotency-Key": "bench-" + sku}, map[string]any{
		"title": "Flash sale " + r.runID, "status": "published",
		"variants": []map[string]any{{"sku": sku, "manage_inventory": true,
			"prices": []map[string]any{{"amount": 999, "currency": currency}}}},
	}, &product, http.StatusCreated)
	if err != nil {
		return nil, "", err
	}
	if len(product.Variants) != 1 {
		return nil, "", errors.New("bench: the flash-sale product has no variant")
	}
	variant := product.Variants[0].ID
	if err := cl.Do(ctx, http.MethodPut, "/admin/inventory/"+sku, true, nil, map[string]any{"on_hand": units, "reason": "flash sale"}, nil, http.StatusOK); err != nil {
		return nil, "", err
	}
	if err := waitPurchasable(ctx, cl, []string{variant}, 10*time.Minute); err != nil {
		return nil, "", err
	}
	cfg.logf("B6: flash sale of %d units of %s to %d buyers", units, sku, cfg.FlashBuyers)

	lat := NewLatencies()
	var sold, attempts, errCount, soldOut atomic.Int64
	var firstErr atomic.Value
	outOfStock := func(err error) bool {
		var se *StatusError
		return errors.As(err, &se) && se.Status == http.StatusConflict && se.Code() == "out_of_stock"
	}
	// One purchase attempt: true when the buyer saw the SKU sold out.
	attempt := func(ctx context.Context, n int64) (bool, error) {
		cart, err := newCart(ctx, cl)
		if err != nil {
			return false, err
		}
		if err := addItem(ctx, cl, cart, variant, 1); err != nil {
			return outOfStock(err), ignore(err, outOfStock(err))
		}
		err = checkoutCart(ctx, cl, cart, fmt.Sprintf("%s-%d", sku, n))
		if err == nil {
			sold.Add(1)
			return false, nil
		}
		return outOfStock(err), ignore(err, outOfStock(err))
	}
	// Buyers start no attempt after the deadline; attempts in flight then
	// finish (a checkout cut off halfway would leave work for recovery).
	deadline := time.Now().Add(max(2*time.Minute, time.Duration(units)*100*time.Millisecond))
	cpu0, cpuOK := srv.CPU()
	req0 := cl.Requests()
	start := time.Now()
	var wg sync.WaitGroup
	var seq atomic.Int64
	for range cfg.FlashBuyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) && errCount.Load() < 1000 {
				began := time.Now()
				done, err := attempt(ctx, seq.Add(1))
				if ctx.Err() != nil {
					return
				}
				if done {
					soldOut.Add(1)
				}
				lat.Record(time.Since(began))
				attempts.Add(1)
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				if done {
					return
				}
			}
		}()
	}
	progress := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-progress:
				return
			case <-t.C:
				cfg.logf("B6: %d of %d units sold after %s", sold.Load(), units, time.Since(start).Round(time.Second))
			}
		}
	}()
	wg.Wait()
	close(progress)
	elapsed := time.Since(start)
	cpu1, _ := srv.CPU()
	requests := cl.Requests() - req0

	out := FlashOutcome{Units: units, Sold: sold.Load(), Finished: soldOut.Load() == int64(cfg.FlashBuyers)}
	if err := r.flashAudit(ctx, cl, sku, &out); err != nil {
		return nil, "", err
	}
	res := Result{Elapsed: elapsed, Calls: attempts.Load(), Errors: errCount.Load(), Lat: lat}
	if s, ok := firstErr.Load().(string); ok {
		res.FirstErr = s
	}
	p := pointOf(res)
	p.Requests = requests
	if cpuOK && requests > 0 {
		v := (cpu1 - cpu0) / float64(requests) * 1000
		p.CPUPer1k = &v
	}
	row := &Row{ID: "B6", Name: fmt.Sprintf("flash sale: 1 SKU, %s units, %d buyers", count(int(units)), cfg.FlashBuyers), Unit: "attempt",
		Target: fmt.Sprintf("exactly %d sold, 0 oversold; ≥ 0.5 × ceiling", units),
		P50:    p.P50, P99: p.P99, P999: p.P999, Max: p.Max, Throughput: p.Throughput, Errors: p.Errors, CPUPer1k: p.CPUPer1k,
		Saturation: []Point{p}, Extra: map[string]any{"outcome": out}}
	row.noteErr(p.FirstErr)
	if r.ceiling > 0 {
		row.Ratio = p.Throughput / r.ceiling
	}
	row.note("%d purchase attempts (new cart, add, checkout) in %.1f s; %d sold; inventory after: on_hand %d, reserved %d, committed %d; %d orders hold %d units; reconciled %v",
		p.Calls, elapsed.Seconds(), out.Sold, out.OnHand, out.Reserved, out.Committed, out.Orders, out.OrderQty, out.Reconcile)
	cfg.logf("B6: %s", row.Notes[len(row.Notes)-1])
	if err := out.Check(); err != nil {
		row.Result = "FAIL"
		return row, err.Error(), nil
	}
	if !out.Finished {
		row.note("the sale did not sell out within the bench's time limit (%s); checked for overselling and consistency only", time.Duration(units)*100*time.Millisecond)
		row.Result = "unfinished"
		return row, "", nil
	}
	row.Result = "exact, " + passMiss(row.Ratio >= 0.5)
	return row, "", nil
}

// ignore drops err when it is the expected answer.
func ignore(err error, expected bool) error {
	if expected {
		return nil
	}
	return err
}

// flashAudit reads the SKU's stock, the orders that hold it and the
// reconciliation of the inventory into out.
func (r *runner) flashAudit(ctx context.Context, cl *Client, sku string, out *FlashOutcome) error {
	var stock struct {
		Totals struct {
			OnHand    int64 `json:"on_hand"`
			Reserved  int64 `json:"reserved"`
			Committed int64 `json:"committed"`
		} `json:"totals"`
	}
	if err := cl.Do(ctx, http.MethodGet, "/admin/inventory/"+sku, true, nil, nil, &stock, http.StatusOK); err != nil {
		return err
	}
	out.OnHand, out.Reserved, out.Committed = stock.Totals.OnHand, stock.Totals.Reserved, stock.Totals.Committed
	cursor := ""
	for {
		var page struct {
			Data []struct {
				Items []struct {
					SKU      string `json:"sku"`
					Quantity int64  `json:"quantity"`
				} `json:"items"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		path := "/admin/orders?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := cl.Do(ctx, http.MethodGet, path, true, nil, nil, &page, http.StatusOK); err != nil {
			return err
		}
		for _, o := range page.Data {
			held := false
			for _, it := range o.Items {
				if it.SKU == sku {
					held = true
					out.OrderQty += it.Quantity
				}
			}
			if held {
				out.Orders++
			}
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
	}
	var rec struct {
		OK bool `json:"ok"`
	}
	if err := cl.Do(ctx, http.MethodGet, "/admin/inventory/reconcile", true, nil, nil, &rec, http.StatusOK); err != nil {
		return err
	}
	out.Reconcile = rec.OK
	return nil
}
