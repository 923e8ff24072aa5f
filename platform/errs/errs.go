// Package errs is Agora's one error vocabulary. Every error that crosses a
// module boundary carries a Kind (what went wrong, in terms a caller can act
// on) and a stable machine-readable Code (the "code" of a problem+json answer).
//
// platform/httpx is the only place that maps kinds to HTTP statuses, and its
// client maps them back, so errs.Is(err, errs.NotFound) behaves the same for an
// in-process service and for one reached over HTTP.
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind uint8

// The kinds. Their zero value is Internal, so an unclassified error never
// passes for a client mistake.
const (
	Internal      Kind = iota // a fault of ours; the caller sees a generic message
	Invalid                   // the input is malformed or out of range
	NotFound                  // the thing does not exist, or the caller may not know it does
	Conflict                  // the request collides with the current state
	Unauthorized              // no valid credentials
	Forbidden                 // valid credentials without the permission
	Unavailable               // a dependency is down; retrying later may succeed
	TooLarge                  // the request body exceeds the limit
	PaymentFailed             // a payment was declined
	RateLimited               // too many requests
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "unauthorized", "forbidden", "unavailable", "too_large", "payment_failed", "rate_limited"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Default codes per kind, used when an error is built without its own code.
var defaultCodes = [...]string{"internal", "validation_failed", "not_found", "conflict", "unauthorized", "forbidden", "unavailable", "payload_too_large", "payment_declined", "rate_limited"}

// DefaultCode is the code an error of kind k carries when none is given.
func (k Kind) DefaultCode() string {
	if int(k) < len(defaultCodes) {
		return defaultCodes[k]
	}
	return "internal"
}

// FieldError names one offending input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type of Agora. Message is safe to show to a client;
// Err (if any) is internal detail for the log only.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, when positive, tells the caller when to try again (the
	// Retry-After header of a 429 or 503 answer).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of kind k with a stable code and a client-safe message.
// An empty code means the kind's default code.
func E(k Kind, code, format string, args ...any) *Error {
	if code == "" {
		code = k.DefaultCode()
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Kind: k, Code: code, Message: msg}
}

// Wrap classifies an internal error err. The message is what a client sees;
// err itself is only logged.
func Wrap(err error, k Kind, code, message string) *Error {
	e := E(k, code, "%s", message)
	e.Err = err
	return e
}

// Validation builds an Invalid error with code validation_failed that lists
// the offending fields.
func Validation(fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Code: "validation_failed", Message: "the request has invalid fields", Fields: fields}
}

// Field is a shorthand for a FieldError.
func Field(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf reports the kind of err: the kind of the outermost *Error in its
// chain, Internal for any other non-nil error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// CodeOf reports the stable code of err ("" for nil).
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Code != "" {
			return e.Code
		}
		return e.Kind.DefaultCode()
	}
	return Internal.DefaultCode()
}

// Is reports whether err is non-nil and of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// HasCode reports whether err carries the stable code.
func HasCode(err error, code string) bool { return err != nil && CodeOf(err) == code }

// Validator collects field errors; Err returns nil when there are none.
type Validator struct{ fields []FieldError }

// Check records a field error when ok is false.
func (v *Validator) Check(ok bool, field, format string, args ...any) {
	if !ok {
		v.fields = append(v.fields, Field(field, format, args...))
	}
}

// Add records a field error.
func (v *Validator) Add(field, format string, args ...any) {
	v.fields = append(v.fields, Field(field, format, args...))
}

// Err returns the collected errors as one Validation error, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return Validation(v.fields...)
}

// RetryAfterOf reports the RetryAfter of the outermost *Error in err's
// chain, zero when there is none.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// GetHeaders gives the HTTP layer the headers the error implies: a
// Retry-After in whole seconds (rounded up) when RetryAfter is set.
func (e *Error) GetHeaders() http.Header {
	if e.RetryAfter <= 0 {
		return nil
	}
	return http.Header{"Retry-After": []string{strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10)}}
}
