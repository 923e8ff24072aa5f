package accesssvc_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/access/accesssvc"
	"github.com/agoracommerce/agora/platform/auth"
)

// TestDeclarations: declarations that are malformed, repeated, or that
// give a permission to a role that is not built in, fail the service.
func TestDeclarations(t *testing.T) {
	ok := auth.PermissionInfo{Name: "things:read", Description: "read things", Roles: auth.EveryRole()}
	for _, tc := range []struct {
		decls []auth.PermissionInfo
		want  string
	}{
		{[]auth.PermissionInfo{ok, {Name: "things", Description: "x"}}, `"things" is not <resource>:<action>`},
		{[]auth.PermissionInfo{ok, {Name: "a:b:c", Description: "x"}}, `"a:b:c" is not <resource>:<action>`},
		{[]auth.PermissionInfo{ok, {Name: "things:write"}}, "things:write has no description"},
		{[]auth.PermissionInfo{ok, ok}, "things:read is declared twice"},
		{[]auth.PermissionInfo{ok, {Name: "log:read", Description: "x", OwnerOnly: true, Roles: []auth.Role{auth.Analyst}}}, "log:read is owner-only"},
		{[]auth.PermissionInfo{ok, {Name: "things:write", Description: "x", Roles: []auth.Role{auth.Admin}}}, `names "admin"`},
		{[]auth.PermissionInfo{ok, {Name: "things:write", Description: "x", Roles: []auth.Role{"wizard"}}}, `names "wizard"`},
	} {
		cfg := accesssvc.DefaultConfig()
		cfg.Permissions = tc.decls
		_, err := accesssvc.New(nil, cfg, slog.New(slog.DiscardHandler), time.Now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.decls, err, tc.want)
		}
	}
	cfg := accesssvc.DefaultConfig()
	cfg.Permissions = []auth.PermissionInfo{ok}
	if _, err := accesssvc.New(nil, cfg, slog.New(slog.DiscardHandler), time.Now); err != nil {
		t.Fatal(err)
	}
}
