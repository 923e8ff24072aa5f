package customertest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customersql"
	"github.com/agoracommerce/agora/customer/customersvc"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// MustStore returns the SQL store on a new SQLite database in tb.TempDir,
// migrated and closed when tb ends.
func MustStore(tb testing.TB) *customersql.Store {
	tb.Helper()
	st := customersql.New(sqldbtest.MustOpenSQLite(tb), nil)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate customer: %v", err)
	}
	return st
}

// MustService returns the customer service over MustStore with FastConfig
// and no throttles, the mailbox its password resets go to, and the outbox
// its events are written to. It passes TestService.
func MustService(tb testing.TB) (*customersvc.Service, *Mailbox, eventtest.Outbox) {
	tb.Helper()
	st, mail := MustStore(tb), NewMailbox()
	svc := customersvc.New(st, FastConfig(), mail, customersvc.Throttles{}, slog.New(slog.DiscardHandler), time.Now)
	return svc, mail, eventtest.Outbox{DB: st.DB, Module: customer.Module}
}
