// Package accesssql is the access module's store on SQLite and PostgreSQL.
//
// The tables keep the names and migrations they had as part of the
// platform, so that an existing database upgrades in place: keys, roles,
// publishable keys and staff (platform_api_keys, platform_roles,
// platform_publishable_keys, platform_staff, platform_staff_sessions)
// are versioned as "platform_auth", the audit log (platform_audit_log)
// as "platform_audit". Secrets are stored only as hashes; a custom role's
// permissions are a JSON array. The audit log is append-only: its
// migrations make the database refuse UPDATE and DELETE on it.
package accesssql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"time"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accesssvc"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

//go:embed migrations/auth/*.sql migrations/audit/*.sql
var migrations embed.FS

// The names the two sets of migrations are versioned under (their version
// tables are "<name>_schema_migrations").
const (
	AuthVersions  = "platform_auth"
	AuditVersions = "platform_audit"
)

func sub(dir string) fs.FS {
	f, err := fs.Sub(migrations, "migrations/"+dir)
	if err != nil {
		panic(err) // a build-time mistake: the embed pattern names the directory
	}
	return f
}

// AuthMigrations are the migrations of keys, roles, publishable keys and
// staff; AuditMigrations those of the audit log.
func AuthMigrations() fs.FS  { return sub("auth") }
func AuditMigrations() fs.FS { return sub("audit") }

// Store implements accesssvc.Store.
type Store struct {
	sqldb.ModuleStore
}

// New returns the store on db.
func New(db *sqldb.DB) *Store {
	return &Store{ModuleStore: sqldb.NewModuleStore(db, AuthVersions, AuthMigrations(), nil)}
}

// Migrate applies both sets of migrations.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.DB.Migrate(ctx, AuthVersions, AuthMigrations()); err != nil {
		return err
	}
	return s.DB.Migrate(ctx, AuditVersions, AuditMigrations())
}

var _ accesssvc.Store = (*Store)(nil)

// --- roles ---

func roleNotFound(r auth.Role) error {
	return errs.E(errs.NotFound, "not_found", "role %s not found", r)
}

func getRole(ctx context.Context, q sqldb.Querier, r auth.Role) (access.RoleInfo, error) {
	var ri access.RoleInfo
	var doc string
	var created, updated time.Time
	err := q.QueryRowContext(ctx, `SELECT name, description, permissions, version, created_at, updated_at FROM platform_roles WHERE name = ?`, string(r)).
		Scan(&ri.Name, &ri.Description, &doc, &ri.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return access.RoleInfo{}, roleNotFound(r)
	}
	if err != nil {
		return access.RoleInfo{}, err
	}
	if err := json.Unmarshal([]byte(doc), &ri.Permissions); err != nil {
		return access.RoleInfo{}, err
	}
	created, updated = created.UTC(), updated.UTC()
	ri.CreatedAt, ri.UpdatedAt = &created, &updated
	return ri, nil
}

// customRole returns the stored role named r, or nil when there is none.
func customRole(ctx context.Context, q sqldb.Querier, r auth.Role) (*access.RoleInfo, error) {
	ri, err := getRole(ctx, q, r)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &ri, nil
}

// Role implements accesssvc.Store.
func (s *Store) Role(ctx context.Context, r auth.Role) (access.RoleInfo, error) {
	return getRole(ctx, s.DB.Primary(), r)
}

// RoleNames implements accesssvc.Store.
func (s *Store) RoleNames(ctx context.Context, after string, limit int) ([]auth.Role, error) {
	rows, err := s.DB.Primary().QueryContext(ctx, `SELECT name FROM platform_roles WHERE name > ? ORDER BY name LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []auth.Role
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, auth.Role(n))
	}
	return names, rows.Err()
}

// InsertRole implements accesssvc.Store.
func (s *Store) InsertRole(ctx context.Context, r access.RoleInfo) error {
	doc, err := json.Marshal(r.Permissions)
	if err != nil {
		return err
	}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO platform_roles (name, description, permissions, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		string(r.Name), r.Description, string(doc), r.Version, *r.CreatedAt, *r.UpdatedAt)
	if sqldb.IsUnique(err) {
		return errs.E(errs.Conflict, access.CodeRoleExists, "a role named %s exists", r.Name)
	}
	return err
}

// UpdateRole implements accesssvc.Store.
func (s *Store) UpdateRole(ctx context.Context, name auth.Role, at time.Time, fn func(*access.RoleInfo) error) (access.RoleInfo, error) {
	var out access.RoleInfo
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		ri, err := getRole(ctx, tx, name)
		if err != nil {
			return err
		}
		if err := fn(&ri); err != nil {
			return err
		}
		doc, err := json.Marshal(ri.Permissions)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE platform_roles SET description = ?, permissions = ?, version = ?, updated_at = ? WHERE name = ? AND version = ?`,
			ri.Description, string(doc), ri.Version+1, at, string(name), ri.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, access.CodeVersion, "the role changed meanwhile; read it again")
		}
		ri.Version++
		ri.UpdatedAt = &at
		out = ri
		return nil
	})
	return out, err
}

// DeleteRole implements accesssvc.Store.
func (s *Store) DeleteRole(ctx context.Context, name auth.Role, check func(access.RoleInfo, int, int) error) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		ri, err := getRole(ctx, tx, name)
		if err != nil {
			return err
		}
		var keys, staff int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE role = ? AND revoked_at IS NULL`, string(name)).Scan(&keys); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_staff WHERE role = ? AND disabled_at IS NULL`, string(name)).Scan(&staff); err != nil {
			return err
		}
		if err := check(ri, keys, staff); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM platform_roles WHERE name = ?`, string(name))
		return err
	})
}

// customPermissions decodes the stored permissions of a custom role (nil
// when the row is absent).
func customPermissions(doc sql.NullString) []auth.Permission {
	if !doc.Valid {
		return nil
	}
	ps := []auth.Permission{}
	_ = json.Unmarshal([]byte(doc.String), &ps)
	return ps
}

// --- API keys ---

var errKeyNotFound = errs.E(errs.NotFound, "not_found", "API key not found")

const keyColumns = `id, role, name, created_at, last_used_at, revoked_at`

func scanKey(scan func(...any) error) (access.APIKey, error) {
	var key access.APIKey
	var role string
	var used, revoked sql.NullTime
	if err := scan(&key.ID, &role, &key.Name, &key.CreatedAt, &used, &revoked); err != nil {
		return access.APIKey{}, err
	}
	key.Role = auth.Role(role)
	key.CreatedAt = key.CreatedAt.UTC()
	if used.Valid {
		t := used.Time.UTC()
		key.LastUsedAt = &t
	}
	if revoked.Valid {
		t := revoked.Time.UTC()
		key.RevokedAt = &t
	}
	return key, nil
}

func getKey(ctx context.Context, q sqldb.Querier, keyID string) (access.APIKey, error) {
	key, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM platform_api_keys WHERE id = ?`, keyID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return access.APIKey{}, errKeyNotFound
	}
	return key, err
}

// InsertKey implements accesssvc.Store.
func (s *Store) InsertKey(ctx context.Context, k access.APIKey, hash string, check func(*access.RoleInfo) error) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		custom, err := customRole(ctx, tx, k.Role)
		if err != nil {
			return err
		}
		if err := check(custom); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO platform_api_keys (id, hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.ID, hash, string(k.Role), k.Name, k.CreatedAt)
		return err
	})
}

// Key implements accesssvc.Store.
func (s *Store) Key(ctx context.Context, keyID string) (access.APIKey, error) {
	return getKey(ctx, s.DB.Primary(), keyID)
}

// Keys implements accesssvc.Store.
func (s *Store) Keys(ctx context.Context, q access.KeyQuery) (access.Page[access.APIKey], error) {
	return list(ctx, s.DB, "key", q.Cursor, q.Limit, `SELECT `+keyColumns+` FROM platform_api_keys WHERE revoked_at `+isNull(!q.Revoked), nil,
		scanKey, func(k access.APIKey) string { return k.ID })
}

// CountKeys implements accesssvc.Store.
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE revoked_at IS NULL`).Scan(&n)
	return n, err
}

// RevokeKey implements accesssvc.Store.
func (s *Store) RevokeKey(ctx context.Context, keyID string, at time.Time, check func(access.APIKey, *access.RoleInfo) error) error {
	return s.Tx(ctx, func(tx *sqldb.Tx) error {
		key, err := getKey(ctx, tx, keyID)
		if err != nil {
			return err
		}
		custom, err := customRole(ctx, tx, key.Role)
		if err != nil {
			return err
		}
		if err := check(key, custom); err != nil {
			return err
		}
		if key.RevokedAt != nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE platform_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at, keyID)
		return err
	})
}

// KeyCredential implements accesssvc.Store.
func (s *Store) KeyCredential(ctx context.Context, hash string) (accesssvc.Credential, error) {
	var c accesssvc.Credential
	var role string
	var perms sql.NullString
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT k.id, k.role, r.permissions FROM platform_api_keys k
		LEFT JOIN platform_roles r ON r.name = k.role WHERE k.hash = ? AND k.revoked_at IS NULL`, hash).Scan(&c.ID, &role, &perms)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errKeyNotFound
	}
	if err != nil {
		return c, err
	}
	c.Role, c.Custom = auth.Role(role), customPermissions(perms)
	return c, nil
}

// SetLastUsed implements accesssvc.Store.
func (s *Store) SetLastUsed(ctx context.Context, used map[string]time.Time) error {
	for kid, t := range used {
		if _, err := s.DB.ExecContext(ctx, `UPDATE platform_api_keys SET last_used_at = ? WHERE id = ?`, t, kid); err != nil {
			return err
		}
	}
	return nil
}

// --- publishable keys ---

var errPKNotFound = errs.E(errs.NotFound, "not_found", "publishable key not found")

const pkColumns = `id, token, channel, name, created_at, revoked_at`

func scanPK(scan func(...any) error) (access.PublishableKey, error) {
	var pk access.PublishableKey
	var revoked sql.NullTime
	if err := scan(&pk.ID, &pk.Key, &pk.Channel, &pk.Name, &pk.CreatedAt, &revoked); err != nil {
		return access.PublishableKey{}, err
	}
	pk.CreatedAt = pk.CreatedAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		pk.RevokedAt = &t
	}
	return pk, nil
}

// InsertPublishableKey implements accesssvc.Store.
func (s *Store) InsertPublishableKey(ctx context.Context, pk access.PublishableKey) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO platform_publishable_keys (id, token, channel, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		pk.ID, pk.Key, pk.Channel, pk.Name, pk.CreatedAt)
	return err
}

// PublishableKey implements accesssvc.Store.
func (s *Store) PublishableKey(ctx context.Context, keyID string) (access.PublishableKey, error) {
	pk, err := scanPK(s.DB.Primary().QueryRowContext(ctx, `SELECT `+pkColumns+` FROM platform_publishable_keys WHERE id = ?`, keyID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return access.PublishableKey{}, errPKNotFound
	}
	return pk, err
}

// PublishableKeys implements accesssvc.Store.
func (s *Store) PublishableKeys(ctx context.Context, q access.PublishableKeyQuery) (access.Page[access.PublishableKey], error) {
	return list(ctx, s.DB, "pkey", q.Cursor, q.Limit, `SELECT `+pkColumns+` FROM platform_publishable_keys WHERE revoked_at `+isNull(!q.Revoked), nil,
		scanPK, func(pk access.PublishableKey) string { return pk.ID })
}

// RevokePublishableKey implements accesssvc.Store.
func (s *Store) RevokePublishableKey(ctx context.Context, keyID string, at time.Time) (access.PublishableKey, error) {
	pk, err := s.PublishableKey(ctx, keyID)
	if err != nil || pk.RevokedAt != nil {
		return pk, err
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE platform_publishable_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at, keyID); err != nil {
		return access.PublishableKey{}, err
	}
	pk.RevokedAt = &at
	return pk, nil
}

// Channel implements accesssvc.Store.
func (s *Store) Channel(ctx context.Context, token string) (string, error) {
	var ch string
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT channel FROM platform_publishable_keys WHERE token = ? AND revoked_at IS NULL`, token).Scan(&ch)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errPKNotFound
	}
	return ch, err
}

// --- staff ---

func errStaffNotFound() error { return errs.E(errs.NotFound, "not_found", "staff account not found") }

const staffColumns = `id, email, name, role, version, created_at, updated_at, disabled_at`

func scanStaff(scan func(...any) error) (access.Staff, error) {
	var st access.Staff
	var role string
	var disabled sql.NullTime
	if err := scan(&st.ID, &st.Email, &st.Name, &role, &st.Version, &st.CreatedAt, &st.UpdatedAt, &disabled); err != nil {
		return access.Staff{}, err
	}
	st.Role = auth.Role(role)
	st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
	if disabled.Valid {
		t := disabled.Time.UTC()
		st.DisabledAt = &t
	}
	return st, nil
}

func getStaff(ctx context.Context, q sqldb.Querier, staffID string) (access.Staff, error) {
	st, err := scanStaff(q.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM platform_staff WHERE id = ?`, staffID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Staff{}, errStaffNotFound()
	}
	return st, err
}

// InsertStaff implements accesssvc.Store.
func (s *Store) InsertStaff(ctx context.Context, st access.Staff, hash string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO platform_staff (id, email, name, role, password_hash, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		st.ID, st.Email, st.Name, string(st.Role), hash, st.Version, st.CreatedAt, st.UpdatedAt)
	if sqldb.IsUnique(err) {
		return errs.E(errs.Conflict, access.CodeEmailTaken, "a staff account with this email exists")
	}
	return err
}

// Staff implements accesssvc.Store.
func (s *Store) Staff(ctx context.Context, staffID string) (access.Staff, error) {
	return getStaff(ctx, s.DB.Primary(), staffID)
}

// ListStaff implements accesssvc.Store.
func (s *Store) ListStaff(ctx context.Context, q access.StaffQuery) (access.Page[access.Staff], error) {
	return list(ctx, s.DB, "stf", q.Cursor, q.Limit, `SELECT `+staffColumns+` FROM platform_staff WHERE 1 = 1`, nil,
		scanStaff, func(st access.Staff) string { return st.ID })
}

// StaffLogin implements accesssvc.Store.
func (s *Store) StaffLogin(ctx context.Context, email string) (string, string, bool, error) {
	var sid, hash string
	var disabled sql.NullTime
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT id, password_hash, disabled_at FROM platform_staff WHERE email = ?`, email).Scan(&sid, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, errStaffNotFound()
	}
	return sid, hash, disabled.Valid, err
}

// SetStaffPassword implements accesssvc.Store.
func (s *Store) SetStaffPassword(ctx context.Context, staffID, hash string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE platform_staff SET password_hash = ? WHERE id = ?`, hash, staffID)
	return err
}

// UpdateStaff implements accesssvc.Store.
func (s *Store) UpdateStaff(ctx context.Context, staffID, hash string, at time.Time, fn func(*access.Staff) (bool, error)) (access.Staff, error) {
	var out access.Staff
	err := s.Tx(ctx, func(tx *sqldb.Tx) error {
		st, err := getStaff(ctx, tx, staffID)
		if err != nil {
			return err
		}
		endSessions, err := fn(&st)
		if err != nil {
			return err
		}
		set, args := `name = ?, role = ?, disabled_at = ?, version = ?, updated_at = ?`, []any{st.Name, string(st.Role), st.DisabledAt, st.Version + 1, at}
		if hash != "" {
			set += `, password_hash = ?`
			args = append(args, hash)
			endSessions = true
		}
		args = append(args, st.ID, st.Version)
		res, err := tx.ExecContext(ctx, `UPDATE platform_staff SET `+set+` WHERE id = ? AND version = ?`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, access.CodeVersion, "the account changed meanwhile; read it again")
		}
		if endSessions {
			if _, err := tx.ExecContext(ctx, `UPDATE platform_staff_sessions SET revoked_at = ? WHERE staff_id = ? AND revoked_at IS NULL`, at, st.ID); err != nil {
				return err
			}
		}
		st.Version++
		st.UpdatedAt = at
		out = st
		return nil
	})
	return out, err
}

// InsertStaffSession implements accesssvc.Store.
func (s *Store) InsertStaffSession(ctx context.Context, hash, staffID string, created, expires time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO platform_staff_sessions (hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, staffID, created, expires)
	return err
}

// RevokeStaffSession implements accesssvc.Store.
func (s *Store) RevokeStaffSession(ctx context.Context, hash string, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE platform_staff_sessions SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, at, hash)
	return err
}

// SessionCredential implements accesssvc.Store.
func (s *Store) SessionCredential(ctx context.Context, hash string) (accesssvc.Credential, error) {
	var c accesssvc.Credential
	var role string
	var perms sql.NullString
	err := s.DB.Primary().QueryRowContext(ctx, `SELECT st.id, st.role, r.permissions, s.expires_at FROM platform_staff_sessions s
		JOIN platform_staff st ON st.id = s.staff_id LEFT JOIN platform_roles r ON r.name = st.role
		WHERE s.hash = ? AND s.revoked_at IS NULL AND st.disabled_at IS NULL`, hash).Scan(&c.ID, &role, &perms, &c.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "not_found", "session not found")
	}
	if err != nil {
		return c, err
	}
	c.Role, c.Custom = auth.Role(role), customPermissions(perms)
	return c, nil
}

// --- audit log ---

func nullJSON(v any) sql.NullString {
	raw, ok := v.(json.RawMessage)
	if !ok || len(raw) == 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: string(raw), Valid: true}
}

// AppendAudit implements accesssvc.Store.
func (s *Store) AppendAudit(ctx context.Context, e access.Entry) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO platform_audit_log
		(id, at, actor, actor_role, method, route, path, resource_type, resource_id, status, client_addr, request_id, before_doc, after_doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.At, e.Actor, e.ActorRole, e.Method, e.Route, e.Path, e.ResourceType, e.ResourceID, e.Status, e.ClientAddr, e.RequestID,
		nullJSON(e.Before), nullJSON(e.After))
	return err
}

const auditColumns = `id, at, actor, actor_role, method, route, path, resource_type, resource_id, status, client_addr, request_id, before_doc, after_doc`

func scanEntry(s func(...any) error) (access.Entry, error) {
	var e access.Entry
	var before, after sql.NullString
	if err := s(&e.ID, &e.At, &e.Actor, &e.ActorRole, &e.Method, &e.Route, &e.Path, &e.ResourceType, &e.ResourceID, &e.Status,
		&e.ClientAddr, &e.RequestID, &before, &after); err != nil {
		return access.Entry{}, err
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

// AuditEntry implements accesssvc.Store.
func (s *Store) AuditEntry(ctx context.Context, entryID string) (access.Entry, error) {
	e, err := scanEntry(s.DB.Primary().QueryRowContext(ctx, `SELECT `+auditColumns+` FROM platform_audit_log WHERE id = ?`, entryID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Entry{}, errs.E(errs.NotFound, "not_found", "audit entry not found")
	}
	return e, err
}

// AuditEntries implements accesssvc.Store.
func (s *Store) AuditEntries(ctx context.Context, q access.AuditQuery) (access.Page[access.Entry], error) {
	query := `SELECT ` + auditColumns + ` FROM platform_audit_log WHERE 1 = 1`
	var args []any
	for col, v := range map[string]string{"actor": q.Actor, "resource_id": q.ResourceID, "resource_type": q.ResourceType} {
		if v != "" {
			query += ` AND ` + col + ` = ?`
			args = append(args, v)
		}
	}
	return list(ctx, s.DB, "aud", q.Cursor, q.Limit, query, args, scanEntry, func(e access.Entry) string { return e.ID })
}

// --- lists ---

func isNull(null bool) string {
	if null {
		return "IS NULL"
	}
	return "IS NOT NULL"
}

// list runs query (which ends in a WHERE clause) for one page of rows
// newest first: ids before the cursor's, at most limit, with the cursor of
// the next page. A bad cursor is Invalid.
func list[T any](ctx context.Context, db *sqldb.DB, prefix, cursor string, limit int, query string, args []any,
	scan func(func(...any) error) (T, error), idOf func(T) string) (access.Page[T], error) {
	after, err := id.After(cursor, prefix)
	if err != nil {
		return access.Page[T]{}, err
	}
	if after != "" {
		query += ` AND id < ?`
		args = append(args, after)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.Primary().QueryContext(ctx, query, args...)
	if err != nil {
		return access.Page[T]{}, err
	}
	defer rows.Close()
	page := access.Page[T]{Data: []T{}}
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return access.Page[T]{}, err
		}
		page.Data = append(page.Data, v)
	}
	if err := rows.Err(); err != nil {
		return access.Page[T]{}, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = id.Cursor(idOf(page.Data[limit-1]))
	}
	return page, nil
}
