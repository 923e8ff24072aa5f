package ordersql_test

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/inventory/inventorytest"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/ordersql"
	"github.com/agoracommerce/agora/order/ordertest"
	"github.com/agoracommerce/agora/payment/paymenttest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func subject(t *testing.T, db *sqldb.DB) ordertest.Subject {
	st := ordersql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	deps := sqldbtest.MustOpenSQLite(t) // inventory and payment, on SQLite whatever db is
	return ordertest.NewSubject(st, inventorytest.MustServiceOn(t, deps), paymenttest.MustServiceOn(t, deps))
}

func forEachDB(t *testing.T, fn func(t *testing.T, open func(testing.TB) *sqldb.DB)) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			fn(t, d.Open)
		})
	}
}

func TestService(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func(testing.TB) *sqldb.DB) {
		ordertest.TestService(t, func(t *testing.T) ordertest.Subject { return subject(t, open(t)) })
	})
}

func TestRecovery(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func(testing.TB) *sqldb.DB) {
		ordertest.TestRecovery(t, func(t *testing.T) ordertest.Subject { return subject(t, open(t)) })
	})
}

func TestCancelRecovery(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func(testing.TB) *sqldb.DB) {
		ordertest.TestCancelRecovery(t, func(t *testing.T) ordertest.Subject { return subject(t, open(t)) })
	})
}

// TestFulfillConcurrency runs the fulfillment race on a real database:
// the order's row lock (PostgreSQL) or the single writer (SQLite) keeps a
// line from being fulfilled beyond its quantity.
func TestFulfillConcurrency(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func(testing.TB) *sqldb.DB) {
		ordertest.TestFulfillConcurrency(t, func(t *testing.T) ordertest.Subject { return subject(t, open(t)) })
	})
}

func TestConcurrency(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func(testing.TB) *sqldb.DB) {
		db := open(t)
		ordertest.TestConcurrency(t, func(t *testing.T) ordertest.Subject { return subject(t, db) }, func() []event.Event {
			return eventtest.Outbox{DB: db, Module: order.Module}.Events(t)
		})
	})
}
