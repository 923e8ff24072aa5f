package auth

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sync"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

// PublishableKey selects a sales channel for store requests. It is not a
// secret (storefronts ship it to browsers) and is shown in lists.
type PublishableKey struct {
	ID        string     `json:"id" doc:"Id of the key (pkey_…)"`
	Key       string     `json:"key" doc:"The value to send as X-Publishable-Key (pk_…)"`
	Channel   string     `json:"channel" doc:"The sales channel store requests with this key see"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at" doc:"When the key was revoked, or null"`
}

// CreatePublishableKeyCommand creates a publishable key for a channel.
type CreatePublishableKeyCommand struct {
	Channel string `json:"channel" minLength:"1" maxLength:"64" doc:"Sales channel: lower-case letters, digits and hyphens (as in a product's channels)"`
	Name    string `json:"name,omitempty" maxLength:"200"`
}

// PublishableKeyQuery lists publishable keys, newest first.
type PublishableKeyQuery struct {
	Revoked bool
	Limit   int
	Cursor  string
}

// PublishableKeyHeader is the header a store request names its key in.
const PublishableKeyHeader = "X-Publishable-Key"

var channelName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// CreatePublishableKey makes a publishable key for a channel. Errors:
// Invalid (channel, name).
func (k *Keys) CreatePublishableKey(ctx context.Context, cmd CreatePublishableKeyCommand) (PublishableKey, error) {
	v := &errs.Validator{}
	v.Check(len(cmd.Channel) <= 64 && channelName.MatchString(cmd.Channel), "channel", "must be a channel name of lower-case letters, digits and hyphens")
	v.Check(len(cmd.Name) <= 200, "name", "is longer than 200 characters")
	if err := v.Err(); err != nil {
		return PublishableKey{}, err
	}
	token, err := randomSecret("pk_")
	if err != nil {
		return PublishableKey{}, err
	}
	pk := PublishableKey{ID: id.New("pkey"), Key: token, Channel: cmd.Channel, Name: cmd.Name, CreatedAt: k.now().UTC()}
	_, err = k.db.ExecContext(ctx, `INSERT INTO platform_publishable_keys (id, token, channel, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		pk.ID, pk.Key, pk.Channel, pk.Name, pk.CreatedAt)
	return pk, err
}

const pkColumns = `id, token, channel, name, created_at, revoked_at`

func scanPK(scan func(...any) error) (PublishableKey, error) {
	var pk PublishableKey
	var revoked sql.NullTime
	if err := scan(&pk.ID, &pk.Key, &pk.Channel, &pk.Name, &pk.CreatedAt, &revoked); err != nil {
		return PublishableKey{}, err
	}
	pk.CreatedAt = pk.CreatedAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		pk.RevokedAt = &t
	}
	return pk, nil
}

var errPKNotFound = errs.E(errs.NotFound, "not_found", "publishable key not found")

// GetPublishableKey reads a publishable key by id; NotFound when there is
// none.
func (k *Keys) GetPublishableKey(ctx context.Context, keyID string) (PublishableKey, error) {
	if !id.Valid("pkey", keyID) {
		return PublishableKey{}, errPKNotFound
	}
	pk, err := scanPK(k.db.Primary().QueryRowContext(ctx, `SELECT `+pkColumns+` FROM platform_publishable_keys WHERE id = ?`, keyID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return PublishableKey{}, errPKNotFound
	}
	return pk, err
}

// ListPublishableKeys lists live (or, with Revoked, revoked) publishable
// keys, newest first.
func (k *Keys) ListPublishableKeys(ctx context.Context, q PublishableKeyQuery) (Page[PublishableKey], error) {
	after, err := id.After(q.Cursor, "pkey")
	if err != nil {
		return Page[PublishableKey]{}, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	query := `SELECT ` + pkColumns + ` FROM platform_publishable_keys WHERE revoked_at IS NULL`
	if q.Revoked {
		query = `SELECT ` + pkColumns + ` FROM platform_publishable_keys WHERE revoked_at IS NOT NULL`
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
		return Page[PublishableKey]{}, err
	}
	defer rows.Close()
	page := Page[PublishableKey]{Data: []PublishableKey{}}
	for rows.Next() {
		pk, err := scanPK(rows.Scan)
		if err != nil {
			return Page[PublishableKey]{}, err
		}
		page.Data = append(page.Data, pk)
	}
	if err := rows.Err(); err != nil {
		return Page[PublishableKey]{}, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = id.Cursor(page.Data[limit-1].ID)
	}
	return page, nil
}

// RevokePublishableKey revokes a publishable key: this process refuses it
// at once, other instances within PublishableKeyTTL. Revoking a revoked
// key changes nothing. Errors: NotFound.
func (k *Keys) RevokePublishableKey(ctx context.Context, keyID string) (PublishableKey, error) {
	pk, err := k.GetPublishableKey(ctx, keyID)
	if err != nil {
		return PublishableKey{}, err
	}
	if pk.RevokedAt == nil {
		now := k.now().UTC()
		if _, err := k.db.ExecContext(ctx, `UPDATE platform_publishable_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, keyID); err != nil {
			return PublishableKey{}, err
		}
		pk.RevokedAt = &now
	}
	k.pk.forget(pk.Key)
	return pk, nil
}

// PublishableKeyTTL is how long a process trusts what it read about a
// publishable key: a key revoked on another instance stops working here
// within it.
const PublishableKeyTTL = 30 * time.Second

var errBadPK = errs.E(errs.Unauthorized, "unauthorized", "unknown or revoked publishable key")

// Channel returns the sales channel of a publishable key, or Unauthorized
// when the key is unknown or revoked. Answers are cached for
// PublishableKeyTTL, so that store reads do not query the key table.
func (k *Keys) Channel(ctx context.Context, token string) (string, error) {
	if len(token) < 4 || len(token) > 100 || token[:3] != "pk_" {
		return "", errBadPK
	}
	now := time.Now()
	if ch, ok, hit := k.pk.get(token, now); hit {
		if !ok {
			return "", errBadPK
		}
		return ch, nil
	}
	var ch string
	err := k.db.Primary().QueryRowContext(ctx, `SELECT channel FROM platform_publishable_keys WHERE token = ? AND revoked_at IS NULL`, token).Scan(&ch)
	if errors.Is(err, sql.ErrNoRows) {
		k.pk.put(token, "", false, now)
		return "", errBadPK
	}
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	k.pk.put(token, ch, true, now)
	return ch, nil
}

// pkCache remembers publishable keys (and, so that a flood of made-up keys
// costs no queries, recent misses) for PublishableKeyTTL.
type pkCache struct {
	mu sync.Mutex
	m  map[string]pkEntry
}

type pkEntry struct {
	channel string
	ok      bool
	at      time.Time
}

const pkCacheMax = 10000

func newPKCache() pkCache { return pkCache{m: map[string]pkEntry{}} }

func (c *pkCache) get(token string, now time.Time) (channel string, ok, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.m[token]
	if !found || now.Sub(e.at) > PublishableKeyTTL {
		return "", false, false
	}
	return e.channel, e.ok, true
}

func (c *pkCache) put(token, channel string, ok bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= pkCacheMax {
		for t, e := range c.m {
			if now.Sub(e.at) > PublishableKeyTTL || !e.ok {
				delete(c.m, t)
			}
		}
		if len(c.m) >= pkCacheMax {
			clear(c.m)
		}
	}
	c.m[token] = pkEntry{channel: channel, ok: ok, at: now}
}

func (c *pkCache) forget(token string) {
	c.mu.Lock()
	delete(c.m, token)
	c.mu.Unlock()
}
