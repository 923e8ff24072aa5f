package taxtest

import (
	"context"
	"testing"

	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/tax"
)

// MustCreateRegion creates a region or fails tb.
func MustCreateRegion(tb testing.TB, svc tax.Service, cmd tax.CreateRegionCommand) tax.Region {
	tb.Helper()
	r, err := svc.CreateRegion(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateRegion(%+v): %s", cmd, errstest.Describe(err))
	}
	return r
}

// MustCreateClass creates a tax class or fails tb.
func MustCreateClass(tb testing.TB, svc tax.Service, code string) tax.Class {
	tb.Helper()
	c, err := svc.CreateClass(context.Background(), tax.CreateClassCommand{Code: code})
	if err != nil {
		tb.Fatalf("CreateClass(%q): %s", code, errstest.Describe(err))
	}
	return c
}
