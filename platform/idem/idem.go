// Package idem makes every mutating request idempotent (API.md): a POST,
// PUT, PATCH or DELETE with an Idempotency-Key runs once; a repeat with the
// same key and body gets the first answer (status and body) again without
// repeating the effect; the same key with another body gets 409
// idempotency_conflict. Keys are stored durably and kept at least 24 hours.
//
// Two identical requests at the same moment produce one effect: the first
// claims the key with a row insert; the second waits for the first to
// finish and replays its answer. Answers of 5xx are not kept, so a retry
// after a failure runs again; nor is the 499 of a request whose client
// left, whose retry runs again too.
package idem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the store's embedded migrations.
func Migrations() fs.FS { sub, _ := fs.Sub(migrations, "migrations"); return sub }

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

type runAgainKey struct{}

// RunAgain is called by a handler that is idempotent by the same key
// itself (it passes the key to its service, which answers a repeat with
// the first outcome) and whose answer holds a secret, such as a guest
// order's access token. The middleware then keeps no copy of the answer,
// so no secret lies in the idempotency store, and a repeat of the key runs
// the handler again (after the first request has finished) instead of
// replaying a copy: the same outcome, with a fresh secret.
func RunAgain(ctx context.Context) {
	if f, ok := ctx.Value(runAgainKey{}).(*bool); ok {
		*f = true
	}
}

// Config tunes the store.
type Config struct {
	// Keep is how long answers are kept (at least 24 h).
	Keep time.Duration
	// Wait is how long a duplicate waits for the first request to finish.
	Wait time.Duration
	// Abandon is the age after which an unfinished claim (its process died)
	// may be taken over by a retry.
	Abandon time.Duration
	// MaxBody bounds the bodies read for hashing.
	MaxBody int64
	// Route returns the pattern of the route that serves a request
	// ("PATCH /store/carts/{id}"), or "" when none does. It tells which
	// guest requests name a resource of their own in the path (see
	// scopeOf); nil treats every path as naming none.
	Route func(*http.Request) string
}

// DefaultConfig keeps keys 48 hours.
func DefaultConfig() Config {
	return Config{Keep: 48 * time.Hour, Wait: 15 * time.Second, Abandon: 2 * time.Minute, MaxBody: httpx.DefaultMaxBody}
}

// Store keeps idempotency keys in the database.
type Store struct {
	db  *sqldb.DB
	cfg Config
	now func() time.Time
	log *slog.Logger
}

// New returns a Store on db (migrated with Migrations under the module name
// "platform").
func New(db *sqldb.DB, cfg Config, now func() time.Time, log *slog.Logger) *Store {
	d := DefaultConfig()
	if cfg.Keep < 24*time.Hour {
		cfg.Keep = d.Keep
	}
	if cfg.Wait <= 0 {
		cfg.Wait = d.Wait
	}
	if cfg.Abandon <= 0 {
		cfg.Abandon = d.Abandon
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = d.MaxBody
	}
	return &Store{db: db, cfg: cfg, now: now, log: log}
}

type captured struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *captured) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

func validKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Middleware applies idempotency to mutating requests that carry the header.
func (s *Store) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(Header)
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			next.ServeHTTP(w, r)
			return
		}
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !validKey(key) {
			httpx.WriteProblem(w, r, errs.Validation(errs.Field(Header, "must be 1 to 255 visible ASCII characters")))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBody+1))
		if err != nil {
			httpx.WriteProblem(w, r, errs.E(errs.Invalid, "malformed_request", "the request body could not be read"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if int64(len(body)) > s.cfg.MaxBody {
			next.ServeHTTP(w, r) // the operation answers 413; nothing to remember
			return
		}
		h := sha256.New()
		io.WriteString(h, r.Method+" "+r.URL.RequestURI()+"\n")
		h.Write(body)
		hash := hex.EncodeToString(h.Sum(nil))
		scope := s.scopeOf(r)
		ctx := r.Context()

		claimed, err := s.claim(ctx, scope, key, hash)
		if err != nil {
			httpx.WriteProblem(w, r, err)
			return
		}
		if !claimed {
			s.replay(w, r, next, scope, key, hash)
			return
		}
		runAgain := new(bool)
		r = r.WithContext(context.WithValue(ctx, runAgainKey{}, runAgain))
		rec := &captured{ResponseWriter: w}
		completed := false
		defer func() {
			if !completed {
				// The handler panicked or failed: free the key for a retry.
				s.release(context.WithoutCancel(ctx), scope, key)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status >= 500 || rec.status == httpx.StatusClientClosedRequest || rec.Header().Get("Retry-After") != "" {
			// The key is released: a retry runs again. An answer that says
			// when to retry (a resource busy with another request) is not
			// final either.
			return
		}
		stored := rec.buf.Bytes()
		switch {
		case *runAgain:
			stored = nil // a repeat runs the handler again
		case strings.Contains(rec.Header().Get("Cache-Control"), "no-store"):
			// The answer holds a secret shown once (a new API key): it is
			// kept without it, and a replay answers the rest.
			stored = httpx.RedactSecrets(stored)
		}
		if err := s.complete(context.WithoutCancel(ctx), scope, key, rec.status, rec.Header().Get("Content-Type"), stored, *runAgain); err != nil {
			httpx.Logger(ctx).Error("idempotency: storing the answer failed", "err", err)
			return
		}
		completed = true
	})
}

// scopeOf separates keys of different callers and endpoints: the same key
// sent by two callers, or to two endpoints, are different keys. A caller is
// told apart by something only it holds:
//
//   - its credential (Authorization: an API key, a customer session, an
//     order's access token) when it sends one;
//   - for a guest, the resource its path names when the route has one (a
//     guest cart is reached only by its unguessable id), so that a retry
//     from another address (a phone that changed networks) is replayed;
//   - for a guest whose request names nothing of its own (POST
//     /store/carts), its client address as clientip resolved it: two
//     guests who happen to send the same key and body each get their own
//     answer, never the other's, while a guest's retry from its address is
//     replayed. Guests behind one address (a NAT) still share a scope, so
//     a client should make keys that are unique (a random UUID).
func (s *Store) scopeOf(r *http.Request) string {
	owner := r.Header.Get("Authorization") + "\x00" + r.Header.Get("X-Publishable-Key")
	if r.Header.Get("Authorization") == "" && !s.namesResource(r) {
		addr, ok := clientip.From(r.Context())
		if !ok {
			addr = clientip.Peer(r)
		}
		owner += "\x00client " + clientip.Key(addr)
	}
	h := sha256.Sum256([]byte(owner))
	return r.Method + " " + r.URL.Path + " " + hex.EncodeToString(h[:8])
}

// namesResource reports whether the route of r has a wildcard in its path
// ("/store/carts/{id}/items").
func (s *Store) namesResource(r *http.Request) bool {
	if s.cfg.Route == nil {
		return false
	}
	return strings.Contains(s.cfg.Route(r), "{")
}

// claim inserts the key; false means another request holds or held it.
func (s *Store) claim(ctx context.Context, scope, key, hash string) (bool, error) {
	now := s.now().UTC()
	_, err := s.db.ExecContext(ctx, `INSERT INTO platform_idempotency (scope, key, request_hash, done, created_at) VALUES (?, ?, ?, FALSE, ?)`, scope, key, hash, now)
	if err == nil {
		return true, nil
	}
	if !sqldb.IsUnique(err) {
		return false, errs.Wrap(err, errs.Unavailable, "", "idempotency store")
	}
	// Take over a claim whose request died, or one older than Keep.
	res, err := s.db.ExecContext(ctx, `UPDATE platform_idempotency SET request_hash = ?, created_at = ?, done = FALSE, status = 0, body = NULL, rerun = FALSE
		WHERE scope = ? AND key = ? AND ((done = FALSE AND created_at < ?) OR created_at < ?)`,
		hash, now, scope, key, now.Add(-s.cfg.Abandon), now.Add(-s.cfg.Keep))
	if err != nil {
		return false, errs.Wrap(err, errs.Unavailable, "", "idempotency store")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s *Store) complete(ctx context.Context, scope, key string, status int, ct string, body []byte, runAgain bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE platform_idempotency SET done = TRUE, status = ?, content_type = ?, body = ?, rerun = ? WHERE scope = ? AND key = ?`,
		status, ct, body, runAgain, scope, key)
	return err
}

func (s *Store) release(ctx context.Context, scope, key string) {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM platform_idempotency WHERE scope = ? AND key = ? AND done = FALSE`, scope, key); err != nil {
		s.log.Warn("idempotency: releasing a key failed", "err", err)
	}
}

// replay answers a repeated key: the stored answer (or, for a handler that
// asked to RunAgain, the handler's new answer), a conflict for another
// body, or (while the first request still runs) waits for it.
func (s *Store) replay(w http.ResponseWriter, r *http.Request, next http.Handler, scope, key, hash string) {
	ctx := r.Context()
	deadline := time.Now().Add(s.cfg.Wait)
	wait := 5 * time.Millisecond
	for {
		var (
			storedHash, ct string
			done, runAgain bool
			status         int
			body           []byte
		)
		err := s.db.QueryRowContext(ctx, `SELECT request_hash, done, status, content_type, body, rerun FROM platform_idempotency WHERE scope = ? AND key = ?`,
			scope, key).Scan(&storedHash, &done, &status, &ct, &body, &runAgain)
		if errors.Is(err, sql.ErrNoRows) {
			// The first request failed and released the key: run this one.
			r.Header.Del(Header)
			httpx.WriteProblem(w, r, errs.E(errs.Conflict, "idempotency_retry", "the first request with this key failed; retry"))
			return
		}
		if err != nil {
			httpx.WriteProblem(w, r, errs.Wrap(err, errs.Unavailable, "", "idempotency store"))
			return
		}
		if storedHash != hash {
			httpx.WriteProblem(w, r, errs.E(errs.Conflict, "idempotency_conflict", "this Idempotency-Key was used with a different request"))
			return
		}
		if done && runAgain {
			w.Header().Set("Idempotent-Replayed", "true")
			next.ServeHTTP(w, r)
			return
		}
		if done {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(status)
			_, _ = w.Write(body)
			return
		}
		if time.Now().After(deadline) {
			httpx.WriteProblem(w, r, errs.E(errs.Conflict, "idempotency_in_progress", "a request with this Idempotency-Key is still being processed"))
			return
		}
		select {
		case <-ctx.Done():
			httpx.WriteProblem(w, r, ctx.Err()) // 499: the client left
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// Purge deletes keys older than Keep and reports how many.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM platform_idempotency WHERE created_at < ?`, s.now().UTC().Add(-s.cfg.Keep))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
