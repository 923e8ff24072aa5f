// Package httpx is Agora's HTTP kit: the one place that maps error kinds to
// HTTP statuses and RFC 9457 problem+json answers (and, in its client, back
// again), the huma API every module registers its operations on, and the
// middleware every request passes through (request ids, recovery, security
// headers).
package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/errs"
)

// ProblemBase is the prefix of every problem type URI.
const ProblemBase = "https://agora.dev/problems/"

// Problem is an RFC 9457 problem document with Agora's stable code.
type Problem struct {
	Type      string            `json:"type" doc:"URI naming the problem type"`
	Title     string            `json:"title" doc:"Short summary of the problem type"`
	Status    int               `json:"status" doc:"HTTP status code"`
	Detail    string            `json:"detail,omitempty" doc:"Explanation of this occurrence"`
	Code      string            `json:"code" doc:"Stable machine-readable error code"`
	RequestID string            `json:"request_id,omitempty" doc:"Id of the request, for support"`
	Errors    []errs.FieldError `json:"errors,omitempty" doc:"Offending fields, for validation errors"`

	retryAfter int // seconds; sent as Retry-After when positive
}

// GetHeaders implements huma.HeadersError: a problem that says when to
// retry carries Retry-After.
func (p *Problem) GetHeaders() http.Header {
	if p.retryAfter <= 0 {
		return nil
	}
	return http.Header{"Retry-After": []string{strconv.Itoa(p.retryAfter)}}
}

// Error implements error.
func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType implements huma.ContentTypeFilter: problems are sent as
// application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// StatusClientClosedRequest answers a request whose client went away
// before its answer (nginx's 499): nobody reads it, and it is the client's
// doing, so it is logged below ERROR and counted as a 4xx, not a server
// error.
const StatusClientClosedRequest = 499

// clientGone reports whether err is the cancellation of ctx, the request's
// context, which the server cancels when the client disconnects.
func clientGone(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.Canceled)
}

// Status maps an error kind to its HTTP status.
func Status(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.PaymentFailed:
		return http.StatusPaymentRequired
	case errs.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// KindOfStatus maps an HTTP status back to an error kind.
func KindOfStatus(status int) errs.Kind {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return errs.Invalid
	case http.StatusNotFound, http.StatusGone:
		return errs.NotFound
	case http.StatusConflict, http.StatusPreconditionFailed:
		return errs.Conflict
	case http.StatusUnauthorized:
		return errs.Unauthorized
	case http.StatusForbidden:
		return errs.Forbidden
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout, StatusClientClosedRequest:
		return errs.Unavailable
	case http.StatusRequestEntityTooLarge:
		return errs.TooLarge
	case http.StatusPaymentRequired:
		return errs.PaymentFailed
	case http.StatusTooManyRequests:
		return errs.RateLimited
	}
	if status >= 400 && status < 500 {
		return errs.Invalid
	}
	return errs.Internal
}

// ProblemOf turns any error into the problem a client sees. Internal errors
// keep their detail out of the answer; the caller logs them. The
// cancellation of ctx (the client left) is 499 client_closed_request;
// another cancellation or a deadline is 503 unavailable.
func ProblemOf(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if clientGone(ctx, err) {
		code := "client_closed_request"
		return &Problem{Type: ProblemBase + code, Title: "Client Closed Request", Status: StatusClientClosedRequest,
			Detail: "the client closed the request before its answer", Code: code, RequestID: RequestID(ctx)}
	}
	k := errs.KindOf(err)
	status := Status(k)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		k, status = errs.Unavailable, http.StatusServiceUnavailable
	}
	pr := &Problem{Status: status, Title: http.StatusText(status), Code: errs.CodeOf(err), RequestID: RequestID(ctx)}
	if ra := errs.RetryAfterOf(err); ra > 0 {
		pr.retryAfter = int((ra + time.Second - 1) / time.Second)
	}
	var e *errs.Error
	if k != errs.Internal && errors.As(err, &e) {
		pr.Detail = e.Message
		pr.Errors = e.Fields
	} else if k == errs.Unavailable {
		pr.Code = "unavailable"
		pr.Detail = "a dependency is unavailable; retry later"
	} else {
		pr.Code = "internal"
		pr.Detail = "an internal error occurred; quote the request id when reporting it"
	}
	pr.Type = ProblemBase + pr.Code
	return pr
}

// codeOfStatus names the problems huma raises itself (routing, decoding).
func codeOfStatus(status int, hasFields bool) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		if hasFields {
			return "validation_failed"
		}
		return "malformed_request"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusNotAcceptable:
		return "not_acceptable"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusRequestTimeout:
		return "request_timeout"
	case http.StatusNotModified:
		return "not_modified"
	}
	return KindOfStatus(status).DefaultCode()
}

var installOnce sync.Once

// installErrors makes huma build Agora problems: handler errors are mapped
// by kind, huma's own validation errors (422) become 400 validation_failed
// with the offending fields.
func installErrors() {
	installOnce.Do(func() {
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, list ...error) huma.StatusError {
			var ctx context.Context = context.Background()
			if hctx != nil {
				ctx = hctx.Context()
			}
			return newHumaProblem(ctx, status, msg, list...)
		}
		huma.NewError = func(status int, msg string, list ...error) huma.StatusError {
			return newHumaProblem(context.Background(), status, msg, list...)
		}
	})
}

func newHumaProblem(ctx context.Context, status int, msg string, list ...error) huma.StatusError {
	if status >= 500 {
		// An error returned by a handler that is not a StatusError.
		var cause error
		for _, e := range list {
			if e != nil {
				cause = e
				break
			}
		}
		if cause == nil {
			cause = errors.New(msg)
		}
		cause = bodyReadError(cause)
		p := ProblemOf(ctx, cause)
		if p.Status >= 500 {
			Logger(ctx).Error("request failed", "err", cause, "status", p.Status)
		}
		return p
	}
	var fields []errs.FieldError
	for _, e := range list {
		if e == nil {
			continue
		}
		var d *huma.ErrorDetail
		if errors.As(e, &d) {
			fields = append(fields, errs.FieldError{Field: fieldName(d.Location), Message: d.Message})
			continue
		}
		var ee *errs.Error
		if errors.As(e, &ee) {
			return ProblemOf(ctx, ee)
		}
		fields = append(fields, errs.FieldError{Field: "", Message: e.Error()})
	}
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	code := codeOfStatus(status, len(fields) > 0)
	if status == http.StatusBadRequest && len(fields) == 1 && fields[0].Field == "body" {
		// The body as a whole is unreadable (not JSON, or not an object).
		code, msg = "malformed_request", "the request body is not a valid JSON document of the expected shape: "+fields[0].Message
		fields = nil
	}
	return &Problem{
		Type: ProblemBase + code, Title: http.StatusText(status), Status: status,
		Detail: msg, Code: code, RequestID: RequestID(ctx), Errors: fields,
	}
}

// bodyReadError classifies the errors of reading a request body that are
// the client's doing: a body cut short of its Content-Length (the client
// stopped sending) and a body over the server's byte limit.
func bodyReadError(err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "payload_too_large", "the request body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "malformed_request", "the request body ended before its declared length")
	}
	return err
}

// fieldName turns huma's locations ("body.variants[0].sku", "query.limit")
// into the field names of the API ("variants[0].sku", "limit").
func fieldName(loc string) string {
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		if rest, ok := strings.CutPrefix(loc, p); ok {
			return rest
		}
	}
	return loc
}

// WriteProblem writes err as problem+json to a plain http.ResponseWriter,
// for code outside huma operations (middleware, the fallback handler).
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemOf(r.Context(), err)
	if p.Status >= 500 {
		Logger(r.Context()).Error("request failed", "err", err, "status", p.Status)
	}
	for k, v := range p.GetHeaders() {
		w.Header()[k] = v
	}
	writeJSON(w, p.Status, "application/problem+json", p)
}

var _ huma.StatusError = (*Problem)(nil)
