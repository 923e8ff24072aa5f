package accesshttp

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/httpx"
)

// MaxDocument is the largest answer recorded as before or after; a larger
// one is recorded as null.
const MaxDocument = 256 << 10

// Log appends entries to the audit log (accesssvc.Service does).
type Log interface {
	Record(ctx context.Context, e access.Entry) (access.Entry, error)
}

// Recorder is the middleware that writes the audit log. It runs after the
// admin guard (which names the caller and the route) and before
// idempotency (so that a replayed answer, which changes nothing, is not
// recorded again).
type Recorder struct {
	Log Log
	// ClientAddr returns the client address of a request; nil: the one
	// platform/clientip resolved (trusted proxies), else the connection's
	// peer.
	ClientAddr func(*http.Request) string
}

// Middleware records every admin change that succeeds: a POST, PUT, PATCH
// or DELETE under /admin whose route the guard authorized, whose
// permission is not a read permission (a price quote or tax preview
// changes nothing), and whose answer is 2xx and not an idempotent replay.
//
// Before: when the route names a resource in its path (its pattern has a
// wildcard), the resource path is the request path up to the last
// wildcard ("/admin/orders/ord_1/refunds" → "/admin/orders/ord_1"), and
// an internal GET of it is served through the same handler before the
// change runs; a 200 JSON answer is the before state. When there is none,
// the path up to the wildcard before is tried (an address of a customer →
// the customer). After: the answer of
// the change itself. Both have secret fields redacted.
func (rc *Recorder) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			next.ServeHTTP(w, r)
			return
		}
		route, ok := auth.RouteOf(r.Context())
		if !ok || (route.Permission != "" && auth.ReadOnly(route.Permission)) {
			next.ServeHTTP(w, r)
			return
		}
		p, _ := auth.PrincipalOf(r.Context())
		resType, resPaths, resID := resourceOf(route.Pattern, r.URL)
		var before json.RawMessage
		for _, p := range resPaths {
			if before = rc.get(next, r, p); before != nil {
				break
			}
		}
		tee := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(tee, r)
		status := tee.status
		if status == 0 {
			status = http.StatusOK
		}
		if status < 200 || status > 299 || w.Header().Get("Idempotent-Replayed") != "" {
			return
		}
		after := document(tee.buf.Bytes(), tee.over)
		if resID == "" {
			resID = idOf(after)
		}
		if p.KeyID == "" {
			// A change made without credentials is a staff login: its
			// answer names the account, which is who acted.
			p.KeyID, p.Role = staffOf(after)
		}
		e := access.Entry{
			Actor: p.KeyID, ActorRole: string(p.Role), Method: r.Method, Route: route.Pattern, Path: r.URL.Path,
			ResourceType: resType, ResourceID: resID, Status: status, ClientAddr: rc.clientAddr(r),
			RequestID: httpx.RequestID(r.Context()),
		}
		if before != nil {
			e.Before = before
		}
		if after != nil {
			e.After = after
		}
		if _, err := rc.Log.Record(context.WithoutCancel(r.Context()), e); err != nil {
			httpx.Logger(r.Context()).Error("audit: recording a change failed", "err", err, "route", route.Pattern, "path", r.URL.Path)
		}
	})
}

func (rc *Recorder) clientAddr(r *http.Request) string {
	if rc.ClientAddr != nil {
		return rc.ClientAddr(r)
	}
	if a, ok := clientip.From(r.Context()); ok {
		return a.String()
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// get serves an internal GET of path through h and returns its answer when
// it is a 200 JSON document.
func (rc *Recorder) get(h http.Handler, r *http.Request, path string) json.RawMessage {
	req := r.Clone(r.Context())
	req.Method = http.MethodGet
	req.URL = &url.URL{Path: mustUnescape(path), RawPath: path}
	req.RequestURI = path
	req.Header = http.Header{"Accept": {"application/json"}}
	req.Body, req.ContentLength = http.NoBody, 0
	buf := &bufferWriter{header: http.Header{}}
	h.ServeHTTP(buf, req)
	if buf.status != http.StatusOK && buf.status != 0 {
		return nil
	}
	return document(buf.body.Bytes(), buf.body.Len() > MaxDocument)
}

func mustUnescape(p string) string {
	u, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return u
}

// resourceOf reads a route pattern ("PATCH /admin/products/{id}") and the
// request URL: the resource type is the pattern's path after /admin/ up to
// its first wildcard ("products"); the resource paths are the request path
// cut after each of the pattern's wildcards, the last one first (a nested
// resource, then its parent), and the resource id is the last wildcard's
// value (none when the pattern has no wildcard).
func resourceOf(pattern string, u *url.URL) (typ string, paths []string, resID string) {
	_, pat, _ := strings.Cut(pattern, " ")
	psegs := strings.Split(strings.TrimPrefix(pat, "/"), "/")
	esegs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	last := -1
	var typeSegs []string
	for i, s := range psegs {
		if strings.HasPrefix(s, "{") {
			last = i
		} else if last < 0 && i > 0 {
			typeSegs = append(typeSegs, s)
		}
	}
	typ = strings.Join(typeSegs, "/")
	if last < 0 || len(esegs) != len(psegs) {
		return typ, nil, ""
	}
	for i := last; i >= 0; i-- {
		if strings.HasPrefix(psegs[i], "{") {
			paths = append(paths, "/"+strings.Join(esegs[:i+1], "/"))
		}
	}
	return typ, paths, mustUnescape(esegs[last])
}

// idOf returns the "id" of a JSON object, or "".
// staffOf reads the staff account an answer names ({"staff": {"id",
// "role"}}, as a staff login answers).
func staffOf(doc json.RawMessage) (string, auth.Role) {
	if doc == nil {
		return "", ""
	}
	var v struct {
		Staff struct {
			ID   string    `json:"id"`
			Role auth.Role `json:"role"`
		} `json:"staff"`
	}
	if json.Unmarshal(doc, &v) != nil {
		return "", ""
	}
	return v.Staff.ID, v.Staff.Role
}

func idOf(doc json.RawMessage) string {
	if doc == nil {
		return ""
	}
	var v struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(doc, &v) != nil {
		return ""
	}
	s, _ := v.ID.(string)
	return s
}

// Redacted replaces the values of secret fields, at any depth.
const Redacted = httpx.Redacted

// document returns body as JSON with secrets redacted, or nil when it is
// empty, too large or not JSON.
func document(body []byte, over bool) json.RawMessage {
	if over || len(body) > MaxDocument {
		return nil
	}
	return httpx.RedactSecrets(body)
}

// teeWriter passes an answer on and keeps a copy of up to MaxDocument bytes.
type teeWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	over   bool
}

func (t *teeWriter) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	if !t.over {
		if t.buf.Len()+len(b) > MaxDocument {
			t.over = true
			t.buf.Reset()
		} else {
			t.buf.Write(b)
		}
	}
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// bufferWriter keeps an internal answer.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.body.Len() <= MaxDocument {
		b.body.Write(p)
	}
	return len(p), nil
}
