package customertest_test

import (
	"slices"
	"testing"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customertest"
)

func TestFake(t *testing.T) {
	customertest.TestService(t, func(t *testing.T) customertest.Harness {
		svc, mail, _ := customertest.NewFake()
		return customertest.Harness{Service: svc, Mail: mail}
	})
}

// TestFakeEvents checks which writes emit which events and that failed
// writes emit none.
func TestFakeEvents(t *testing.T) {
	ctx := t.Context()
	svc, _, st := customertest.NewFake()
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
	if got := st.EventTypes(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
