package accesssvc

import (
	"context"
	"strings"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func errStaffNotFound() error { return errs.E(errs.NotFound, "not_found", "staff account not found") }

// CreateStaff implements access.Service.
func (s *Service) CreateStaff(ctx context.Context, cmd access.CreateStaffCommand) (access.Staff, error) {
	email := normEmail(cmd.Email)
	v := &errs.Validator{}
	v.Check(address.Email(email), "email", "must be an email address")
	v.Check(len(cmd.Name) <= 200, "name", "is longer than 200 characters")
	if err := v.Err(); err != nil {
		return access.Staff{}, err
	}
	if err := auth.CheckPassword("password", cmd.Password); err != nil {
		return access.Staff{}, err
	}
	if err := s.checkRoleGrant(ctx, cmd.By, cmd.Role); err != nil {
		return access.Staff{}, err
	}
	hash, err := s.passwords.Hash(ctx, cmd.Password)
	if err != nil {
		return access.Staff{}, err
	}
	now := s.now().UTC()
	st := access.Staff{ID: id.New("stf"), Email: email, Name: cmd.Name, Role: cmd.Role, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.store.InsertStaff(ctx, st, hash); err != nil {
		return access.Staff{}, err
	}
	return st, nil
}

// checkRoleGrant is Invalid for an unknown role and Forbidden when by lacks
// one of its permissions.
func (s *Service) checkRoleGrant(ctx context.Context, by *auth.Principal, r auth.Role) error {
	var custom *access.RoleInfo
	if !builtinRole(r) {
		ri, err := s.store.Role(ctx, r)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err == nil {
			custom = &ri
		}
	}
	perms, ok := s.rolePermissions(r, custom)
	if !ok {
		return errs.Validation(errs.Field("role", "is not a role (GET /admin/roles lists them)"))
	}
	return mayGrant(by, "an account with role "+string(r), perms)
}

// GetStaff implements access.Service.
func (s *Service) GetStaff(ctx context.Context, staffID string) (access.Staff, error) {
	if !id.Valid("stf", staffID) {
		return access.Staff{}, errStaffNotFound()
	}
	return s.store.Staff(ctx, staffID)
}

// ListStaff implements access.Service.
func (s *Service) ListStaff(ctx context.Context, q access.StaffQuery) (access.Page[access.Staff], error) {
	q.Limit = limit(q.Limit)
	return s.store.ListStaff(ctx, q)
}

// UpdateStaff implements access.Service.
func (s *Service) UpdateStaff(ctx context.Context, cmd access.UpdateStaffCommand) (access.Staff, error) {
	if cmd.Name != nil && len(*cmd.Name) > 200 {
		return access.Staff{}, errs.Validation(errs.Field("name", "is longer than 200 characters"))
	}
	if cmd.Password != nil {
		if err := auth.CheckPassword("password", *cmd.Password); err != nil {
			return access.Staff{}, err
		}
	}
	cur, err := s.GetStaff(ctx, cmd.ID)
	if err != nil {
		return access.Staff{}, err
	}
	if err := s.checkRoleGrant(ctx, cmd.By, cur.Role); err != nil && !errs.Is(err, errs.Invalid) {
		return access.Staff{}, err
	}
	if cmd.Role != nil {
		if err := s.checkRoleGrant(ctx, cmd.By, *cmd.Role); err != nil {
			return access.Staff{}, err
		}
	}
	var hash string
	if cmd.Password != nil {
		if hash, err = s.passwords.Hash(ctx, *cmd.Password); err != nil {
			return access.Staff{}, err
		}
	}
	now := s.now().UTC()
	return s.store.UpdateStaff(ctx, cmd.ID, hash, now, func(st *access.Staff) (bool, error) {
		if cmd.Version != 0 && cmd.Version != st.Version {
			return false, errs.E(errs.Conflict, access.CodeVersion, "the account is at version %d, not %d", st.Version, cmd.Version)
		}
		endSessions := false
		if cmd.Name != nil {
			st.Name = *cmd.Name
		}
		if cmd.Role != nil {
			st.Role = *cmd.Role
		}
		if cmd.Disabled != nil {
			if *cmd.Disabled && st.DisabledAt == nil {
				st.DisabledAt, endSessions = &now, true
			} else if !*cmd.Disabled {
				st.DisabledAt = nil
			}
		}
		return endSessions, nil
	})
}

// DisableStaff implements access.Service.
func (s *Service) DisableStaff(ctx context.Context, staffID string, by *auth.Principal) error {
	t := true
	_, err := s.UpdateStaff(ctx, access.UpdateStaffCommand{ID: staffID, Disabled: &t, By: by})
	return err
}

var errLogin = errs.E(errs.Unauthorized, "unauthorized", "wrong email or password")

// Login implements access.Service.
func (s *Service) Login(ctx context.Context, cmd access.LoginCommand) (access.StaffSession, error) {
	sid, hash, disabled, err := s.store.StaffLogin(ctx, normEmail(cmd.Email))
	if errs.Is(err, errs.NotFound) {
		hash = ""
	} else if err != nil {
		return access.StaffSession{}, errs.Wrap(err, errs.Unavailable, "", "staff store")
	}
	ok, rehash, err := s.passwords.Verify(ctx, hash, cmd.Password)
	if err != nil {
		return access.StaffSession{}, err
	}
	if !ok || disabled {
		return access.StaffSession{}, errLogin
	}
	if rehash {
		if h, err := s.passwords.Hash(ctx, cmd.Password); err == nil {
			_ = s.store.SetStaffPassword(ctx, sid, h)
		}
	}
	token, tokenHash := auth.NewToken(access.StaffSessionPrefix)
	now := s.now().UTC()
	sess := access.StaffSession{Token: token, ExpiresAt: now.Add(access.StaffSessionTTL)}
	if err := s.store.InsertStaffSession(ctx, tokenHash, sid, now, sess.ExpiresAt); err != nil {
		return access.StaffSession{}, err
	}
	if sess.Staff, err = s.GetStaff(ctx, sid); err != nil {
		return access.StaffSession{}, err
	}
	return sess, nil
}

// Logout implements access.Service.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, access.StaffSessionPrefix+"_") {
		return errs.E(errs.Invalid, access.CodeNotASession, "the caller authenticated with an API key, not a staff session")
	}
	return s.store.RevokeStaffSession(ctx, auth.HashToken(token), s.now().UTC())
}
