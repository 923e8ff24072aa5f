package errstest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// spy is a testing.TB that records failures; Fatalf ends the goroutine
// like testing.T does.
type spy struct {
	testing.TB
	errors, fatals int
	msg            string
}

func (s *spy) Helper() {}

func (s *spy) Errorf(format string, args ...any) {
	s.errors++
	s.msg = fmt.Sprintf(format, args...)
}

func (s *spy) Fatalf(format string, args ...any) {
	s.fatals++
	s.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func run(f func(tb testing.TB)) *spy {
	s := &spy{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(s)
	}()
	<-done
	return s
}

func TestWant(t *testing.T) {
	conflict := errs.E(errs.Conflict, "version_conflict", "the product changed")
	invalid := errs.Validation(errs.Field("variants[0].prices[0].currency", "is not a currency"), errs.Field("title", "is required"))
	for _, tc := range []struct {
		name           string
		err            error
		kind           errs.Kind
		code           string
		fields         []string
		errors, fatals int
	}{
		{"match", conflict, errs.Conflict, "version_conflict", nil, 0, 0},
		{"any code", conflict, errs.Conflict, "", nil, 0, 0},
		{"wrapped", fmt.Errorf("save: %w", conflict), errs.Conflict, "version_conflict", nil, 0, 0},
		{"default code", errs.E(errs.NotFound, "", "gone"), errs.NotFound, "not_found", nil, 0, 0},
		{"nil", nil, errs.Conflict, "", nil, 0, 1},
		{"plain error", errors.New("boom"), errs.Internal, "", nil, 0, 1},
		{"other kind", conflict, errs.NotFound, "", nil, 0, 1},
		{"other code", conflict, errs.Conflict, "handle_taken", nil, 0, 1},
		{"fields", invalid, errs.Invalid, "validation_failed", []string{"title", "variants[0].prices[0].currency", "variants[0].prices[0]", "variants"}, 0, 0},
		{"missing fields", invalid, errs.Invalid, "validation_failed", []string{"variants[0].price", "handle", "title"}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *errs.Error
			s := run(func(tb testing.TB) { got = errstest.Want(tb, tc.err, tc.kind, tc.code, tc.fields...) })
			if s.errors != tc.errors || s.fatals != tc.fatals {
				t.Fatalf("%d errors and %d fatals (last %q), want %d and %d", s.errors, s.fatals, s.msg, tc.errors, tc.fatals)
			}
			if tc.fatals == 0 && (got == nil || got.Kind != tc.kind) {
				t.Fatalf("returned %v", got)
			}
		})
	}
}

func TestWantInvalid(t *testing.T) {
	err := errs.Validation(errs.Field("email", "is required"))
	if s := run(func(tb testing.TB) { errstest.WantInvalid(tb, err, "email") }); s.errors+s.fatals != 0 {
		t.Errorf("a validation error naming email failed: %s", s.msg)
	}
	if s := run(func(tb testing.TB) { errstest.WantInvalid(tb, err, "name") }); s.errors != 1 {
		t.Errorf("a validation error not naming name passed")
	}
	if s := run(func(tb testing.TB) { errstest.WantInvalid(tb, errs.E(errs.Invalid, "no_price", "no price")) }); s.fatals != 1 {
		t.Errorf("an Invalid error with another code passed")
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "<nil>"},
		{errors.New("boom"), "boom (not an *errs.Error)"},
		{errs.E(errs.Conflict, "version_conflict", "the product changed"), "conflict/version_conflict: the product changed"},
		{&errs.Error{Kind: errs.NotFound, Message: "gone"}, "not_found/not_found: gone"},
		{errs.Validation(errs.Field("title", "is required")), `invalid/validation_failed: the request has invalid fields fields=[{"field":"title","message":"is required"}]`},
	} {
		if got := errstest.Describe(tc.err); got != tc.want {
			t.Errorf("Describe(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := errstest.Describe(fmt.Errorf("wrapped: %w", errs.E(errs.Unavailable, "", "down"))); !strings.HasPrefix(got, "unavailable/unavailable: wrapped: down") {
		t.Errorf("Describe of a wrapped error = %q", got)
	}
}
