package accesssvc

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

var channelName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

var errPKNotFound = errs.E(errs.NotFound, "not_found", "publishable key not found")

// CreatePublishableKey implements access.Service.
func (s *Service) CreatePublishableKey(ctx context.Context, cmd access.CreatePublishableKeyCommand) (access.PublishableKey, error) {
	v := &errs.Validator{}
	v.Check(len(cmd.Channel) <= 64 && channelName.MatchString(cmd.Channel), "channel", "must be a channel name of lower-case letters, digits and hyphens")
	v.Check(len(cmd.Name) <= 200, "name", "is longer than 200 characters")
	if err := v.Err(); err != nil {
		return access.PublishableKey{}, err
	}
	token, _ := auth.NewToken("pk")
	pk := access.PublishableKey{ID: id.New("pkey"), Key: token, Channel: cmd.Channel, Name: cmd.Name, CreatedAt: s.now().UTC()}
	if err := s.store.InsertPublishableKey(ctx, pk); err != nil {
		return access.PublishableKey{}, err
	}
	return pk, nil
}

// GetPublishableKey implements access.Service.
func (s *Service) GetPublishableKey(ctx context.Context, keyID string) (access.PublishableKey, error) {
	if !id.Valid("pkey", keyID) {
		return access.PublishableKey{}, errPKNotFound
	}
	return s.store.PublishableKey(ctx, keyID)
}

// ListPublishableKeys implements access.Service.
func (s *Service) ListPublishableKeys(ctx context.Context, q access.PublishableKeyQuery) (access.Page[access.PublishableKey], error) {
	q.Limit = limit(q.Limit)
	return s.store.PublishableKeys(ctx, q)
}

// RevokePublishableKey implements access.Service.
func (s *Service) RevokePublishableKey(ctx context.Context, keyID string) error {
	if !id.Valid("pkey", keyID) {
		return errPKNotFound
	}
	pk, err := s.store.RevokePublishableKey(ctx, keyID, s.now().UTC())
	if err != nil {
		return err
	}
	s.pk.forget(pk.Key)
	return nil
}

var errBadPK = errs.E(errs.Unauthorized, "unauthorized", "unknown or revoked publishable key")

// Channel implements auth.Credentials: the sales channel of a publishable
// key, or Unauthorized when the key is unknown or revoked. Answers are
// cached for access.PublishableKeyTTL, so that store reads do not query
// the key table.
func (s *Service) Channel(ctx context.Context, token string) (string, error) {
	if len(token) < 4 || len(token) > 100 || token[:3] != "pk_" {
		return "", errBadPK
	}
	now := time.Now()
	if ch, ok, hit := s.pk.get(token, now); hit {
		if !ok {
			return "", errBadPK
		}
		return ch, nil
	}
	ch, err := s.store.Channel(ctx, token)
	if errs.Is(err, errs.NotFound) {
		s.pk.put(token, "", false, now)
		return "", errBadPK
	}
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	s.pk.put(token, ch, true, now)
	return ch, nil
}

// pkCache remembers publishable keys (and, so that a flood of made-up keys
// costs no queries, recent misses) for access.PublishableKeyTTL.
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
	if !found || now.Sub(e.at) > access.PublishableKeyTTL {
		return "", false, false
	}
	return e.channel, e.ok, true
}

func (c *pkCache) put(token, channel string, ok bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= pkCacheMax {
		for t, e := range c.m {
			if now.Sub(e.at) > access.PublishableKeyTTL || !e.ok {
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
