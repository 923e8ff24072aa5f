package shippingtest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/shipping"
)

// Describe renders err with its kind, code and fields, for failure messages.
func Describe(err error) string {
	if err == nil {
		return "<nil>"
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error() + " (not an *errs.Error)"
	}
	s := e.Kind.String() + "/" + e.Code + ": " + err.Error()
	if len(e.Fields) > 0 {
		b, _ := json.Marshal(e.Fields)
		s += " fields=" + string(b)
	}
	return s
}

// WantErr fails tb unless err is of kind k with the stable code (any code
// when code is "").
func WantErr(tb testing.TB, err error, k errs.Kind, code string) *errs.Error {
	tb.Helper()
	var e *errs.Error
	if err == nil || !errors.As(err, &e) || !errs.Is(err, k) || (code != "" && !errs.HasCode(err, code)) {
		tb.Fatalf("got %s, want %s/%s", Describe(err), k, code)
	}
	return e
}

// WantInvalid fails tb unless err is Invalid validation_failed and names
// every one of fields (a field error on a part of a field names it too).
func WantInvalid(tb testing.TB, err error, fields ...string) {
	tb.Helper()
	e := WantErr(tb, err, errs.Invalid, "validation_failed")
	for _, want := range fields {
		found := false
		for _, f := range e.Fields {
			if f.Field == want || strings.HasPrefix(f.Field, want+".") || strings.HasPrefix(f.Field, want+"[") {
				found = true
			}
		}
		if !found {
			tb.Errorf("error %s does not name field %q", Describe(err), want)
		}
	}
}

// MustCreateZone creates a zone or fails tb.
func MustCreateZone(tb testing.TB, svc shipping.Service, name string, countries ...string) shipping.Zone {
	tb.Helper()
	z, err := svc.CreateZone(context.Background(), shipping.CreateZoneCommand{Name: name, Countries: countries})
	if err != nil {
		tb.Fatalf("CreateZone(%q): %s", name, Describe(err))
	}
	return z
}

// MustCreateOption creates an option or fails tb.
func MustCreateOption(tb testing.TB, svc shipping.Service, cmd shipping.CreateOptionCommand) shipping.Option {
	tb.Helper()
	o, err := svc.CreateOption(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateOption(%+v): %s", cmd, Describe(err))
	}
	return o
}
