package taxtest_test

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxtest"
)

// TestEvents checks that every write writes its event with the whole
// region or class to the outbox, and that failed writes write none.
func TestEvents(t *testing.T) {
	ctx := t.Context()
	svc, ob := taxtest.MustServiceWithOutbox(t)
	want := func(step string, types ...string) {
		t.Helper()
		if got := ob.EventTypes(t); !slices.Equal(got, types) {
			t.Fatalf("%s: events %v, want %v", step, got, types)
		}
		for _, e := range ob.Events(t) {
			if err := e.Validate(); err != nil || e.Source != "agora/tax" || e.Subject == "" {
				t.Fatalf("%s: event %+v: %v", step, e, err)
			}
		}
		ob.Reset(t)
	}
	taxtest.MustCreateClass(t, svc, "reduced")
	want("create class", tax.EventClassCreated)
	r := taxtest.MustCreateRegion(t, svc, tax.CreateRegionCommand{Country: "DE", Rates: []tax.RateInput{{TaxClass: "reduced", Rate: "7"}}})
	evs := ob.Events(t)
	want("create region", tax.EventRegionCreated)
	var data tax.Region
	if err := evs[0].Decode(&data); err != nil || data.ID != r.ID || len(data.Rates) != 1 || evs[0].Subject != r.ID {
		t.Errorf("region_created carries %+v (%v)", data, err)
	}

	_, err := svc.CreateRegion(ctx, tax.CreateRegionCommand{Country: "DE"})
	errstest.Want(t, err, errs.Conflict, "region_exists")
	errstest.Want(t, svc.DeleteClass(ctx, "reduced"), errs.Conflict, "class_in_use")
	_, err = svc.UpdateRegion(ctx, tax.UpdateRegionCommand{ID: r.ID, ExpectedVersion: 7})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	want("failed writes")

	if _, err := svc.UpdateRegion(ctx, tax.UpdateRegionCommand{ID: r.ID, Rates: &[]tax.RateInput{{TaxClass: "standard", Rate: "19"}}}); err != nil {
		t.Fatal(err)
	}
	evs = ob.Events(t)
	want("update region", tax.EventRegionUpdated)
	if err := evs[0].Decode(&data); err != nil || data.Version != 2 || data.Rates[0].PPM != 190000 {
		t.Errorf("region_updated carries %+v (%v)", data, err)
	}
	if err := svc.DeleteRegion(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	want("delete region", tax.EventRegionDeleted)
	if err := svc.DeleteClass(ctx, "reduced"); err != nil {
		t.Fatal(err)
	}
	want("delete class", tax.EventClassDeleted)
	if _, err := svc.Calculate(ctx, tax.CalculateQuery{Country: "DE", Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	want("calculate writes nothing")
}
