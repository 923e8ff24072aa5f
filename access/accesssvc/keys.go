package accesssvc

import (
	"context"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

var errKeyNotFound = errs.E(errs.NotFound, "not_found", "API key not found")

// CreateKey implements access.Service.
func (s *Service) CreateKey(ctx context.Context, cmd access.CreateKeyCommand) (access.APIKey, error) {
	if len(cmd.Name) > 200 {
		return access.APIKey{}, errs.Validation(errs.Field("name", "is longer than 200 characters"))
	}
	secret, hash := auth.NewToken("sk")
	key := access.APIKey{ID: id.New("key"), Role: cmd.Role, Name: cmd.Name, CreatedAt: s.now().UTC(), Secret: secret}
	err := s.store.InsertKey(ctx, key, hash, func(custom *access.RoleInfo) error {
		perms, ok := s.rolePermissions(cmd.Role, custom)
		if !ok {
			return errs.Validation(errs.Field("role", "is not a role: built-in roles are owner, admin, catalog_manager, order_manager, support, analyst; GET /admin/roles lists custom ones"))
		}
		return mayGrant(cmd.By, "a key with role "+string(cmd.Role), perms)
	})
	if err != nil {
		return access.APIKey{}, err
	}
	return key, nil
}

// CountKeys reports how many live keys are stored (the owner key of
// AGORA_ADMIN_KEY is not).
func (s *Service) CountKeys(ctx context.Context) (int, error) { return s.store.CountKeys(ctx) }

func (s *Service) withPending(key access.APIKey) access.APIKey {
	if t, ok := s.pending(key.ID); ok && (key.LastUsedAt == nil || t.After(*key.LastUsedAt)) {
		key.LastUsedAt = &t
	}
	return key
}

// GetKey implements access.Service.
func (s *Service) GetKey(ctx context.Context, keyID string) (access.APIKey, error) {
	if !id.Valid("key", keyID) {
		return access.APIKey{}, errKeyNotFound
	}
	key, err := s.store.Key(ctx, keyID)
	if err != nil {
		return access.APIKey{}, err
	}
	return s.withPending(key), nil
}

// ListKeys implements access.Service.
func (s *Service) ListKeys(ctx context.Context, q access.KeyQuery) (access.Page[access.APIKey], error) {
	q.Limit = limit(q.Limit)
	page, err := s.store.Keys(ctx, q)
	if err != nil {
		return access.Page[access.APIKey]{}, err
	}
	for i, k := range page.Data {
		page.Data[i] = s.withPending(k)
	}
	return page, nil
}

// RevokeKey implements access.Service.
func (s *Service) RevokeKey(ctx context.Context, keyID string, by *auth.Principal) error {
	if !id.Valid("key", keyID) {
		return errKeyNotFound
	}
	return s.store.RevokeKey(ctx, keyID, s.now().UTC(), func(k access.APIKey, custom *access.RoleInfo) error {
		perms, _ := s.rolePermissions(k.Role, custom)
		return mayGrant(by, "revoking a key with role "+string(k.Role), perms)
	})
}
