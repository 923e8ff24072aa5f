// Package accesssvc implements access.Service: who may grant what, the
// checks of keys, sessions and passwords, the built-in roles built from
// the modules' declared permissions, the batching of key last-use times
// and the cache of publishable keys. It also answers the request guard
// (auth.Credentials) and records audit log entries.
package accesssvc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
)

// Config is the service's configuration.
type Config struct {
	// OwnerKey is the owner key of AGORA_ADMIN_KEY ("" for none).
	OwnerKey string
	// Permissions declares every permission there is (the declarations
	// of every module the binary knows, and of the process's own routes).
	Permissions []auth.PermissionInfo
	// Password are the argon2id parameters of staff passwords, of which
	// at most PasswordHashes are computed at once.
	Password       auth.PasswordParams
	PasswordHashes int
}

// DefaultConfig returns OWASP's password parameters and no permissions.
func DefaultConfig() Config {
	return Config{Password: auth.DefaultPasswordParams(), PasswordHashes: 2}
}

// Service implements access.Service and auth.Credentials.
type Service struct {
	store     Store
	ownerKey  []byte
	perms     *permissions
	passwords *auth.Passwords
	log       *slog.Logger
	now       func() time.Time

	mu   sync.Mutex
	used map[string]time.Time // key id → last use not yet written
	pk   pkCache
}

// New returns the service on st. Declarations that are malformed,
// repeated, or give a permission to a role that is not built in are an
// error.
func New(st Store, cfg Config, log *slog.Logger, now func() time.Time) (*Service, error) {
	perms, err := newPermissions(cfg.Permissions)
	if err != nil {
		return nil, err
	}
	return &Service{
		store: st, ownerKey: []byte(cfg.OwnerKey), perms: perms,
		passwords: auth.NewPasswords(cfg.Password, cfg.PasswordHashes),
		log:       log, now: now, used: map[string]time.Time{}, pk: newPKCache(),
	}, nil
}

var (
	_ access.Service   = (*Service)(nil)
	_ auth.Credentials = (*Service)(nil)
)

// permissions are the known permissions and the built-in roles' sets,
// built from the declarations.
type permissions struct {
	info    map[auth.Permission]auth.PermissionInfo
	sorted  []auth.Permission
	builtin map[auth.Role][]auth.Permission // sorted
}

func newPermissions(decls []auth.PermissionInfo) (*permissions, error) {
	ps := &permissions{info: map[auth.Permission]auth.PermissionInfo{}, builtin: map[auth.Role][]auth.Permission{}}
	var problems []string
	for _, d := range decls {
		resource, action, ok := strings.Cut(string(d.Name), ":")
		switch {
		case !ok || resource == "" || action == "" || strings.Contains(action, ":"):
			problems = append(problems, fmt.Sprintf("permission %q is not <resource>:<action>", d.Name))
		case d.Description == "":
			problems = append(problems, fmt.Sprintf("permission %s has no description", d.Name))
		case ps.info[d.Name].Name != "":
			problems = append(problems, fmt.Sprintf("permission %s is declared twice", d.Name))
		case d.OwnerOnly && len(d.Roles) > 0:
			problems = append(problems, fmt.Sprintf("permission %s is owner-only but given to %v", d.Name, d.Roles))
		}
		for _, r := range d.Roles {
			if !slices.Contains(auth.EveryRole(), r) {
				problems = append(problems, fmt.Sprintf("permission %s names %q, not a built-in role besides owner and admin", d.Name, r))
			}
		}
		ps.info[d.Name] = d
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("accesssvc: declared permissions: %s", strings.Join(problems, "; "))
	}
	for p, d := range ps.info {
		ps.sorted = append(ps.sorted, p)
		ps.builtin[auth.Owner] = append(ps.builtin[auth.Owner], p)
		if !d.OwnerOnly {
			ps.builtin[auth.Admin] = append(ps.builtin[auth.Admin], p)
		}
		for _, r := range d.Roles {
			ps.builtin[r] = append(ps.builtin[r], p)
		}
	}
	slices.Sort(ps.sorted)
	for r := range ps.builtin {
		slices.Sort(ps.builtin[r])
	}
	return ps, nil
}

func (ps *permissions) known(p auth.Permission) bool { _, ok := ps.info[p]; return ok }

func (ps *permissions) ownerOnly(p auth.Permission) bool { return ps.info[p].OwnerOnly }

// builtinRole reports whether r is a built-in role.
func builtinRole(r auth.Role) bool { return slices.Contains(auth.BuiltinRoles(), r) }

// rolePermissions returns the permissions of a built-in role, or of the
// stored custom role (nil when there is none); ok is false when r is
// neither.
func (s *Service) rolePermissions(r auth.Role, custom *access.RoleInfo) (ps []auth.Permission, ok bool) {
	if builtinRole(r) {
		return slices.Clone(s.perms.builtin[r]), true
	}
	if custom == nil {
		return nil, false
	}
	return custom.Permissions, true
}

// permissionsOf is the set of a built-in role, or of a custom role's
// stored permissions (empty when the role is gone: such a key can do
// nothing).
func (s *Service) permissionsOf(r auth.Role, custom []auth.Permission) auth.Set {
	if builtinRole(r) {
		return auth.NewSet(s.perms.builtin[r]...)
	}
	// A permission granted to a custom role is never owner-only, but a
	// stored row is not trusted to say so.
	set := auth.NewSet(custom...)
	for p := range set {
		if s.perms.ownerOnly(p) || !s.perms.known(p) {
			delete(set, p)
		}
	}
	return set
}

// mayGrant is Forbidden when by lacks one of ps.
func mayGrant(by *auth.Principal, what string, ps []auth.Permission) error {
	if by == nil {
		return nil
	}
	if missing := by.Permissions.Missing(ps); len(missing) > 0 {
		return errs.E(errs.Forbidden, "forbidden", "%s needs permissions your role %s does not hold: %s", what, by.Role, joinPerms(missing))
	}
	return nil
}

func joinPerms(ps []auth.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// Permissions implements access.Service.
func (s *Service) Permissions(context.Context) ([]access.PermissionInfo, error) {
	out := make([]access.PermissionInfo, 0, len(s.perms.sorted))
	for _, p := range s.perms.sorted {
		out = append(out, access.PermissionInfo{Name: p, Description: s.perms.info[p].Description})
	}
	return out, nil
}

var errUnauthorized = errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required")

// Authenticate implements auth.Credentials: the principal of a secret —
// the owner key, an API key or a staff session token — with the
// permissions of its role now, or Unauthorized.
func (s *Service) Authenticate(ctx context.Context, secret string) (auth.Principal, error) {
	if secret == "" || len(secret) > 200 {
		return auth.Principal{}, errUnauthorized
	}
	if strings.HasPrefix(secret, access.StaffSessionPrefix+"_") {
		return s.authenticateSession(ctx, secret)
	}
	if len(s.ownerKey) > 0 && subtle.ConstantTimeCompare([]byte(secret), s.ownerKey) == 1 {
		return auth.Principal{KeyID: access.OwnerKeyID, Role: auth.Owner, Permissions: s.permissionsOf(auth.Owner, nil)}, nil
	}
	c, err := s.store.KeyCredential(ctx, auth.HashToken(secret))
	if errs.Is(err, errs.NotFound) {
		return auth.Principal{}, errUnauthorized
	}
	if err != nil {
		return auth.Principal{}, errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	s.mu.Lock()
	s.used[c.ID] = s.now().UTC()
	s.mu.Unlock()
	return auth.Principal{KeyID: c.ID, Role: c.Role, Permissions: s.permissionsOf(c.Role, c.Custom)}, nil
}

// authenticateSession returns the principal of a staff session token: the
// staff id as its key id and the permissions of the account's role now.
func (s *Service) authenticateSession(ctx context.Context, token string) (auth.Principal, error) {
	c, err := s.store.SessionCredential(ctx, auth.HashToken(token))
	if errs.Is(err, errs.NotFound) {
		return auth.Principal{}, errUnauthorized
	}
	if err != nil {
		return auth.Principal{}, errs.Wrap(err, errs.Unavailable, "", "key store")
	}
	if !s.now().Before(c.ExpiresAt) {
		return auth.Principal{}, errUnauthorized
	}
	return auth.Principal{KeyID: c.ID, Role: c.Role, Permissions: s.permissionsOf(c.Role, c.Custom), Session: token}, nil
}

// FlushLastUsed writes the last-use times gathered since the last flush
// (batched so that reads do not write on every request).
func (s *Service) FlushLastUsed(ctx context.Context) error {
	s.mu.Lock()
	used := s.used
	s.used = map[string]time.Time{}
	s.mu.Unlock()
	if len(used) == 0 {
		return nil
	}
	return s.store.SetLastUsed(ctx, used)
}

// pending returns the last use of a key not yet written, if any.
func (s *Service) pending(keyID string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.used[keyID]
	return t, ok
}

// FlushEvery is how often Run writes the keys' last-use times.
const FlushEvery = time.Minute

// Run writes the keys' last-use times every FlushEvery until ctx ends,
// and once more then.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.FlushLastUsed(context.WithoutCancel(ctx)); err != nil {
				s.log.Warn("writing key use times failed", "err", err)
			}
			return
		case <-t.C:
		}
		if err := s.FlushLastUsed(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("writing key use times failed", "err", err)
		}
	}
}

// limit is a list's page size: 20 unless 1 to 100 is asked.
func limit(n int) int {
	if n <= 0 || n > 100 {
		return 20
	}
	return n
}
