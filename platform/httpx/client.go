package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/agoracommerce/agora/platform/errs"
)

// Client calls an Agora JSON API and maps problem+json answers back to
// *errs.Error with the kind of their status and their stable code, so
// errs.Is behaves the same against a remote service as in-process.
type Client struct {
	// BaseURL is the server's address, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// HTTP is the client to use; when nil, one over http.DefaultTransport
	// that sends the trace context of ctx (traceparent) and makes a client
	// span when tracing is on.
	HTTP *http.Client
	// Header is added to every request (e.g. Authorization).
	Header http.Header
}

var tracedClient = &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}

// maxAnswer bounds how much of an answer the client reads.
const maxAnswer = 32 << 20

// Do sends in (when non-nil) as JSON and decodes a 2xx answer into out (when
// non-nil). A non-2xx answer is returned as an *errs.Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	_, err := c.DoHeader(ctx, method, path, nil, in, out)
	return err
}

// DoHeader is Do with extra request headers; it returns the answer's headers.
func (c *Client) DoHeader(ctx context.Context, method, path string, header http.Header, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, errs.Wrap(err, errs.Internal, "", "encode request")
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "", "bad request address")
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if rid := RequestID(ctx); rid != "" {
		req.Header.Set(RequestIDHeader, rid)
	}
	hc := c.HTTP
	if hc == nil {
		hc = tracedClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if e := (*errs.Error)(nil); errors.As(err, &e) {
			return nil, e // the transport's own answer (a circuit breaker's)
		}
		return nil, errs.Wrap(err, errs.Unavailable, "unavailable", "the service is unreachable")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.Header, errs.Wrap(err, errs.Unavailable, "unavailable", "reading the answer failed")
	}
	if resp.StatusCode == http.StatusNotModified {
		return resp.Header, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, errorOf(resp.StatusCode, data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, errs.Wrap(err, errs.Internal, "", "decode answer")
		}
	}
	return resp.Header, nil
}

// errorOf rebuilds the error a problem document describes.
func errorOf(status int, data []byte) error {
	var p Problem
	kind := KindOfStatus(status)
	if json.Unmarshal(data, &p) != nil || p.Code == "" {
		return errs.E(kind, "", "HTTP %d", status)
	}
	e := errs.E(kind, p.Code, "%s", p.Detail)
	e.Fields = p.Errors
	if kind == errs.Internal {
		e.Err = fmt.Errorf("remote request %s failed", p.RequestID)
	}
	return e
}
