package shippingtest

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/shipping"
)

// MustCreateZone creates a zone or fails tb.
func MustCreateZone(tb testing.TB, svc shipping.Service, name string, countries ...string) shipping.Zone {
	tb.Helper()
	z, err := svc.CreateZone(context.Background(), shipping.CreateZoneCommand{Name: name, Countries: countries})
	if err != nil {
		tb.Fatalf("CreateZone(%q): %s", name, errstest.Describe(err))
	}
	return z
}

// MustCreateOption creates an option or fails tb.
func MustCreateOption(tb testing.TB, svc shipping.Service, cmd shipping.CreateOptionCommand) shipping.Option {
	tb.Helper()
	o, err := svc.CreateOption(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateOption(%+v): %s", cmd, errstest.Describe(err))
	}
	return o
}
