package customertest_test

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customertest"
)

// TestEvents checks which writes write which events to the outbox and
// that failed writes write none.
func TestEvents(t *testing.T) {
	ctx := t.Context()
	svc, _, ob := customertest.MustService(t)
	const pw = "correct horse battery"
	c := customertest.MustRegister(t, svc, "ada@example.com", pw)
	_, _ = svc.Register(ctx, customer.RegisterCommand{Email: "ada@example.com", Password: pw})
	_, _ = svc.SetGroups(ctx, customer.SetGroupsCommand{CustomerID: c.ID, Groups: []string{"none"}})
	first := "Augusta"
	if _, err := svc.Update(ctx, customer.UpdateCommand{ID: c.ID, FirstName: &first}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Erase(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Erase(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	want := []string{customer.EventCreated, customer.EventUpdated, customer.EventErased}
	if got := ob.EventTypes(t); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
