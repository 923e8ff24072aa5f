// Package errstest holds the test helpers for errs: checking an error's
// kind, code and fields, and describing an error in a failure message.
package errstest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
)

// Want fails tb unless err is an *errs.Error of kind k with code (any code
// when code is "") that names every one of fields (see Names). It returns
// the error.
func Want(tb testing.TB, err error, k errs.Kind, code string, fields ...string) *errs.Error {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || !errs.Is(err, k) || (code != "" && errs.CodeOf(err) != code) {
		tb.Fatalf("got %s, want %s/%s", Describe(err), k, code)
	}
	for _, f := range fields {
		if !Names(e.Fields, f) {
			tb.Errorf("error %s does not name field %q", Describe(err), f)
		}
	}
	return e
}

// WantInvalid fails tb unless err is Invalid validation_failed and names
// every one of fields.
func WantInvalid(tb testing.TB, err error, fields ...string) *errs.Error {
	tb.Helper()
	return Want(tb, err, errs.Invalid, "validation_failed", fields...)
}

// Names reports whether list has an error on field or on a part of it:
// "variants[0].prices[0]" is named by an error on itself, on
// "variants[0].prices[0].currency" and on "variants[0].prices[0][1]", so
// that a rule may be enforced by the service or by an HTTP schema in front
// of it.
func Names(list []errs.FieldError, field string) bool {
	for _, f := range list {
		if f.Field == field || strings.HasPrefix(f.Field, field+".") || strings.HasPrefix(f.Field, field+"[") {
			return true
		}
	}
	return false
}

// Describe renders err with its kind, code and fields, for failure
// messages: "conflict/version_conflict: the product changed".
func Describe(err error) string {
	if err == nil {
		return "<nil>"
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error() + " (not an *errs.Error)"
	}
	s := e.Kind.String() + "/" + errs.CodeOf(err) + ": " + err.Error()
	if len(e.Fields) > 0 {
		b, _ := json.Marshal(e.Fields)
		s += " fields=" + string(b)
	}
	return s
}
