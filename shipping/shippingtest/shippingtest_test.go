package shippingtest_test

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/shipping"
	"github.com/agoracommerce/agora/shipping/shippingtest"
)

// TestEvents checks the events every write writes to the outbox, and that
// failed writes and quotes write none.
func TestEvents(t *testing.T) {
	ctx := t.Context()
	svc, ob := shippingtest.MustServiceWithOutbox(t)
	want := func(step string, types ...string) {
		t.Helper()
		if got := ob.EventTypes(t); !slices.Equal(got, types) {
			t.Fatalf("%s: events %v, want %v", step, got, types)
		}
		for _, e := range ob.Events(t) {
			if err := e.Validate(); err != nil || e.Source != "agora/shipping" || e.Subject == "" {
				t.Fatalf("%s: event %+v: %v", step, e, err)
			}
		}
		ob.Reset(t)
	}
	z := shippingtest.MustCreateZone(t, svc, "EU", "DE")
	want("create zone", shipping.EventZoneCreated)
	o := shippingtest.MustCreateOption(t, svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Std", Currency: "EUR", Rate: shipping.Rate{Kind: shipping.Flat, Amount: 5}})
	evs := ob.Events(t)
	want("create option", shipping.EventOptionCreated)
	var data shipping.Option
	if err := evs[0].Decode(&data); err != nil || data.ID != o.ID || data.Rate.Amount != 5 || evs[0].Subject != o.ID {
		t.Errorf("option_created carries %+v (%v)", data, err)
	}
	_, err := svc.UpdateZone(ctx, shipping.UpdateZoneCommand{ID: z.ID, ExpectedVersion: 5})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	if _, err := svc.Quote(ctx, shipping.QuoteQuery{Country: "DE", Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	want("failed writes and quotes")
	name := "EU+"
	if _, err := svc.UpdateZone(ctx, shipping.UpdateZoneCommand{ID: z.ID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	want("update zone", shipping.EventZoneUpdated)
	off := false
	if _, err := svc.UpdateOption(ctx, shipping.UpdateOptionCommand{ID: o.ID, Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	want("update option", shipping.EventOptionUpdated)
	shippingtest.MustCreateOption(t, svc, shipping.CreateOptionCommand{ZoneID: z.ID, Name: "Exp", Currency: "EUR", Rate: shipping.Rate{Kind: shipping.Flat, Amount: 9}})
	ob.Reset(t)
	if err := svc.DeleteZone(ctx, z.ID); err != nil {
		t.Fatal(err)
	}
	want("delete zone", shipping.EventOptionDeleted, shipping.EventOptionDeleted, shipping.EventZoneDeleted)
}
