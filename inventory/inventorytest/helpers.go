// Package inventorytest holds inventory's test kit: the service on SQLite
// for tests (MustService), its contract suite TestService, and helpers for
// tests of inventory and of the modules that use it.
package inventorytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// Unique returns 8 random hex characters, for SKUs of one test.
func Unique() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// MustSetLevel sets on_hand of sku at location (default when "").
func MustSetLevel(tb testing.TB, svc inventory.Service, sku, location string, onHand int64) inventory.Level {
	tb.Helper()
	l, err := svc.SetLevel(context.Background(), inventory.SetLevelCommand{SKU: sku, LocationID: location, OnHand: onHand, Reason: "test"})
	if err != nil {
		tb.Fatalf("SetLevel(%s, %d): %s", sku, onHand, errstest.Describe(err))
	}
	return l
}

// MustReserve reserves lines or fails tb.
func MustReserve(tb testing.TB, svc inventory.Service, cmd inventory.ReserveCommand) inventory.Reservation {
	tb.Helper()
	r, err := svc.Reserve(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("Reserve(%+v): %s", cmd, errstest.Describe(err))
	}
	return r
}

// MustStock reads a SKU's stock or fails tb.
func MustStock(tb testing.TB, svc inventory.Service, sku string) inventory.Stock {
	tb.Helper()
	st, err := svc.GetStock(context.Background(), sku)
	if err != nil {
		tb.Fatalf("GetStock(%s): %s", sku, errstest.Describe(err))
	}
	return st
}

// WantTotals fails tb unless sku's totals are on_hand, reserved, committed
// (available follows).
func WantTotals(tb testing.TB, svc inventory.Service, sku string, onHand, reserved, committed int64) {
	tb.Helper()
	got := MustStock(tb, svc, sku).Totals
	want := inventory.Totals{OnHand: onHand, Reserved: reserved, Committed: committed, Available: onHand - reserved}
	if got != want {
		tb.Fatalf("totals of %s: got %+v, want %+v", sku, got, want)
	}
}

// MustReconcile fails tb unless Reconcile finds no difference and no
// violation.
func MustReconcile(tb testing.TB, svc inventory.Service) inventory.ReconcileReport {
	tb.Helper()
	rep, err := svc.Reconcile(context.Background())
	if err != nil {
		tb.Fatalf("Reconcile: %s", errstest.Describe(err))
	}
	if !rep.OK || len(rep.Differences) > 0 || len(rep.Violations) > 0 {
		b, _ := json.Marshal(rep)
		tb.Fatalf("Reconcile found problems: %s", b)
	}
	return rep
}

func ptr[T any](v T) *T { return &v }
