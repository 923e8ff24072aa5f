package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// Staff is an admin account: a person who logs in with an email and a
// password and acts with a role, like an API key.
type Staff struct {
	ID         string     `json:"id" doc:"Staff id (stf_…)"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Version    int64      `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	DisabledAt *time.Time `json:"disabled_at" doc:"When the account was disabled (it cannot log in), or null"`
}

// CreateStaffCommand creates a staff account.
type CreateStaffCommand struct {
	Email    string `json:"email" minLength:"3" maxLength:"254"`
	Name     string `json:"name,omitempty" maxLength:"200"`
	Role     Role   `json:"role" minLength:"1" maxLength:"40" doc:"A built-in or custom role"`
	Password string `json:"password" minLength:"8" maxLength:"256"`
	// By is the caller, who must hold every permission of Role.
	By *Principal `json:"-"`
}

// UpdateStaffCommand changes the fields that are present.
type UpdateStaffCommand struct {
	ID       string     `json:"-"`
	Name     *string    `json:"name,omitempty" maxLength:"200"`
	Role     *Role      `json:"role,omitempty" minLength:"1" maxLength:"40"`
	Password *string    `json:"password,omitempty" minLength:"8" maxLength:"256" doc:"A new password; ends the account's sessions"`
	Disabled *bool      `json:"disabled,omitempty" doc:"Disable (true: ends the account's sessions) or enable the account"`
	Version  int64      `json:"version,omitempty" minimum:"0" doc:"When set, an account changed since is 409 version_conflict"`
	By       *Principal `json:"-"`
}

// StaffQuery lists staff accounts, newest first.
type StaffQuery struct {
	Limit  int
	Cursor string
}

// LoginCommand logs a staff account in.
type LoginCommand struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"256"`
}

// StaffSession is the answer of a login: a bearer token for the admin API.
type StaffSession struct {
	Token     string    `json:"token" doc:"Send as Authorization: Bearer <token> on /admin routes; shown once"`
	ExpiresAt time.Time `json:"expires_at"`
	Staff     Staff     `json:"staff"`
}

// StaffSessionTTL is how long an admin session lasts.
const StaffSessionTTL = 12 * time.Hour

// StaffSessionPrefix starts every admin session token.
const StaffSessionPrefix = "stf_sess"

func (k *Keys) passwordHasher() *Passwords {
	k.pwOnce.Do(func() {
		if k.passwords == nil {
			k.passwords = NewPasswords(DefaultPasswordParams(), 2)
		}
	})
	return k.passwords
}

// SetPasswords replaces the password hasher (tests use cheaper
// parameters); call it before the first use.
func (k *Keys) SetPasswords(p *Passwords) { k.passwords = p }

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkEmail(v *errs.Validator, email string) {
	v.Check(address.Email(email), "email", "must be an email address")
}

func errStaffNotFound() error { return errs.E(errs.NotFound, "not_found", "staff account not found") }

const staffColumns = `id, email, name, role, version, created_at, updated_at, disabled_at`

func scanStaff(scan func(...any) error) (Staff, error) {
	var s Staff
	var role string
	var disabled sql.NullTime
	if err := scan(&s.ID, &s.Email, &s.Name, &role, &s.Version, &s.CreatedAt, &s.UpdatedAt, &disabled); err != nil {
		return Staff{}, err
	}
	s.Role = Role(role)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if disabled.Valid {
		t := disabled.Time.UTC()
		s.DisabledAt = &t
	}
	return s, nil
}

// CreateStaff makes a staff account. Errors: Invalid (email, password, an
// unknown role), Conflict email_taken, Forbidden (the caller lacks a
// permission of the role).
func (k *Keys) CreateStaff(ctx context.Context, cmd CreateStaffCommand) (Staff, error) {
	email := normEmail(cmd.Email)
	v := &errs.Validator{}
	checkEmail(v, email)
	v.Check(len(cmd.Name) <= 200, "name", "is longer than 200 characters")
	if err := v.Err(); err != nil {
		return Staff{}, err
	}
	if err := CheckPassword("password", cmd.Password); err != nil {
		return Staff{}, err
	}
	if err := k.checkRoleGrant(ctx, cmd.By, cmd.Role); err != nil {
		return Staff{}, err
	}
	hash, err := k.passwordHasher().Hash(ctx, cmd.Password)
	if err != nil {
		return Staff{}, err
	}
	now := k.now().UTC()
	s := Staff{ID: id.New("stf"), Email: email, Name: cmd.Name, Role: cmd.Role, Version: 1, CreatedAt: now, UpdatedAt: now}
	_, err = k.db.ExecContext(ctx, `INSERT INTO platform_staff (id, email, name, role, password_hash, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
		s.ID, s.Email, s.Name, string(s.Role), hash, now, now)
	if sqldb.IsUnique(err) {
		return Staff{}, errs.E(errs.Conflict, "email_taken", "a staff account with this email exists")
	}
	if err != nil {
		return Staff{}, err
	}
	return s, nil
}

// checkRoleGrant is Invalid for an unknown role and Forbidden when by lacks
// one of its permissions.
func (k *Keys) checkRoleGrant(ctx context.Context, by *Principal, r Role) error {
	perms, err := rolePermissions(ctx, k.db.Primary(), r)
	if errs.Is(err, errs.NotFound) {
		return errs.Validation(errs.Field("role", "is not a role (GET /admin/roles lists them)"))
	}
	if err != nil {
		return err
	}
	return mayGrant(by, "an account with role "+string(r), perms)
}

// GetStaff reads a staff account; NotFound when there is none.
func (k *Keys) GetStaff(ctx context.Context, staffID string) (Staff, error) {
	if !id.Valid("stf", staffID) {
		return Staff{}, errStaffNotFound()
	}
	s, err := scanStaff(k.db.Primary().QueryRowContext(ctx, `SELECT `+staffColumns+` FROM platform_staff WHERE id = ?`, staffID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, errStaffNotFound()
	}
	return s, err
}

// ListStaff lists staff accounts newest first.
func (k *Keys) ListStaff(ctx context.Context, q StaffQuery) (Page[Staff], error) {
	after, err := id.After(q.Cursor, "stf")
	if err != nil {
		return Page[Staff]{}, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	query, args := `SELECT `+staffColumns+` FROM platform_staff`, []any{}
	if after != "" {
		query += ` WHERE id < ?`
		args = append(args, after)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := k.db.Primary().QueryContext(ctx, query, args...)
	if err != nil {
		return Page[Staff]{}, err
	}
	defer rows.Close()
	page := Page[Staff]{Data: []Staff{}}
	for rows.Next() {
		s, err := scanStaff(rows.Scan)
		if err != nil {
			return Page[Staff]{}, err
		}
		page.Data = append(page.Data, s)
	}
	if err := rows.Err(); err != nil {
		return Page[Staff]{}, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = id.Cursor(page.Data[limit-1].ID)
	}
	return page, nil
}

// UpdateStaff changes an account. A new password or disabling ends its
// sessions. Errors: NotFound, Invalid, Conflict version_conflict,
// Forbidden (the caller lacks a permission of the account's role, old or
// new).
func (k *Keys) UpdateStaff(ctx context.Context, cmd UpdateStaffCommand) (Staff, error) {
	if cmd.Name != nil && len(*cmd.Name) > 200 {
		return Staff{}, errs.Validation(errs.Field("name", "is longer than 200 characters"))
	}
	var hash string
	if cmd.Password != nil {
		if err := CheckPassword("password", *cmd.Password); err != nil {
			return Staff{}, err
		}
	}
	cur, err := k.GetStaff(ctx, cmd.ID)
	if err != nil {
		return Staff{}, err
	}
	if err := k.checkRoleGrant(ctx, cmd.By, cur.Role); err != nil && !errs.Is(err, errs.Invalid) {
		return Staff{}, err
	}
	if cmd.Role != nil {
		if err := k.checkRoleGrant(ctx, cmd.By, *cmd.Role); err != nil {
			return Staff{}, err
		}
	}
	if cmd.Password != nil {
		if hash, err = k.passwordHasher().Hash(ctx, *cmd.Password); err != nil {
			return Staff{}, err
		}
	}
	var out Staff
	err = k.db.Tx(ctx, func(tx *sqldb.Tx) error {
		s, err := scanStaff(tx.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM platform_staff WHERE id = ?`, cmd.ID).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return errStaffNotFound()
		}
		if err != nil {
			return err
		}
		if cmd.Version != 0 && cmd.Version != s.Version {
			return errs.E(errs.Conflict, "version_conflict", "the account is at version %d, not %d", s.Version, cmd.Version)
		}
		now := k.now().UTC()
		endSessions := false
		if cmd.Name != nil {
			s.Name = *cmd.Name
		}
		if cmd.Role != nil {
			s.Role = *cmd.Role
		}
		if cmd.Disabled != nil {
			if *cmd.Disabled && s.DisabledAt == nil {
				s.DisabledAt, endSessions = &now, true
			} else if !*cmd.Disabled {
				s.DisabledAt = nil
			}
		}
		set, args := `name = ?, role = ?, disabled_at = ?, version = ?, updated_at = ?`, []any{s.Name, string(s.Role), s.DisabledAt, s.Version + 1, now}
		if hash != "" {
			set += `, password_hash = ?`
			args = append(args, hash)
			endSessions = true
		}
		args = append(args, s.ID, s.Version)
		res, err := tx.ExecContext(ctx, `UPDATE platform_staff SET `+set+` WHERE id = ? AND version = ?`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "version_conflict", "the account changed meanwhile; read it again")
		}
		if endSessions {
			if _, err := tx.ExecContext(ctx, `UPDATE platform_staff_sessions SET revoked_at = ? WHERE staff_id = ? AND revoked_at IS NULL`, now, s.ID); err != nil {
				return err
			}
		}
		s.Version++
		s.UpdatedAt = now
		out = s
		return nil
	})
	return out, err
}

// DisableStaff disables an account and ends its sessions (the account is
// kept: the audit log names it).
func (k *Keys) DisableStaff(ctx context.Context, staffID string, by *Principal) error {
	t := true
	_, err := k.UpdateStaff(ctx, UpdateStaffCommand{ID: staffID, Disabled: &t, By: by})
	return err
}

var errLogin = errs.E(errs.Unauthorized, "unauthorized", "wrong email or password")

// Login checks an email and password and opens a session of
// StaffSessionTTL. A wrong email, a wrong password and a disabled account
// are the same Unauthorized, and take the same time.
func (k *Keys) Login(ctx context.Context, cmd LoginCommand) (StaffSession, error) {
	email := normEmail(cmd.Email)
	var sid, hash string
	var disabled sql.NullTime
	err := k.db.Primary().QueryRowContext(ctx, `SELECT id, password_hash, disabled_at FROM platform_staff WHERE email = ?`, email).Scan(&sid, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		hash = ""
	} else if err != nil {
		return StaffSession{}, errs.Wrap(err, errs.Unavailable, "", "staff store")
	}
	ok, rehash, err := k.passwordHasher().Verify(ctx, hash, cmd.Password)
	if err != nil {
		return StaffSession{}, err
	}
	if !ok || disabled.Valid {
		return StaffSession{}, errLogin
	}
	if rehash {
		if h, err := k.passwordHasher().Hash(ctx, cmd.Password); err == nil {
			_, _ = k.db.ExecContext(ctx, `UPDATE platform_staff SET password_hash = ? WHERE id = ?`, h, sid)
		}
	}
	token, tokenHash := NewToken(StaffSessionPrefix)
	now := k.now().UTC()
	sess := StaffSession{Token: token, ExpiresAt: now.Add(StaffSessionTTL)}
	if _, err := k.db.ExecContext(ctx, `INSERT INTO platform_staff_sessions (hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, sid, now, sess.ExpiresAt); err != nil {
		return StaffSession{}, err
	}
	if sess.Staff, err = k.GetStaff(ctx, sid); err != nil {
		return StaffSession{}, err
	}
	return sess, nil
}

// Logout ends the session of a session token; other tokens are Invalid.
func (k *Keys) Logout(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, StaffSessionPrefix+"_") {
		return errs.E(errs.Invalid, "not_a_session", "the caller authenticated with an API key, not a staff session")
	}
	_, err := k.db.ExecContext(ctx, `UPDATE platform_staff_sessions SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, k.now().UTC(), HashToken(token))
	return err
}

// authenticateSession returns the principal of a staff session token: the
// staff id as its key id and the permissions of the account's role now.
func (k *Keys) authenticateSession(ctx context.Context, token string) (Principal, error) {
	var p Principal
	var role string
	var perms sql.NullString
	var expires time.Time
	err := k.db.Primary().QueryRowContext(ctx, `SELECT st.id, st.role, r.permissions, s.expires_at FROM platform_staff_sessions s
		JOIN platform_staff st ON st.id = s.staff_id LEFT JOIN platform_roles r ON r.name = st.role
		WHERE s.hash = ? AND s.revoked_at IS NULL AND st.disabled_at IS NULL`, HashToken(token)).Scan(&p.KeyID, &role, &perms, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errUnauthorized
	}
	if err != nil {
		return Principal{}, errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	if !k.now().Before(expires) {
		return Principal{}, errUnauthorized
	}
	p.Role = Role(role)
	p.Permissions = permissionsOf(p.Role, perms)
	p.Session = token
	return p, nil
}
