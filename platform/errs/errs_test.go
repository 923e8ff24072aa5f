package errs_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/errs"
)

func TestKindStringAndDefaultCode(t *testing.T) {
	tests := []struct {
		k          errs.Kind
		name, code string
	}{
		{errs.Internal, "internal", "internal"},
		{errs.Invalid, "invalid", "validation_failed"},
		{errs.NotFound, "not_found", "not_found"},
		{errs.Conflict, "conflict", "conflict"},
		{errs.Unauthorized, "unauthorized", "unauthorized"},
		{errs.Forbidden, "forbidden", "forbidden"},
		{errs.Unavailable, "unavailable", "unavailable"},
		{errs.TooLarge, "too_large", "payload_too_large"},
		{errs.PaymentFailed, "payment_failed", "payment_declined"},
		{errs.RateLimited, "rate_limited", "rate_limited"},
		{errs.Kind(200), "kind(200)", "internal"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.name {
			t.Errorf("Kind(%d).String() = %q, want %q", tt.k, got, tt.name)
		}
		if got := tt.k.DefaultCode(); got != tt.code {
			t.Errorf("Kind(%d).DefaultCode() = %q, want %q", tt.k, got, tt.code)
		}
	}
	var zero errs.Kind
	if zero != errs.Internal {
		t.Errorf("zero Kind = %v, want internal", zero)
	}
}

func TestE(t *testing.T) {
	tests := []struct {
		name                   string
		err                    *errs.Error
		kind                   errs.Kind
		code, message, errText string
	}{
		{"default code", errs.E(errs.NotFound, "", "product %s not found", "prod_1"), errs.NotFound, "not_found", "product prod_1 not found", "product prod_1 not found"},
		{"own code", errs.E(errs.Conflict, "handle_taken", "the handle is taken"), errs.Conflict, "handle_taken", "the handle is taken", "the handle is taken"},
		{"empty message", errs.E(errs.Unavailable, "", ""), errs.Unavailable, "unavailable", "", "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if e.Kind != tt.kind || e.Code != tt.code || e.Message != tt.message || e.Err != nil {
				t.Errorf("got {%v %q %q %v}, want {%v %q %q <nil>}", e.Kind, e.Code, e.Message, e.Err, tt.kind, tt.code, tt.message)
			}
			if got := e.Error(); got != tt.errText {
				t.Errorf("Error() = %q, want %q", got, tt.errText)
			}
			if errs.KindOf(e) != tt.kind || errs.CodeOf(e) != tt.code {
				t.Errorf("KindOf, CodeOf = %v, %q; want %v, %q", errs.KindOf(e), errs.CodeOf(e), tt.kind, tt.code)
			}
		})
	}
}

// Wrap keeps the internal error out of the client-safe Message, but Error()
// (what gets logged) and the error chain include it.
func TestWrap(t *testing.T) {
	internal := fmt.Errorf("dial tcp 10.0.0.7:5432: %w", io.ErrUnexpectedEOF)
	e := errs.Wrap(internal, errs.Unavailable, "", "the catalog is unavailable, try again")
	if e.Message != "the catalog is unavailable, try again" {
		t.Errorf("Message = %q", e.Message)
	}
	if strings.Contains(e.Message, "10.0.0.7") {
		t.Errorf("Message %q leaks the internal error", e.Message)
	}
	if want := "the catalog is unavailable, try again: dial tcp 10.0.0.7:5432: unexpected EOF"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if e.Code != "unavailable" || e.Kind != errs.Unavailable {
		t.Errorf("Kind, Code = %v, %q", e.Kind, e.Code)
	}
	if !errors.Is(e, io.ErrUnexpectedEOF) || errors.Unwrap(e) != internal {
		t.Errorf("Wrap does not unwrap to the internal error")
	}
	// The message is not a format string.
	if m := errs.Wrap(internal, errs.Internal, "x", "50% off %s").Message; m != "50% off %s" {
		t.Errorf("Message = %q, want it verbatim", m)
	}
	// Wrap(nil, …) is a plain error of that kind.
	if n := errs.Wrap(nil, errs.Conflict, "", "busy"); n.Error() != "busy" || errors.Unwrap(n) != nil {
		t.Errorf("Wrap(nil) = %q, unwrap %v", n.Error(), errors.Unwrap(n))
	}
}

func TestKindOfCodeOfThroughWrapping(t *testing.T) {
	base := errs.E(errs.NotFound, "product_not_found", "no such product")
	wrapped := fmt.Errorf("catalog: get prod_1: %w", base)
	twice := fmt.Errorf("checkout: %w", wrapped)
	joined := errors.Join(io.EOF, wrapped)
	// The outermost *Error in the chain decides.
	outer := errs.Wrap(fmt.Errorf("lookup: %w", base), errs.Internal, "lookup_failed", "lookup failed")
	emptyCode := fmt.Errorf("x: %w", &errs.Error{Kind: errs.Forbidden})

	tests := []struct {
		name string
		err  error
		kind errs.Kind
		code string
	}{
		{"nil", nil, errs.Internal, ""},
		{"plain", errors.New("boom"), errs.Internal, "internal"},
		{"direct", base, errs.NotFound, "product_not_found"},
		{"wrapped", wrapped, errs.NotFound, "product_not_found"},
		{"wrapped twice", twice, errs.NotFound, "product_not_found"},
		{"joined", joined, errs.NotFound, "product_not_found"},
		{"outermost wins", outer, errs.Internal, "lookup_failed"},
		{"empty code uses the default", emptyCode, errs.Forbidden, "forbidden"},
		{"validation", fmt.Errorf("%w", errs.Validation()), errs.Invalid, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errs.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := errs.CodeOf(tt.err); got != tt.code {
				t.Errorf("CodeOf = %q, want %q", got, tt.code)
			}
			if tt.err == nil {
				if errs.Is(nil, errs.Internal) || errs.HasCode(nil, "") {
					t.Errorf("Is/HasCode report true for nil")
				}
				return
			}
			if !errs.Is(tt.err, tt.kind) {
				t.Errorf("Is(err, %v) = false", tt.kind)
			}
			if errs.Is(tt.err, tt.kind+1) {
				t.Errorf("Is(err, %v) = true", tt.kind+1)
			}
			if !errs.HasCode(tt.err, tt.code) || errs.HasCode(tt.err, tt.code+"x") {
				t.Errorf("HasCode disagrees with CodeOf %q", tt.code)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	e := errs.Validation(errs.Field("price", "must be at least %d", 0), errs.Field("title", "is required"))
	if e.Kind != errs.Invalid || e.Code != "validation_failed" || e.Message == "" {
		t.Errorf("Validation = {%v %q %q}", e.Kind, e.Code, e.Message)
	}
	want := []errs.FieldError{{Field: "price", Message: "must be at least 0"}, {Field: "title", Message: "is required"}}
	if !slices.Equal(e.Fields, want) {
		t.Errorf("Fields = %+v, want %+v", e.Fields, want)
	}
}

func TestValidator(t *testing.T) {
	var v errs.Validator
	if err := v.Err(); err != nil {
		t.Fatalf("empty Validator: Err() = %v, want nil", err)
	}
	v.Check(true, "title", "is required")
	if err := v.Err(); err != nil {
		t.Fatalf("after a passing Check: Err() = %v, want nil", err)
	}
	v.Check(false, "title", "is required")
	v.Check(len("x") <= 0, "handle", "must be at most %d bytes", 0)
	v.Add("price", "currency %q is unknown", "ABC")
	err := v.Err()
	if err == nil {
		t.Fatal("Err() = nil after failed checks")
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("Err() = %T, want *errs.Error", err)
	}
	if !errs.Is(err, errs.Invalid) || errs.CodeOf(err) != "validation_failed" {
		t.Errorf("kind, code = %v, %q", errs.KindOf(err), errs.CodeOf(err))
	}
	want := []errs.FieldError{
		{Field: "title", Message: "is required"},
		{Field: "handle", Message: "must be at most 0 bytes"},
		{Field: "price", Message: `currency "ABC" is unknown`},
	}
	if !slices.Equal(e.Fields, want) {
		t.Errorf("Fields = %+v, want %+v", e.Fields, want)
	}
}
