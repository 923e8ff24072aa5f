// Package paymenttest holds the payment's test kit: the service on SQLite
// for tests (MustService) and the contract suite every payment.Service
// implementation passes.
package paymenttest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/payment/paymentsql"
	"github.com/agoracommerce/agora/payment/paymentsvc"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *paymentsql.Store {
	tb.Helper()
	return mustStoreOn(tb, sqldbtest.MustOpenSQLite(tb))
}

func mustStoreOn(tb testing.TB, db *sqldb.DB) *paymentsql.Store {
	tb.Helper()
	st := paymentsql.New(db, nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate payment: %v", err)
	}
	return st
}

func newService(st *paymentsql.Store) *paymentsvc.Service {
	return paymentsvc.New(st, []payment.Provider{paymentsvc.NewTestProvider()}, slog.New(slog.DiscardHandler), time.Now)
}

// MustService returns the payment service with the test provider over
// MustStore. It passes TestService.
func MustService(tb testing.TB) *paymentsvc.Service {
	tb.Helper()
	return newService(MustStore(tb))
}

// MustServiceOn is MustService on db, which the stores of other modules may
// share: their tables are prefixed by module, as on PostgreSQL.
func MustServiceOn(tb testing.TB, db *sqldb.DB) *paymentsvc.Service {
	tb.Helper()
	return newService(mustStoreOn(tb, db))
}

// MustServiceWithOutbox is MustService that also returns the outbox the
// service's events are written to.
func MustServiceWithOutbox(tb testing.TB) (*paymentsvc.Service, eventtest.Outbox) {
	tb.Helper()
	st := MustStore(tb)
	return newService(st), eventtest.Outbox{DB: st.DB, Module: payment.Module}
}
