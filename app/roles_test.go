package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/module"
)

// TestBuiltinRolesArePinned: the built-in roles, built from the
// permissions every module declares, hold exactly these permissions. A
// change here changes what existing keys and staff accounts may do.
func TestBuiltinRolesArePinned(t *testing.T) {
	reads := []string{"carts:read", "categories:read", "collections:read", "customers:read", "inventory:read", "orders:read",
		"payments:read", "pricing:read", "products:read", "search:read", "shipping:read", "tax:read"}
	with := func(ps ...string) []string { return append(slices.Clone(reads), ps...) }
	admin := with("api_keys:read", "api_keys:write", "carts:write", "categories:write", "collections:write", "customers:erase",
		"customers:export", "customers:write", "inventory:write", "orders:refund", "orders:write", "payments:refund", "payments:write",
		"pricing:write", "products:write", "publishable_keys:read", "publishable_keys:write", "roles:read", "roles:write",
		"search:write", "security:read", "security:write", "shipping:write", "staff:read", "staff:write", "tax:write")
	want := map[auth.Role][]string{
		auth.Owner:          append(slices.Clone(admin), "audit:read"),
		auth.Admin:          admin,
		auth.CatalogManager: with("categories:write", "collections:write", "inventory:write", "pricing:write", "products:write", "search:write"),
		auth.OrderManager:   with("carts:write", "inventory:write", "orders:refund", "orders:write", "payments:refund", "payments:write"),
		auth.Support:        with("carts:write", "customers:export", "customers:write", "orders:write", "security:read", "security:write"),
		auth.Analyst:        reads,
	}
	a, _ := startApp(t, backends(t)["embedded"](t))
	svc, _, err := a.Access(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.BuiltinRoles() {
		ri, err := svc.GetRole(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(ri.Permissions))
		for i, p := range ri.Permissions {
			got[i] = string(p)
		}
		slices.Sort(want[r])
		if !slices.Equal(got, want[r]) {
			t.Errorf("%s holds %v,\nwant %v", r, got, want[r])
		}
	}
	ps, err := svc.Permissions(t.Context())
	if err != nil || len(ps) != len(want[auth.Owner]) {
		t.Fatalf("%d permissions, want %d: %v", len(ps), len(want[auth.Owner]), err)
	}
}

// TestFirstStart: a new installation without AGORA_ADMIN_KEY gets an owner
// key in the data dir; `agora keys create` (Access before Start) makes
// keys that the server then takes.
func TestFirstStart(t *testing.T) {
	cfg := backends(t)["embedded"](t)
	cfg.AdminKey = ""
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// What `agora keys create --role analyst` does, before any start.
	a, err := New(cfg, log, Modules())
	if err != nil {
		t.Fatal(err)
	}
	keys, closeKeys, err := a.Access(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	analyst, err := keys.CreateKey(context.Background(), access.CreateKeyCommand{Role: auth.Analyst, Name: "cli"})
	closeKeys()
	if err != nil {
		t.Fatal(err)
	}
	if hint := a.AdminKeyHint(); !strings.Contains(hint, "agora keys create") {
		t.Errorf("hint before a start: %s", hint)
	}
	// A key exists: the first start makes none.
	_, srv := startApp(t, cfg)
	if _, err := os.Stat(filepath.Join(cfg.DataDir, accessmod.AdminKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("an owner key was made beside an existing key: %v", err)
	}
	if got := call(t, srv, "GET", "/admin/products", "", "Authorization", "Bearer "+analyst.Secret); got.status != http.StatusOK {
		t.Fatalf("the command line's key: %d %s", got.status, got.body)
	}

	// A new data dir: the first start writes an owner key.
	cfg.DataDir = t.TempDir()
	b, srv := startApp(t, cfg)
	secret, err := os.ReadFile(filepath.Join(cfg.DataDir, accessmod.AdminKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := call(t, srv, "GET", "/admin/audit-log", "", "Authorization", "Bearer "+strings.TrimSpace(string(secret))); got.status != http.StatusOK {
		t.Fatalf("the first owner key: %d %s", got.status, got.body)
	}
	if hint := b.AdminKeyHint(); !strings.HasPrefix(hint, "in ") {
		t.Errorf("hint after a first start: %s", hint)
	}
}

// TestStartNeedsAGuard: a process that serves admin routes starts only
// with a module that guards them.
func TestStartNeedsAGuard(t *testing.T) {
	open := module.Module{Name: "things", Start: func(_ context.Context, env *module.Env) (*module.Running, error) {
		huma.Register(env.API, auth.Require("things:read", huma.Operation{OperationID: "listThings", Method: http.MethodGet, Path: "/admin/things"}),
			func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
		return nil, nil
	}}
	reg, err := NewRegistry(open)
	if err != nil {
		t.Fatal(err)
	}
	cfg := backends(t)["embedded"](t)
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "no module guards them") {
		a.Stop(context.Background())
		t.Fatalf("started without a guard: %v", err)
	}

	// With the access module, which starts whatever the targets: the
	// route is guarded.
	reg, err = NewRegistry(accessmod.Module(), open)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Modules = []string{"things"}
	b, srv := startAppWith(t, cfg, reg)
	if got := b.Modules(); !slices.Equal(got, []string{"access", "things"}) {
		t.Fatalf("modules %v", got)
	}
	if got := call(t, srv, "GET", "/admin/things", ""); got.status != http.StatusUnauthorized {
		t.Fatalf("an unguarded route: %d %s", got.status, got.body)
	}
}

func startAppWith(t *testing.T, cfg Config, reg *Registry) (*App, *httptest.Server) {
	t.Helper()
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Stop(context.Background())
	})
	return a, srv
}
