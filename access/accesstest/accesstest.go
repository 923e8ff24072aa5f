// Package accesstest has the access module's contract suite, run against
// every implementation (the service on SQLite and PostgreSQL, and through
// the HTTP client and handlers), and test helpers.
package accesstest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accesshttp"
	"github.com/agoracommerce/agora/access/accesssvc"
	"github.com/agoracommerce/agora/platform/auth"
)

// OwnerKey is the AGORA_ADMIN_KEY of the suite's services.
const OwnerKey = "test-owner-key-0123456789abcdefghij"

// Permissions a shop's modules declare, for the suite's services.
const (
	ProductsRead   auth.Permission = "products:read"
	ProductsWrite  auth.Permission = "products:write"
	PricingWrite   auth.Permission = "pricing:write"
	SearchWrite    auth.Permission = "search:write"
	InventoryWrite auth.Permission = "inventory:write"
	OrdersRead     auth.Permission = "orders:read"
	OrdersWrite    auth.Permission = "orders:write"
	OrdersRefund   auth.Permission = "orders:refund"
)

// Permissions are the declarations the suite's services are built with:
// the access module's own and a few of a shop's.
func Permissions() []auth.PermissionInfo {
	cm, om, support := auth.CatalogManager, auth.OrderManager, auth.Support
	return append(slices.Clone(accesshttp.Permissions),
		auth.PermissionInfo{Name: ProductsRead, Description: "read products", Roles: auth.EveryRole()},
		auth.PermissionInfo{Name: ProductsWrite, Description: "change products", Roles: []auth.Role{cm}},
		auth.PermissionInfo{Name: PricingWrite, Description: "change prices", Roles: []auth.Role{cm}},
		auth.PermissionInfo{Name: SearchWrite, Description: "change search", Roles: []auth.Role{cm}},
		auth.PermissionInfo{Name: InventoryWrite, Description: "change stock", Roles: []auth.Role{cm, om}},
		auth.PermissionInfo{Name: OrdersRead, Description: "read orders", Roles: auth.EveryRole()},
		auth.PermissionInfo{Name: OrdersWrite, Description: "change orders", Roles: []auth.Role{om, support}},
		auth.PermissionInfo{Name: OrdersRefund, Description: "refund orders", Roles: []auth.Role{om}},
	)
}

// Config is the suite's service configuration: the owner key, Permissions
// and cheap password hashing.
func Config() accesssvc.Config {
	cfg := accesssvc.DefaultConfig()
	cfg.OwnerKey = OwnerKey
	cfg.Permissions = Permissions()
	cfg.Password.Memory, cfg.Password.Time = 64, 1
	return cfg
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at the current time.
func NewClock() *Clock { return &Clock{t: time.Now().UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Harness is one implementation under test.
type Harness struct {
	// As returns the implementation acting as the holder of secret (an
	// API key or a staff session token), as a request with it would.
	As func(secret string) access.Service
	// Credentials is the service behind the implementation (the guard's
	// view of it, in process everywhere).
	Credentials auth.Credentials
	// Record appends an entry to the audit log behind the implementation.
	Record func(ctx context.Context, e access.Entry) (access.Entry, error)
	// Clock is the service's clock.
	Clock *Clock
}

// Local returns the harness of svc in process, on clock.
func Local(svc *accesssvc.Service, clock *Clock) Harness {
	return Harness{
		As:          func(secret string) access.Service { return &acting{svc: svc, secret: secret} },
		Credentials: svc, Record: svc.Record, Clock: clock,
	}
}

// acting is a service acting as the holder of secret: every call
// authenticates it first, as the guard does, and carries its principal as
// the caller of commands.
type acting struct {
	svc    *accesssvc.Service
	secret string
}

func (a *acting) by(ctx context.Context) (*auth.Principal, error) {
	p, err := a.svc.Authenticate(ctx, a.secret)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (a *acting) Permissions(ctx context.Context) ([]access.PermissionInfo, error) {
	if _, err := a.by(ctx); err != nil {
		return nil, err
	}
	return a.svc.Permissions(ctx)
}

func (a *acting) ListRoles(ctx context.Context, q access.RoleQuery) (access.Page[access.RoleInfo], error) {
	if _, err := a.by(ctx); err != nil {
		return access.Page[access.RoleInfo]{}, err
	}
	return a.svc.ListRoles(ctx, q)
}

func (a *acting) GetRole(ctx context.Context, name auth.Role) (access.RoleInfo, error) {
	if _, err := a.by(ctx); err != nil {
		return access.RoleInfo{}, err
	}
	return a.svc.GetRole(ctx, name)
}

func (a *acting) CreateRole(ctx context.Context, cmd access.CreateRoleCommand) (access.RoleInfo, error) {
	by, err := a.by(ctx)
	if err != nil {
		return access.RoleInfo{}, err
	}
	cmd.By = by
	return a.svc.CreateRole(ctx, cmd)
}

func (a *acting) UpdateRole(ctx context.Context, cmd access.UpdateRoleCommand) (access.RoleInfo, error) {
	by, err := a.by(ctx)
	if err != nil {
		return access.RoleInfo{}, err
	}
	cmd.By = by
	return a.svc.UpdateRole(ctx, cmd)
}

func (a *acting) DeleteRole(ctx context.Context, name auth.Role, _ *auth.Principal) error {
	by, err := a.by(ctx)
	if err != nil {
		return err
	}
	return a.svc.DeleteRole(ctx, name, by)
}

func (a *acting) CreateKey(ctx context.Context, cmd access.CreateKeyCommand) (access.APIKey, error) {
	by, err := a.by(ctx)
	if err != nil {
		return access.APIKey{}, err
	}
	cmd.By = by
	return a.svc.CreateKey(ctx, cmd)
}

func (a *acting) GetKey(ctx context.Context, id string) (access.APIKey, error) {
	if _, err := a.by(ctx); err != nil {
		return access.APIKey{}, err
	}
	return a.svc.GetKey(ctx, id)
}

func (a *acting) ListKeys(ctx context.Context, q access.KeyQuery) (access.Page[access.APIKey], error) {
	if _, err := a.by(ctx); err != nil {
		return access.Page[access.APIKey]{}, err
	}
	return a.svc.ListKeys(ctx, q)
}

func (a *acting) RevokeKey(ctx context.Context, id string, _ *auth.Principal) error {
	by, err := a.by(ctx)
	if err != nil {
		return err
	}
	return a.svc.RevokeKey(ctx, id, by)
}

func (a *acting) CreatePublishableKey(ctx context.Context, cmd access.CreatePublishableKeyCommand) (access.PublishableKey, error) {
	if _, err := a.by(ctx); err != nil {
		return access.PublishableKey{}, err
	}
	return a.svc.CreatePublishableKey(ctx, cmd)
}

func (a *acting) GetPublishableKey(ctx context.Context, id string) (access.PublishableKey, error) {
	if _, err := a.by(ctx); err != nil {
		return access.PublishableKey{}, err
	}
	return a.svc.GetPublishableKey(ctx, id)
}

func (a *acting) ListPublishableKeys(ctx context.Context, q access.PublishableKeyQuery) (access.Page[access.PublishableKey], error) {
	if _, err := a.by(ctx); err != nil {
		return access.Page[access.PublishableKey]{}, err
	}
	return a.svc.ListPublishableKeys(ctx, q)
}

func (a *acting) RevokePublishableKey(ctx context.Context, id string) error {
	if _, err := a.by(ctx); err != nil {
		return err
	}
	return a.svc.RevokePublishableKey(ctx, id)
}

func (a *acting) CreateStaff(ctx context.Context, cmd access.CreateStaffCommand) (access.Staff, error) {
	by, err := a.by(ctx)
	if err != nil {
		return access.Staff{}, err
	}
	cmd.By = by
	return a.svc.CreateStaff(ctx, cmd)
}

func (a *acting) GetStaff(ctx context.Context, id string) (access.Staff, error) {
	if _, err := a.by(ctx); err != nil {
		return access.Staff{}, err
	}
	return a.svc.GetStaff(ctx, id)
}

func (a *acting) ListStaff(ctx context.Context, q access.StaffQuery) (access.Page[access.Staff], error) {
	if _, err := a.by(ctx); err != nil {
		return access.Page[access.Staff]{}, err
	}
	return a.svc.ListStaff(ctx, q)
}

func (a *acting) UpdateStaff(ctx context.Context, cmd access.UpdateStaffCommand) (access.Staff, error) {
	by, err := a.by(ctx)
	if err != nil {
		return access.Staff{}, err
	}
	cmd.By = by
	return a.svc.UpdateStaff(ctx, cmd)
}

func (a *acting) DisableStaff(ctx context.Context, id string, _ *auth.Principal) error {
	by, err := a.by(ctx)
	if err != nil {
		return err
	}
	return a.svc.DisableStaff(ctx, id, by)
}

// Login needs no credential.
func (a *acting) Login(ctx context.Context, cmd access.LoginCommand) (access.StaffSession, error) {
	return a.svc.Login(ctx, cmd)
}

// Logout authenticates token, as the guard does, and ends its session.
func (a *acting) Logout(ctx context.Context, token string) error {
	if _, err := a.svc.Authenticate(ctx, token); err != nil {
		return err
	}
	return a.svc.Logout(ctx, token)
}

func (a *acting) ListAudit(ctx context.Context, q access.AuditQuery) (access.Page[access.Entry], error) {
	if _, err := a.by(ctx); err != nil {
		return access.Page[access.Entry]{}, err
	}
	return a.svc.ListAudit(ctx, q)
}

func (a *acting) GetAuditEntry(ctx context.Context, id string) (access.Entry, error) {
	if _, err := a.by(ctx); err != nil {
		return access.Entry{}, err
	}
	return a.svc.GetAuditEntry(ctx, id)
}
