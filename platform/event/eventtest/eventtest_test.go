package eventtest_test

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

var migrations = fstest.MapFS{"00001_outbox.sql": {Data: []byte(`-- +goose Up
CREATE TABLE t_outbox (
    seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL,
    envelope TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
`)}}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.MustOpenSQLite(t)
	if err := db.Migrate(ctx, "t", migrations); err != nil {
		t.Fatal(err)
	}
	write := func(types ...string) {
		t.Helper()
		var evs []event.Event
		for _, typ := range types {
			e, err := event.New("t", typ, "s_1", map[string]string{"k": typ}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return outbox.Write(ctx, tx, "t", evs...) }); err != nil {
			t.Fatal(err)
		}
	}
	ob := eventtest.Outbox{DB: db, Module: "t"}
	if len(ob.Events(t)) != 0 {
		t.Fatal("a new outbox has events")
	}
	write("t.created", "t.updated")
	write("t.deleted")
	if got, want := ob.EventTypes(t), []string{"t.created", "t.updated", "t.deleted"}; !slices.Equal(got, want) {
		t.Fatalf("EventTypes = %v, want %v", got, want)
	}
	var data map[string]string
	if e := ob.Events(t)[1]; e.Decode(&data) != nil || data["k"] != "t.updated" || e.Subject != "s_1" || e.Source != "agora/t" {
		t.Fatalf("event %+v", e)
	}
	ob.Reset(t)
	if len(ob.Events(t)) != 0 {
		t.Fatal("Reset kept events")
	}
	write("t.created")
	if got := ob.EventTypes(t); !slices.Equal(got, []string{"t.created"}) {
		t.Fatalf("after Reset: %v", got)
	}
}
