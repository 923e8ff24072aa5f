// Package audit keeps the audit log: one entry for every admin change that
// succeeded — who (API key and role), what (method, route, resource), when,
// from where (client address), and the resource before and after.
//
// The log is append-only: the store has no update or delete path, the
// admin API only reads it (GET /admin/audit-log, owner only), and the
// database itself refuses UPDATE and DELETE on the table (triggers made by
// its migrations). Secrets never reach it: request bodies are not recorded, and
// fields that hold secrets ("secret", "password", "token", …) are
// redacted from the recorded answers.
package audit

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the audit log's embedded migrations.
func Migrations() fs.FS { sub, _ := fs.Sub(migrations, "migrations"); return sub }

// Module is the name the audit log's migrations are versioned under.
const Module = "platform_audit"

// Entry is one recorded admin change.
type Entry struct {
	ID           string    `json:"id" doc:"Entry id (aud_…); ids sort by time"`
	At           time.Time `json:"at"`
	Actor        string    `json:"actor" doc:"Id of the API key that made the change (owner for AGORA_ADMIN_KEY)"`
	ActorRole    string    `json:"actor_role" doc:"Role of the key at the time"`
	Method       string    `json:"method"`
	Route        string    `json:"route" doc:"Route pattern, e.g. PATCH /admin/products/{id}"`
	Path         string    `json:"path" doc:"Path of the request"`
	ResourceType string    `json:"resource_type" doc:"The route's resource, e.g. products or tax/regions"`
	ResourceID   string    `json:"resource_id" doc:"Id of the resource changed (from the path, or the id of a created resource); empty when there is none"`
	Status       int       `json:"status" doc:"HTTP status of the answer"`
	ClientAddr   string    `json:"client_addr" doc:"Address of the client"`
	RequestID    string    `json:"request_id"`
	Before       any       `json:"before" doc:"The resource before the change (its admin GET answer), or null"`
	After        any       `json:"after" doc:"The answer of the change with secrets redacted, or null (no body, not JSON, or over the size limit)"`
}

// Query lists entries, newest first.
type Query struct {
	Actor        string
	ResourceID   string
	ResourceType string
	Limit        int
	Cursor       string
}

// Page is one page of entries.
type Page struct {
	Data       []Entry `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// Log is the audit log store. It appends and reads; nothing else.
type Log struct {
	db  *sqldb.DB
	now func() time.Time
}

// New returns the audit log on db (the platform database).
func New(db *sqldb.DB, now func() time.Time) *Log { return &Log{db: db, now: now} }

// Migrate applies the log's migrations, which make the database refuse
// changes to recorded entries (triggers). Like every migration they run
// under the migration lock, so concurrent starts on one PostgreSQL are safe.
func (l *Log) Migrate(ctx context.Context) error {
	return l.db.Migrate(ctx, Module, Migrations())
}

func nullJSON(v any) sql.NullString {
	raw, ok := v.(json.RawMessage)
	if !ok || len(raw) == 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: string(raw), Valid: true}
}

// Append records e, giving it an id and, when it has none, the time.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	e.ID = id.New("aud")
	if e.At.IsZero() {
		e.At = l.now()
	}
	e.At = e.At.UTC()
	_, err := l.db.ExecContext(ctx, `INSERT INTO platform_audit_log
		(id, at, actor, actor_role, method, route, path, resource_type, resource_id, status, client_addr, request_id, before_doc, after_doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.At, e.Actor, e.ActorRole, e.Method, e.Route, e.Path, e.ResourceType, e.ResourceID, e.Status, e.ClientAddr, e.RequestID,
		nullJSON(e.Before), nullJSON(e.After))
	if err != nil {
		return Entry{}, err
	}
	return e, nil
}

const columns = `id, at, actor, actor_role, method, route, path, resource_type, resource_id, status, client_addr, request_id, before_doc, after_doc`

func scan(s func(...any) error) (Entry, error) {
	var e Entry
	var before, after sql.NullString
	if err := s(&e.ID, &e.At, &e.Actor, &e.ActorRole, &e.Method, &e.Route, &e.Path, &e.ResourceType, &e.ResourceID, &e.Status,
		&e.ClientAddr, &e.RequestID, &before, &after); err != nil {
		return Entry{}, err
	}
	e.At = e.At.UTC()
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, nil
}

// Get reads one entry; NotFound when there is none.
func (l *Log) Get(ctx context.Context, entryID string) (Entry, error) {
	if !id.Valid("aud", entryID) {
		return Entry{}, errs.E(errs.NotFound, "not_found", "audit entry not found")
	}
	e, err := scan(l.db.Primary().QueryRowContext(ctx, `SELECT `+columns+` FROM platform_audit_log WHERE id = ?`, entryID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, errs.E(errs.NotFound, "not_found", "audit entry not found")
	}
	return e, err
}

// List returns entries newest first, filtered by actor (key id), resource
// id and resource type, with cursor pagination. A bad cursor is Invalid.
func (l *Log) List(ctx context.Context, q Query) (Page, error) {
	after, err := id.After(q.Cursor, "aud")
	if err != nil {
		return Page{}, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	query := `SELECT ` + columns + ` FROM platform_audit_log WHERE 1 = 1`
	var args []any
	if after != "" {
		query += ` AND id < ?`
		args = append(args, after)
	}
	if q.Actor != "" {
		query += ` AND actor = ?`
		args = append(args, q.Actor)
	}
	if q.ResourceID != "" {
		query += ` AND resource_id = ?`
		args = append(args, q.ResourceID)
	}
	if q.ResourceType != "" {
		query += ` AND resource_type = ?`
		args = append(args, q.ResourceType)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := l.db.Primary().QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	page := Page{Data: []Entry{}}
	for rows.Next() {
		e, err := scan(rows.Scan)
		if err != nil {
			return Page{}, err
		}
		page.Data = append(page.Data, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = id.Cursor(page.Data[limit-1].ID)
	}
	return page, nil
}
