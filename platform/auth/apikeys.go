package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// APIKey is an admin API key as the admin API shows it. The secret is in
// the answer that creates the key, and nowhere else.
type APIKey struct {
	ID         string     `json:"id" doc:"Key id (key_…); not the secret"`
	Role       Role       `json:"role"`
	Name       string     `json:"name" doc:"A note saying what the key is for"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" doc:"Last request made with the key (written about once a minute), or null"`
	RevokedAt  *time.Time `json:"revoked_at" doc:"When the key was revoked, or null"`
	Secret     string     `json:"secret,omitempty" doc:"The key itself, shown only when it is created: store it now"`
}

// CreateKeyCommand creates an admin API key.
type CreateKeyCommand struct {
	Role Role   `json:"role" minLength:"1" maxLength:"40" doc:"A built-in or custom role"`
	Name string `json:"name,omitempty" maxLength:"200"`
	// By is the caller, who must hold every permission of Role; nil for
	// the operator.
	By *Principal `json:"-"`
}

// KeyQuery lists admin API keys, newest first.
type KeyQuery struct {
	Revoked bool // list revoked keys instead of live ones
	Limit   int
	Cursor  string
}

// CreateKey makes a key and returns it with its secret, which is stored
// only as a hash and cannot be shown again. Errors: Invalid (an unknown
// role), Forbidden (the caller lacks a permission of the role).
func (k *Keys) CreateKey(ctx context.Context, cmd CreateKeyCommand) (APIKey, error) {
	if len(cmd.Name) > 200 {
		return APIKey{}, errs.Validation(errs.Field("name", "is longer than 200 characters"))
	}
	secret, err := randomSecret("sk_")
	if err != nil {
		return APIKey{}, err
	}
	key := APIKey{ID: id.New("key"), Role: cmd.Role, Name: cmd.Name, CreatedAt: k.now().UTC(), Secret: secret}
	err = k.db.Tx(ctx, func(tx *sqldb.Tx) error {
		perms, err := rolePermissions(ctx, tx, cmd.Role)
		if errs.Is(err, errs.NotFound) {
			return errs.Validation(errs.Field("role", "is not a role: built-in roles are owner, admin, catalog_manager, order_manager, support, analyst; GET /admin/roles lists custom ones"))
		}
		if err != nil {
			return err
		}
		if err := mayGrant(cmd.By, "a key with role "+string(cmd.Role), perms); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO platform_api_keys (id, hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			key.ID, hashKey(secret), string(cmd.Role), cmd.Name, key.CreatedAt)
		return err
	})
	if err != nil {
		return APIKey{}, err
	}
	return key, nil
}

const keyColumns = `id, role, name, created_at, last_used_at, revoked_at`

func scanKey(scan func(...any) error) (APIKey, error) {
	var key APIKey
	var role string
	var used, revoked sql.NullTime
	if err := scan(&key.ID, &role, &key.Name, &key.CreatedAt, &used, &revoked); err != nil {
		return APIKey{}, err
	}
	key.Role = Role(role)
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

func (k *Keys) withPending(key APIKey) APIKey {
	if t, ok := k.pending(key.ID); ok && (key.LastUsedAt == nil || t.After(*key.LastUsedAt)) {
		key.LastUsedAt = &t
	}
	return key
}

// GetKey reads a key (never its secret); NotFound when there is none.
func (k *Keys) GetKey(ctx context.Context, keyID string) (APIKey, error) {
	if !id.Valid("key", keyID) {
		return APIKey{}, errs.E(errs.NotFound, "not_found", "API key not found")
	}
	key, err := scanKey(k.db.Primary().QueryRowContext(ctx, `SELECT `+keyColumns+` FROM platform_api_keys WHERE id = ?`, keyID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, errs.E(errs.NotFound, "not_found", "API key not found")
	}
	if err != nil {
		return APIKey{}, err
	}
	return k.withPending(key), nil
}

// ListKeys lists live (or, with Revoked, revoked) keys, newest first,
// never with their secrets.
func (k *Keys) ListKeys(ctx context.Context, q KeyQuery) (Page[APIKey], error) {
	after, err := id.After(q.Cursor, "key")
	if err != nil {
		return Page[APIKey]{}, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	query := `SELECT ` + keyColumns + ` FROM platform_api_keys WHERE revoked_at IS NULL`
	if q.Revoked {
		query = `SELECT ` + keyColumns + ` FROM platform_api_keys WHERE revoked_at IS NOT NULL`
	}
	args := []any{}
	if after != "" {
		query += ` AND id < ?`
		args = append(args, after)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := k.db.Primary().QueryContext(ctx, query, args...)
	if err != nil {
		return Page[APIKey]{}, err
	}
	defer rows.Close()
	page := Page[APIKey]{Data: []APIKey{}}
	for rows.Next() {
		key, err := scanKey(rows.Scan)
		if err != nil {
			return Page[APIKey]{}, err
		}
		page.Data = append(page.Data, k.withPending(key))
	}
	if err := rows.Err(); err != nil {
		return Page[APIKey]{}, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = id.Cursor(page.Data[limit-1].ID)
	}
	return page, nil
}

// RevokeKey revokes a key at once; revoking a revoked key changes nothing.
// The AGORA_ADMIN_KEY owner key is not stored and cannot be revoked here.
// Errors: NotFound, Forbidden (the caller lacks a permission of the key's
// role).
func (k *Keys) RevokeKey(ctx context.Context, keyID string, by *Principal) (APIKey, error) {
	if !id.Valid("key", keyID) {
		return APIKey{}, errs.E(errs.NotFound, "not_found", "API key not found")
	}
	var out APIKey
	err := k.db.Tx(ctx, func(tx *sqldb.Tx) error {
		key, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM platform_api_keys WHERE id = ?`, keyID).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "not_found", "API key not found")
		}
		if err != nil {
			return err
		}
		perms, err := rolePermissions(ctx, tx, key.Role)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := mayGrant(by, "revoking a key with role "+string(key.Role), perms); err != nil {
			return err
		}
		if key.RevokedAt == nil {
			now := k.now().UTC()
			if _, err := tx.ExecContext(ctx, `UPDATE platform_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, keyID); err != nil {
				return err
			}
			key.RevokedAt = &now
		}
		out = key
		return nil
	})
	return out, err
}
