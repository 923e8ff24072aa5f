package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// eachDB runs fn on a fresh migrated key store on SQLite, and on
// PostgreSQL when AGORA_TEST_POSTGRES_URL is set.
func eachDB(t *testing.T, owner string, fn func(t *testing.T, k *Keys)) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			fn(t, mustKeys(t, d.Open(t), owner))
		})
	}
}

func mustKeys(t *testing.T, db *sqldb.DB, owner string) *Keys {
	t.Helper()
	if err := db.Migrate(context.Background(), "platform_auth", Migrations()); err != nil {
		t.Fatal(err)
	}
	return NewKeys(db, owner, time.Now)
}

func principal(t *testing.T, k *Keys, secret string) *Principal {
	t.Helper()
	p, err := k.Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestBuiltinRoles(t *testing.T) {
	for _, r := range Roles() {
		ps := BuiltinPermissions(r)
		if len(ps) == 0 {
			t.Errorf("%s has no permissions", r)
		}
		for _, p := range ps {
			if !Known(p) {
				t.Errorf("%s holds unknown permission %s", r, p)
			}
			if OwnerOnly(p) && r != Owner {
				t.Errorf("%s holds owner-only %s", r, p)
			}
		}
	}
	if got, want := len(BuiltinPermissions(Owner)), len(Permissions()); got != want {
		t.Errorf("owner holds %d of %d permissions", got, want)
	}
	for _, p := range BuiltinPermissions(Analyst) {
		if !ReadOnly(p) {
			t.Errorf("analyst may %s", p)
		}
	}
	if slices.Contains(BuiltinPermissions(Admin), AuditRead) {
		t.Error("admin reads the audit log")
	}
	if slices.Contains(BuiltinPermissions(Support), OrdersRefund) || !slices.Contains(BuiltinPermissions(OrderManager), OrdersRefund) {
		t.Error("refunds belong to order managers, not support")
	}
	for _, p := range Permissions() {
		name, action, ok := strings.Cut(string(p), ":")
		if !ok || name == "" || action == "" || Describe(p) == "" {
			t.Errorf("permission %q is not resource:action with a description", p)
		}
	}
}

func TestKeys(t *testing.T) {
	owner := strings.Repeat("o", 40)
	eachDB(t, owner, func(t *testing.T, k *Keys) {
		ctx := context.Background()
		if p, err := k.Authenticate(ctx, owner); err != nil || p.Role != Owner || !p.Can(AuditRead) {
			t.Fatalf("owner key: %v %v", p, err)
		}
		_, secret, err := k.Create(ctx, CatalogManager, "importer")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "sk_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		p, err := k.Authenticate(ctx, secret)
		if err != nil || p.Role != CatalogManager || !p.Can(ProductsWrite) || p.Can(OrdersRefund) {
			t.Fatalf("created key: %+v %v", p, err)
		}
		var stored int
		if err := k.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE hash = ? OR name = ?`, secret, secret).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("the secret is stored in the clear (%d, %v)", stored, err)
		}
		for _, bad := range []string{"", "sk_wrong", secret + "x", strings.Repeat("a", 500)} {
			if _, err := k.Authenticate(ctx, bad); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("%.20q authenticated: %v", bad, err)
			}
		}
		if _, _, err := k.Create(ctx, "wizard", ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown role accepted: %v", err)
		}
		if err := k.FlushLastUsed(ctx); err != nil {
			t.Fatal(err)
		}
		var used int
		if err := k.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE last_used_at IS NOT NULL`).Scan(&used); err != nil || used != 1 {
			t.Fatalf("last use not recorded: %d %v", used, err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	eachDB(t, "", func(t *testing.T, k *Keys) {
		ctx := context.Background()
		_, adminSecret, _ := k.Create(ctx, Admin, "admin")
		_, ownerSecret, _ := k.Create(ctx, Owner, "owner")
		admin, owner := principal(t, k, adminSecret), principal(t, k, ownerSecret)

		if _, err := k.CreateKey(ctx, CreateKeyCommand{Role: Owner, By: admin}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an admin made an owner key: %v", err)
		}
		key, err := k.CreateKey(ctx, CreateKeyCommand{Role: Analyst, Name: "reports", By: admin})
		if err != nil || key.Secret == "" || key.Role != Analyst || key.Name != "reports" {
			t.Fatalf("%+v %v", key, err)
		}
		if _, err := k.CreateKey(ctx, CreateKeyCommand{Role: "nope", By: owner}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown role: %v", err)
		}
		got, err := k.GetKey(ctx, key.ID)
		if err != nil || got.Secret != "" || got.ID != key.ID || got.LastUsedAt != nil {
			t.Fatalf("get: %+v %v", got, err)
		}
		principal(t, k, key.Secret)
		if got, _ := k.GetKey(ctx, key.ID); got.LastUsedAt == nil {
			t.Error("a use not yet written is not shown")
		}

		// Newest first, in pages, never with secrets.
		var ids []string
		cursor := ""
		for {
			page, err := k.ListKeys(ctx, KeyQuery{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page.Data {
				if x.Secret != "" {
					t.Fatal("a list shows a secret")
				}
				ids = append(ids, x.ID)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if len(ids) != 3 || ids[0] != key.ID || !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Fatalf("list: %v", ids)
		}
		if _, err := k.ListKeys(ctx, KeyQuery{Cursor: "bogus!"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}

		// Revoking: an admin may not revoke an owner key; a revoked key is 401.
		ownerKeyID := owner.KeyID
		if _, err := k.RevokeKey(ctx, ownerKeyID, admin); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an admin revoked an owner key: %v", err)
		}
		revoked, err := k.RevokeKey(ctx, key.ID, admin)
		if err != nil || revoked.RevokedAt == nil {
			t.Fatalf("revoke: %+v %v", revoked, err)
		}
		if _, err := k.RevokeKey(ctx, key.ID, admin); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if _, err := k.Authenticate(ctx, key.Secret); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a revoked key authenticated: %v", err)
		}
		if page, _ := k.ListKeys(ctx, KeyQuery{Revoked: true}); len(page.Data) != 1 || page.Data[0].ID != key.ID {
			t.Fatalf("revoked list: %+v", page)
		}
		for _, bad := range []string{"key_nope", "owner", ""} {
			if _, err := k.RevokeKey(ctx, bad, owner); !errs.Is(err, errs.NotFound) {
				t.Errorf("revoke %q: %v", bad, err)
			}
		}
	})
}

func TestCustomRoles(t *testing.T) {
	eachDB(t, "", func(t *testing.T, k *Keys) {
		ctx := context.Background()
		_, ownerSecret, _ := k.Create(ctx, Owner, "")
		_, catalogSecret, _ := k.Create(ctx, CatalogManager, "")
		owner, catalog := principal(t, k, ownerSecret), principal(t, k, catalogSecret)

		for _, bad := range []CreateRoleCommand{
			{Name: "X", Permissions: []Permission{ProductsRead}},
			{Name: "a", Permissions: []Permission{ProductsRead}},
			{Name: "ok_name", Permissions: nil},
			{Name: "ok_name", Permissions: []Permission{"products:fly"}},
			{Name: "ok_name", Permissions: []Permission{AuditRead}},
		} {
			if _, err := k.CreateRole(ctx, CreateRoleCommand{Name: bad.Name, Permissions: bad.Permissions, By: owner}); !errs.Is(err, errs.Invalid) {
				t.Errorf("%+v accepted: %v", bad, err)
			}
		}
		if _, err := k.CreateRole(ctx, CreateRoleCommand{Name: "admin", Permissions: []Permission{ProductsRead}, By: owner}); !errs.HasCode(err, "role_exists") {
			t.Errorf("built-in name: %v", err)
		}
		if _, err := k.CreateRole(ctx, CreateRoleCommand{Name: "refunder", Permissions: []Permission{OrdersRefund}, By: catalog}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a catalog manager granted refunds: %v", err)
		}
		r, err := k.CreateRole(ctx, CreateRoleCommand{Name: "merchandiser", Description: "prices and search",
			Permissions: []Permission{SearchWrite, PricingWrite, PricingWrite, ProductsRead}, By: catalog})
		if err != nil || r.Version != 1 || r.BuiltIn || !slices.Equal(r.Permissions, []Permission{PricingWrite, ProductsRead, SearchWrite}) {
			t.Fatalf("create: %+v %v", r, err)
		}
		if _, err := k.CreateRole(ctx, CreateRoleCommand{Name: "merchandiser", Permissions: []Permission{ProductsRead}, By: owner}); !errs.HasCode(err, "role_exists") {
			t.Errorf("taken name: %v", err)
		}

		// A key with the role has its permissions, changed on the next request.
		key, err := k.CreateKey(ctx, CreateKeyCommand{Role: "merchandiser", By: catalog})
		if err != nil {
			t.Fatal(err)
		}
		if p := principal(t, k, key.Secret); !p.Can(PricingWrite) || p.Can(ProductsWrite) {
			t.Fatalf("key of a custom role: %+v", p)
		}
		perms := []Permission{ProductsWrite}
		if _, err := k.UpdateRole(ctx, UpdateRoleCommand{Name: "merchandiser", Permissions: &perms, Version: 7, By: owner}); !errs.HasCode(err, "version_conflict") {
			t.Errorf("stale version: %v", err)
		}
		refunds := []Permission{OrdersRefund}
		if _, err := k.UpdateRole(ctx, UpdateRoleCommand{Name: "merchandiser", Permissions: &refunds, By: catalog}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a catalog manager granted refunds by an update: %v", err)
		}
		desc := "products only"
		r, err = k.UpdateRole(ctx, UpdateRoleCommand{Name: "merchandiser", Permissions: &perms, Description: &desc, Version: 1, By: owner})
		if err != nil || r.Version != 2 || r.Description != desc || !slices.Equal(r.Permissions, perms) {
			t.Fatalf("update: %+v %v", r, err)
		}
		if p := principal(t, k, key.Secret); p.Can(PricingWrite) || !p.Can(ProductsWrite) {
			t.Fatalf("the key kept the old permissions: %+v", p)
		}

		// Built-in roles are read-only.
		if _, err := k.UpdateRole(ctx, UpdateRoleCommand{Name: Analyst, Permissions: &perms, By: owner}); !errs.HasCode(err, "built_in_role") {
			t.Errorf("changed a built-in role: %v", err)
		}
		if err := k.DeleteRole(ctx, Owner, owner); !errs.HasCode(err, "built_in_role") {
			t.Errorf("deleted a built-in role: %v", err)
		}

		// The list has built-in and custom roles by name, in pages.
		var names []Role
		cursor := ""
		for {
			page, err := k.ListRoles(ctx, RoleQuery{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page.Data {
				names = append(names, x.Name)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		want := []Role{Admin, Analyst, CatalogManager, "merchandiser", OrderManager, Owner, Support}
		if !slices.Equal(names, want) {
			t.Fatalf("roles %v, want %v", names, want)
		}
		if r, err := k.GetRole(ctx, Analyst); err != nil || !r.BuiltIn {
			t.Fatalf("built-in: %+v %v", r, err)
		}

		// A role in use cannot be deleted.
		if err := k.DeleteRole(ctx, "merchandiser", owner); !errs.HasCode(err, "role_in_use") {
			t.Fatalf("deleted a role in use: %v", err)
		}
		if _, err := k.RevokeKey(ctx, key.ID, owner); err != nil {
			t.Fatal(err)
		}
		if err := k.DeleteRole(ctx, "merchandiser", owner); err != nil {
			t.Fatal(err)
		}
		if _, err := k.GetRole(ctx, "merchandiser"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted role: %v", err)
		}
		if err := k.DeleteRole(ctx, "merchandiser", owner); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

func TestPublishableKeys(t *testing.T) {
	eachDB(t, "", func(t *testing.T, k *Keys) {
		ctx := context.Background()
		for _, bad := range []string{"", "Wholesale", "a b", "-x", strings.Repeat("a", 65)} {
			if _, err := k.CreatePublishableKey(ctx, CreatePublishableKeyCommand{Channel: bad}); !errs.Is(err, errs.Invalid) {
				t.Errorf("channel %q accepted: %v", bad, err)
			}
		}
		pk, err := k.CreatePublishableKey(ctx, CreatePublishableKeyCommand{Channel: "wholesale", Name: "B2B shop"})
		if err != nil || !strings.HasPrefix(pk.Key, "pk_") {
			t.Fatalf("%+v %v", pk, err)
		}
		if ch, err := k.Channel(ctx, pk.Key); err != nil || ch != "wholesale" {
			t.Fatalf("channel %q %v", ch, err)
		}
		for _, bad := range []string{"pk_nope", "sk_" + pk.Key[3:], "", "x"} {
			if _, err := k.Channel(ctx, bad); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		if page, err := k.ListPublishableKeys(ctx, PublishableKeyQuery{}); err != nil || len(page.Data) != 1 || page.Data[0].Key != pk.Key {
			t.Fatalf("list %+v %v", page, err)
		}
		if _, err := k.RevokePublishableKey(ctx, pk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Channel(ctx, pk.Key); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a revoked key still selects its channel: %v", err)
		}
		if page, _ := k.ListPublishableKeys(ctx, PublishableKeyQuery{}); len(page.Data) != 0 {
			t.Fatalf("revoked key listed as live: %+v", page)
		}
		if _, err := k.RevokePublishableKey(ctx, "pkey_nope"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}

func TestGuard(t *testing.T) {
	ctx := context.Background()
	k := mustKeys(t, sqldbtest.MustOpenSQLite(t), "")
	_, analyst, _ := k.Create(ctx, Analyst, "")
	_, catalogKey, _ := k.Create(ctx, CatalogManager, "")
	_, ownerKey, _ := k.Create(ctx, Owner, "")
	pk, _ := k.CreatePublishableKey(ctx, CreatePublishableKeyCommand{Channel: "wholesale"})

	mux := http.NewServeMux()
	var seen Route
	var channel string
	ok := func(w http.ResponseWriter, r *http.Request) {
		if _, found := PrincipalOf(r.Context()); !found && strings.HasPrefix(r.URL.Path, "/admin") {
			t.Error("admin request reached the handler without a principal")
		}
		seen, _ = RouteOf(r.Context())
		channel = httpx.SalesChannel(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}
	for _, p := range []string{"GET /admin/products", "POST /admin/products", "POST /admin/orders/{id}/refunds", "POST /admin/undeclared", "GET /store/products"} {
		mux.HandleFunc(p, ok)
	}
	mux.HandleFunc("/", httpx.NotFound)
	g := &Guard{Keys: k, Routes: Routes{
		"GET /admin/products":             ProductsRead,
		"POST /admin/products":            ProductsWrite,
		"POST /admin/orders/{id}/refunds": OrdersRefund,
	}, Pattern: func(r *http.Request) string { _, p := mux.Handler(r); return p }}
	h := g.Middleware(mux)
	for _, tc := range []struct {
		method, path, key, pk string
		status                int
		code                  string
	}{
		{"GET", "/store/products", "", "", http.StatusTeapot, ""},
		{"GET", "/store/products", "", pk.Key, http.StatusTeapot, ""},
		{"GET", "/store/products", "", "pk_unknown", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/products", "", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/products", "sk_nope", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/products", analyst, "", http.StatusTeapot, ""},
		{"POST", "/admin/products", analyst, "", http.StatusForbidden, "forbidden"},
		{"POST", "/admin/products", catalogKey, "", http.StatusTeapot, ""},
		{"POST", "/admin/orders/ord_1/refunds", catalogKey, "", http.StatusForbidden, "forbidden"},
		{"POST", "/admin/orders/ord_1/refunds", ownerKey, "", http.StatusTeapot, ""},
		{"POST", "/admin/undeclared", catalogKey, "", http.StatusForbidden, "forbidden"},
		{"POST", "/admin/undeclared", ownerKey, "", http.StatusTeapot, ""},
		{"GET", "/admin/no-such-thing", "", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/no-such-thing", analyst, "", http.StatusNotFound, "not_found"},
		{"GET", "/administrator", "", "", http.StatusNotFound, "not_found"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		if tc.pk != "" {
			req.Header.Set(PublishableKeyHeader, tc.pk)
		}
		seen, channel = Route{}, "-"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s with %.6s…: %d, want %d: %s", tc.method, tc.path, tc.key, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("%s %s: %s, want code %s", tc.method, tc.path, rec.Body, tc.code)
		}
		if tc.path == "/admin/orders/ord_1/refunds" && rec.Code == http.StatusTeapot && (seen.Pattern != "POST /admin/orders/{id}/refunds" || seen.Permission != OrdersRefund) {
			t.Errorf("route in context: %+v", seen)
		}
		if tc.path == "/store/products" && rec.Code == http.StatusTeapot {
			want := ""
			if tc.pk != "" {
				want = "wholesale"
			}
			if channel != want {
				t.Errorf("channel %q with key %q, want %q", channel, tc.pk, want)
			}
			if !slices.Contains(rec.Header().Values("Vary"), PublishableKeyHeader) {
				t.Error("store answers do not vary by publishable key")
			}
		}
	}
}

func TestStaff(t *testing.T) {
	eachDB(t, "", func(t *testing.T, k *Keys) {
		ctx := context.Background()
		k.SetPasswords(NewPasswords(PasswordParams{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}, 2))
		_, ownerSecret, _ := k.Create(ctx, Owner, "")
		_, adminSecret, _ := k.Create(ctx, Admin, "")
		owner, admin := principal(t, k, ownerSecret), principal(t, k, adminSecret)

		for _, bad := range []CreateStaffCommand{
			{Email: "nope", Role: Support, Password: "long enough"},
			{Email: "a@b.example", Role: Support, Password: "short"},
			{Email: "a@b.example", Role: "wizard", Password: "long enough"},
		} {
			bad.By = owner
			if _, err := k.CreateStaff(ctx, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("%+v accepted: %v", bad, err)
			}
		}
		if _, err := k.CreateStaff(ctx, CreateStaffCommand{Email: "boss@shop.example", Role: Owner, Password: "long enough", By: admin}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an admin made an owner account: %v", err)
		}
		s, err := k.CreateStaff(ctx, CreateStaffCommand{Email: " Ada@Shop.example ", Name: "Ada", Role: Support, Password: "correct horse", By: admin})
		if err != nil || s.Email != "ada@shop.example" || s.Role != Support {
			t.Fatalf("create: %+v %v", s, err)
		}
		if _, err := k.CreateStaff(ctx, CreateStaffCommand{Email: "ada@shop.example", Role: Support, Password: "correct horse", By: admin}); !errs.HasCode(err, "email_taken") {
			t.Fatalf("taken email: %v", err)
		}
		var stored string
		if err := k.db.QueryRowContext(ctx, `SELECT password_hash FROM platform_staff WHERE id = ?`, s.ID).Scan(&stored); err != nil || !strings.HasPrefix(stored, "$argon2id$") {
			t.Fatalf("stored password %q %v", stored, err)
		}

		for _, bad := range []LoginCommand{{"ada@shop.example", "wrong horse"}, {"bob@shop.example", "correct horse"}, {"", ""}} {
			if _, err := k.Login(ctx, bad); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("login %+v: %v", bad, err)
			}
		}
		sess, err := k.Login(ctx, LoginCommand{Email: "ADA@shop.example", Password: "correct horse"})
		if err != nil || !strings.HasPrefix(sess.Token, StaffSessionPrefix+"_") || sess.Staff.ID != s.ID || !sess.ExpiresAt.After(time.Now()) {
			t.Fatalf("login: %+v %v", sess, err)
		}
		p := principal(t, k, sess.Token)
		if p.KeyID != s.ID || p.Role != Support || !p.Can(OrdersWrite) || p.Can(OrdersRefund) || p.Session != sess.Token {
			t.Fatalf("session principal: %+v", p)
		}

		// A role change applies at once; a new password ends the sessions.
		om := OrderManager
		if _, err := k.UpdateStaff(ctx, UpdateStaffCommand{ID: s.ID, Role: &om, By: admin}); err != nil {
			t.Fatal(err)
		}
		if p := principal(t, k, sess.Token); !p.Can(OrdersRefund) {
			t.Fatalf("the session kept the old role: %+v", p)
		}
		pw := "battery staple"
		if _, err := k.UpdateStaff(ctx, UpdateStaffCommand{ID: s.ID, Password: &pw, Version: 99, By: admin}); !errs.HasCode(err, "version_conflict") {
			t.Fatalf("stale version: %v", err)
		}
		if _, err := k.UpdateStaff(ctx, UpdateStaffCommand{ID: s.ID, Password: &pw, By: admin}); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a session outlived a password change: %v", err)
		}
		sess, err = k.Login(ctx, LoginCommand{Email: "ada@shop.example", Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a session outlived its logout: %v", err)
		}
		if err := k.Logout(ctx, adminSecret); !errs.Is(err, errs.Invalid) {
			t.Fatalf("logout with an API key: %v", err)
		}

		// Disabled: no login, no session; the account stays.
		sess, _ = k.Login(ctx, LoginCommand{Email: "ada@shop.example", Password: pw})
		if err := k.DisableStaff(ctx, s.ID, admin); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a disabled account's session works: %v", err)
		}
		if _, err := k.Login(ctx, LoginCommand{Email: "ada@shop.example", Password: pw}); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a disabled account logged in: %v", err)
		}
		if got, err := k.GetStaff(ctx, s.ID); err != nil || got.DisabledAt == nil {
			t.Fatalf("disabled account: %+v %v", got, err)
		}
		if page, err := k.ListStaff(ctx, StaffQuery{}); err != nil || len(page.Data) != 1 {
			t.Fatalf("list: %+v %v", page, err)
		}

		// An expired session is refused.
		enabled := false
		if _, err := k.UpdateStaff(ctx, UpdateStaffCommand{ID: s.ID, Disabled: &enabled, By: owner}); err != nil {
			t.Fatal(err)
		}
		sess, _ = k.Login(ctx, LoginCommand{Email: "ada@shop.example", Password: pw})
		later := NewKeys(k.db, "", func() time.Time { return time.Now().Add(StaffSessionTTL + time.Minute) })
		if _, err := later.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("an expired session works: %v", err)
		}
	})
}
