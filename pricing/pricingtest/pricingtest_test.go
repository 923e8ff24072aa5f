package pricingtest

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/pricing"
)

func TestEvents(t *testing.T) {
	svc, ob := MustServiceWithOutbox(t)
	ctx := context.Background()
	pl, err := svc.CreatePriceList(ctx, pricing.CreatePriceListCommand{Name: "x", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.DeletePriceList(ctx, pl.ID); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range ob.Events(t) {
		if e.Subject != pl.ID {
			t.Errorf("event %s about %s", e.Type, e.Subject)
		}
		types = append(types, e.Type)
	}
	if len(types) != 2 || types[0] != pricing.EventPriceListCreated || types[1] != pricing.EventPriceListDeleted {
		t.Fatalf("events %v", types)
	}
}
