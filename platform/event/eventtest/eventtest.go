// Package eventtest holds test helpers for events: Outbox reads the events
// a module's SQL store wrote to its outbox.
package eventtest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// Outbox reads the events a module's SQL store wrote to its outbox table
// (<Module>_outbox, see platform/event/outbox), as its relay would publish
// them. No relay may run on DB: it deletes the rows it publishes.
type Outbox struct {
	DB     *sqldb.DB
	Module string
}

// Events returns the events in the outbox, oldest first, or fails tb.
func (o Outbox) Events(tb testing.TB) []event.Event {
	tb.Helper()
	rows, err := o.DB.Primary().QueryContext(context.Background(), `SELECT envelope FROM `+o.Module+`_outbox ORDER BY seq`)
	if err != nil {
		tb.Fatalf("read %s_outbox: %v", o.Module, err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var env string
		if err := rows.Scan(&env); err != nil {
			tb.Fatalf("read %s_outbox: %v", o.Module, err)
		}
		var e event.Event
		if err := json.Unmarshal([]byte(env), &e); err != nil {
			tb.Fatalf("decode an event of %s_outbox: %v", o.Module, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read %s_outbox: %v", o.Module, err)
	}
	return out
}

// EventTypes returns the types of Events, in order.
func (o Outbox) EventTypes(tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, e := range o.Events(tb) {
		out = append(out, e.Type)
	}
	return out
}

// Reset deletes the events in the outbox, so that Events returns only
// those written after.
func (o Outbox) Reset(tb testing.TB) {
	tb.Helper()
	if _, err := o.DB.ExecContext(context.Background(), `DELETE FROM `+o.Module+`_outbox`); err != nil {
		tb.Fatalf("empty %s_outbox: %v", o.Module, err)
	}
}
