package accesstest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// TestService runs the contract suite against the implementations
// newHarness makes (a fresh one for each test).
func TestService(t *testing.T, newHarness func(t *testing.T) Harness) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"Permissions", testPermissions},
		{"Keys", testKeys},
		{"CustomRoles", testCustomRoles},
		{"PublishableKeys", testPublishableKeys},
		{"Staff", testStaff},
		{"AuditLog", testAuditLog},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

// MustKey creates a key with role as the owner and returns its secret, or
// fails tb.
func MustKey(tb testing.TB, h Harness, role auth.Role) string {
	tb.Helper()
	k, err := h.As(OwnerKey).CreateKey(context.Background(), access.CreateKeyCommand{Role: role})
	if err != nil {
		tb.Fatalf("create a key with role %s: %s", role, errstest.Describe(err))
	}
	return k.Secret
}

// principal authenticates secret or fails tb.
func principal(tb testing.TB, h Harness, secret string) auth.Principal {
	tb.Helper()
	p, err := h.Credentials.Authenticate(context.Background(), secret)
	if err != nil {
		tb.Fatalf("authenticate: %s", errstest.Describe(err))
	}
	return p
}

func testPermissions(t *testing.T, h Harness) {
	ps, err := h.As(OwnerKey).Permissions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []auth.Permission
	for _, p := range ps {
		if p.Description == "" {
			t.Errorf("%s has no description", p.Name)
		}
		names = append(names, p.Name)
	}
	var want []auth.Permission
	for _, d := range Permissions() {
		want = append(want, d.Name)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("permissions %v, want %v", names, want)
	}
	// Built-in roles hold what the declarations give them.
	owner := h.As(OwnerKey)
	for role, want := range map[auth.Role][]auth.Permission{
		auth.Analyst:        {OrdersRead, ProductsRead},
		auth.CatalogManager: {InventoryWrite, OrdersRead, PricingWrite, ProductsRead, ProductsWrite, SearchWrite},
		auth.Support:        {OrdersRead, OrdersWrite, ProductsRead},
	} {
		r, err := owner.GetRole(t.Context(), role)
		if err != nil || !r.BuiltIn || !slices.Equal(r.Permissions, want) {
			t.Errorf("%s: %+v %s, want %v", role, r, errstest.Describe(err), want)
		}
	}
	admin, err := owner.GetRole(t.Context(), auth.Admin)
	if err != nil || slices.Contains(admin.Permissions, "audit:read") || len(admin.Permissions) != len(want)-1 {
		t.Errorf("admin: %+v %s", admin, errstest.Describe(err))
	}
}

func testKeys(t *testing.T, h Harness) {
	ctx := t.Context()
	if p := principal(t, h, OwnerKey); p.Role != auth.Owner || p.KeyID != access.OwnerKeyID || !p.Can("audit:read") {
		t.Fatalf("owner key: %+v", p)
	}
	owner := h.As(OwnerKey)
	adminSecret, ownerSecret := MustKey(t, h, auth.Admin), MustKey(t, h, auth.Owner)
	admin := h.As(adminSecret)
	if p := principal(t, h, adminSecret); p.Role != auth.Admin || !p.Can(ProductsWrite) || p.Can("audit:read") {
		t.Fatalf("admin key: %+v", p)
	}
	for _, bad := range []string{"", "sk_wrong", adminSecret + "x", strings.Repeat("a", 500)} {
		if _, err := h.Credentials.Authenticate(ctx, bad); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("%.20q authenticated: %s", bad, errstest.Describe(err))
		}
	}

	_, err := admin.CreateKey(ctx, access.CreateKeyCommand{Role: auth.Owner})
	errstest.Want(t, err, errs.Forbidden, "forbidden")
	key, err := admin.CreateKey(ctx, access.CreateKeyCommand{Role: auth.Analyst, Name: "reports"})
	if err != nil || !strings.HasPrefix(key.Secret, "sk_") || len(key.Secret) < 40 || key.Role != auth.Analyst || key.Name != "reports" || !strings.HasPrefix(key.ID, "key_") {
		t.Fatalf("%+v %s", key, errstest.Describe(err))
	}
	_, err = owner.CreateKey(ctx, access.CreateKeyCommand{Role: "nope"})
	errstest.WantInvalid(t, err, "role")
	got, err := owner.GetKey(ctx, key.ID)
	if err != nil || got.Secret != "" || got.ID != key.ID || got.LastUsedAt != nil {
		t.Fatalf("get: %+v %s", got, errstest.Describe(err))
	}
	if p := principal(t, h, key.Secret); p.KeyID != key.ID || p.Role != auth.Analyst || !p.Can(ProductsRead) || p.Can(ProductsWrite) {
		t.Fatalf("analyst key: %+v", p)
	}
	if got, _ := owner.GetKey(ctx, key.ID); got.LastUsedAt == nil {
		t.Error("a use not yet written is not shown")
	}

	// Newest first, in pages, never with secrets.
	var ids []string
	cursor := ""
	for {
		page, err := owner.ListKeys(ctx, access.KeyQuery{Limit: 2, Cursor: cursor})
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
	_, err = owner.ListKeys(ctx, access.KeyQuery{Cursor: "bogus!"})
	errstest.Want(t, err, errs.Invalid, "")

	// Revoking: an admin may not revoke an owner key; a revoked key is 401.
	ownerKeyID := principal(t, h, ownerSecret).KeyID
	errstest.Want(t, admin.RevokeKey(ctx, ownerKeyID, nil), errs.Forbidden, "forbidden")
	if err := admin.RevokeKey(ctx, key.ID, nil); err != nil {
		t.Fatalf("revoke: %s", errstest.Describe(err))
	}
	if err := admin.RevokeKey(ctx, key.ID, nil); err != nil {
		t.Fatalf("revoking twice: %s", errstest.Describe(err))
	}
	if got, err := owner.GetKey(ctx, key.ID); err != nil || got.RevokedAt == nil {
		t.Fatalf("revoked key: %+v %s", got, errstest.Describe(err))
	}
	if _, err := h.Credentials.Authenticate(ctx, key.Secret); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a revoked key authenticated: %s", errstest.Describe(err))
	}
	_, err = h.As(key.Secret).ListKeys(ctx, access.KeyQuery{})
	errstest.Want(t, err, errs.Unauthorized, "unauthorized")
	if page, _ := owner.ListKeys(ctx, access.KeyQuery{Revoked: true}); len(page.Data) != 1 || page.Data[0].ID != key.ID {
		t.Fatalf("revoked list: %+v", page)
	}
	for _, bad := range []string{"key_nope", "owner", ""} {
		errstest.Want(t, owner.RevokeKey(ctx, bad, nil), errs.NotFound, "not_found")
		_, err := owner.GetKey(ctx, bad)
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
}

func testCustomRoles(t *testing.T, h Harness) {
	ctx := t.Context()
	owner := h.As(OwnerKey)
	admin, catalog := h.As(MustKey(t, h, auth.Admin)), h.As(MustKey(t, h, auth.CatalogManager))

	for _, bad := range []access.CreateRoleCommand{
		{Name: "X", Permissions: []auth.Permission{ProductsRead}},
		{Name: "a", Permissions: []auth.Permission{ProductsRead}},
		{Name: "ok_name", Permissions: []auth.Permission{}},
		{Name: "ok_name", Permissions: []auth.Permission{"products:fly"}},
		{Name: "ok_name", Permissions: []auth.Permission{"audit:read"}},
	} {
		if _, err := owner.CreateRole(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v accepted: %s", bad, errstest.Describe(err))
		}
	}
	_, err := owner.CreateRole(ctx, access.CreateRoleCommand{Name: "admin", Permissions: []auth.Permission{ProductsRead}})
	errstest.Want(t, err, errs.Conflict, access.CodeRoleExists)
	_, err = catalog.CreateRole(ctx, access.CreateRoleCommand{Name: "refunder", Permissions: []auth.Permission{OrdersRefund}})
	errstest.Want(t, err, errs.Forbidden, "forbidden")
	r, err := admin.CreateRole(ctx, access.CreateRoleCommand{Name: "merchandiser", Description: "prices and search",
		Permissions: []auth.Permission{SearchWrite, PricingWrite, PricingWrite, ProductsRead}})
	if err != nil || r.Version != 1 || r.BuiltIn || !slices.Equal(r.Permissions, []auth.Permission{PricingWrite, ProductsRead, SearchWrite}) {
		t.Fatalf("create: %+v %s", r, errstest.Describe(err))
	}
	_, err = owner.CreateRole(ctx, access.CreateRoleCommand{Name: "merchandiser", Permissions: []auth.Permission{ProductsRead}})
	errstest.Want(t, err, errs.Conflict, access.CodeRoleExists)

	// A key with the role has its permissions, changed on the next request.
	key, err := admin.CreateKey(ctx, access.CreateKeyCommand{Role: "merchandiser"})
	if err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if p := principal(t, h, key.Secret); !p.Can(PricingWrite) || p.Can(ProductsWrite) || p.Role != "merchandiser" {
		t.Fatalf("key of a custom role: %+v", p)
	}
	perms := []auth.Permission{ProductsWrite}
	_, err = owner.UpdateRole(ctx, access.UpdateRoleCommand{Name: "merchandiser", Permissions: &perms, Version: 7})
	errstest.Want(t, err, errs.Conflict, access.CodeVersion)
	refunds := []auth.Permission{OrdersRefund}
	_, err = catalog.UpdateRole(ctx, access.UpdateRoleCommand{Name: "merchandiser", Permissions: &refunds})
	errstest.Want(t, err, errs.Forbidden, "forbidden")
	desc := "products only"
	r, err = owner.UpdateRole(ctx, access.UpdateRoleCommand{Name: "merchandiser", Permissions: &perms, Description: &desc, Version: 1})
	if err != nil || r.Version != 2 || r.Description != desc || !slices.Equal(r.Permissions, perms) || r.UpdatedAt == nil {
		t.Fatalf("update: %+v %s", r, errstest.Describe(err))
	}
	if p := principal(t, h, key.Secret); p.Can(PricingWrite) || !p.Can(ProductsWrite) {
		t.Fatalf("the key kept the old permissions: %+v", p)
	}

	// Built-in roles are read-only.
	_, err = owner.UpdateRole(ctx, access.UpdateRoleCommand{Name: auth.Analyst, Permissions: &perms})
	errstest.Want(t, err, errs.Conflict, access.CodeBuiltInRole)
	errstest.Want(t, owner.DeleteRole(ctx, auth.Owner, nil), errs.Conflict, access.CodeBuiltInRole)

	// The list has built-in and custom roles by name, in pages.
	var names []auth.Role
	cursor := ""
	for {
		page, err := owner.ListRoles(ctx, access.RoleQuery{Limit: 3, Cursor: cursor})
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
	want := []auth.Role{auth.Admin, auth.Analyst, auth.CatalogManager, "merchandiser", auth.OrderManager, auth.Owner, auth.Support}
	if !slices.Equal(names, want) {
		t.Fatalf("roles %v, want %v", names, want)
	}
	_, err = owner.ListRoles(ctx, access.RoleQuery{Cursor: "!!"})
	errstest.Want(t, err, errs.Invalid, "")
	if r, err := owner.GetRole(ctx, auth.Analyst); err != nil || !r.BuiltIn || r.Description == "" {
		t.Fatalf("built-in: %+v %s", r, errstest.Describe(err))
	}

	// A role in use cannot be deleted.
	errstest.Want(t, owner.DeleteRole(ctx, "merchandiser", nil), errs.Conflict, access.CodeRoleInUse)
	if err := owner.RevokeKey(ctx, key.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := owner.DeleteRole(ctx, "merchandiser", nil); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	_, err = owner.GetRole(ctx, "merchandiser")
	errstest.Want(t, err, errs.NotFound, "not_found")
	errstest.Want(t, owner.DeleteRole(ctx, "merchandiser", nil), errs.NotFound, "not_found")
	// A key whose role is gone can do nothing.
	if _, err := owner.CreateRole(ctx, access.CreateRoleCommand{Name: "stocker", Permissions: []auth.Permission{InventoryWrite}}); err != nil {
		t.Fatal(err)
	}
	stocker, err := owner.CreateKey(ctx, access.CreateKeyCommand{Role: "stocker"})
	if err != nil {
		t.Fatal(err)
	}
	if p := principal(t, h, stocker.Secret); !p.Can(InventoryWrite) {
		t.Fatalf("stocker: %+v", p)
	}
}

func testPublishableKeys(t *testing.T, h Harness) {
	ctx := t.Context()
	owner := h.As(OwnerKey)
	for _, bad := range []string{"", "Wholesale", "a b", "-x", strings.Repeat("a", 65)} {
		_, err := owner.CreatePublishableKey(ctx, access.CreatePublishableKeyCommand{Channel: bad})
		errstest.WantInvalid(t, err, "channel")
	}
	pk, err := owner.CreatePublishableKey(ctx, access.CreatePublishableKeyCommand{Channel: "wholesale", Name: "B2B shop"})
	if err != nil || !strings.HasPrefix(pk.Key, "pk_") || !strings.HasPrefix(pk.ID, "pkey_") || pk.Channel != "wholesale" {
		t.Fatalf("%+v %s", pk, errstest.Describe(err))
	}
	if ch, err := h.Credentials.Channel(ctx, pk.Key); err != nil || ch != "wholesale" {
		t.Fatalf("channel %q %s", ch, errstest.Describe(err))
	}
	for _, bad := range []string{"pk_nope", "sk_" + pk.Key[3:], "", "x"} {
		if _, err := h.Credentials.Channel(ctx, bad); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("%q: %s", bad, errstest.Describe(err))
		}
	}
	if page, err := owner.ListPublishableKeys(ctx, access.PublishableKeyQuery{}); err != nil || len(page.Data) != 1 || page.Data[0].Key != pk.Key {
		t.Fatalf("list %+v %s", page, errstest.Describe(err))
	}
	if got, err := owner.GetPublishableKey(ctx, pk.ID); err != nil || got.Key != pk.Key || got.RevokedAt != nil {
		t.Fatalf("get %+v %s", got, errstest.Describe(err))
	}
	if err := owner.RevokePublishableKey(ctx, pk.ID); err != nil {
		t.Fatal(err)
	}
	if err := owner.RevokePublishableKey(ctx, pk.ID); err != nil {
		t.Fatalf("revoking twice: %s", errstest.Describe(err))
	}
	if _, err := h.Credentials.Channel(ctx, pk.Key); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a revoked key still selects its channel: %s", errstest.Describe(err))
	}
	if page, _ := owner.ListPublishableKeys(ctx, access.PublishableKeyQuery{}); len(page.Data) != 0 {
		t.Fatalf("revoked key listed as live: %+v", page)
	}
	if page, _ := owner.ListPublishableKeys(ctx, access.PublishableKeyQuery{Revoked: true}); len(page.Data) != 1 || page.Data[0].RevokedAt == nil {
		t.Fatalf("revoked keys: %+v", page)
	}
	errstest.Want(t, owner.RevokePublishableKey(ctx, "pkey_nope"), errs.NotFound, "not_found")
	_, err = owner.GetPublishableKey(ctx, "")
	errstest.Want(t, err, errs.NotFound, "not_found")
}

func testStaff(t *testing.T, h Harness) {
	ctx := t.Context()
	owner := h.As(OwnerKey)
	adminSecret := MustKey(t, h, auth.Admin)
	admin := h.As(adminSecret)

	for _, bad := range []access.CreateStaffCommand{
		{Email: "nope", Role: auth.Support, Password: "long enough"},
		{Email: "a@b.example", Role: auth.Support, Password: "short"},
		{Email: "a@b.example", Role: "wizard", Password: "long enough"},
	} {
		if _, err := owner.CreateStaff(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v accepted: %s", bad, errstest.Describe(err))
		}
	}
	_, err := admin.CreateStaff(ctx, access.CreateStaffCommand{Email: "boss@shop.example", Role: auth.Owner, Password: "long enough"})
	errstest.Want(t, err, errs.Forbidden, "forbidden")
	s, err := admin.CreateStaff(ctx, access.CreateStaffCommand{Email: " Ada@Shop.example ", Name: "Ada", Role: auth.Support, Password: "correct horse"})
	if err != nil || s.Email != "ada@shop.example" || s.Role != auth.Support || s.Version != 1 || !strings.HasPrefix(s.ID, "stf_") {
		t.Fatalf("create: %+v %s", s, errstest.Describe(err))
	}
	_, err = admin.CreateStaff(ctx, access.CreateStaffCommand{Email: "ada@shop.example", Role: auth.Support, Password: "correct horse"})
	errstest.Want(t, err, errs.Conflict, access.CodeEmailTaken)

	for _, bad := range []access.LoginCommand{{Email: "ada@shop.example", Password: "wrong horse"}, {Email: "bob@shop.example", Password: "correct horse"}, {}} {
		_, err := owner.Login(ctx, bad)
		errstest.Want(t, err, errs.Unauthorized, "unauthorized")
	}
	sess, err := owner.Login(ctx, access.LoginCommand{Email: "ADA@shop.example", Password: "correct horse"})
	if err != nil || !strings.HasPrefix(sess.Token, access.StaffSessionPrefix+"_") || sess.Staff.ID != s.ID || !sess.ExpiresAt.After(h.Clock.Now()) {
		t.Fatalf("login: %+v %s", sess, errstest.Describe(err))
	}
	p := principal(t, h, sess.Token)
	if p.KeyID != s.ID || p.Role != auth.Support || !p.Can(OrdersWrite) || p.Can(OrdersRefund) || p.Session != sess.Token {
		t.Fatalf("session principal: %+v", p)
	}

	// A role change applies at once; a new password ends the sessions.
	om := auth.OrderManager
	if _, err := admin.UpdateStaff(ctx, access.UpdateStaffCommand{ID: s.ID, Role: &om}); err != nil {
		t.Fatal(err)
	}
	if p := principal(t, h, sess.Token); !p.Can(OrdersRefund) {
		t.Fatalf("the session kept the old role: %+v", p)
	}
	pw := "battery staple"
	_, err = admin.UpdateStaff(ctx, access.UpdateStaffCommand{ID: s.ID, Password: &pw, Version: 99})
	errstest.Want(t, err, errs.Conflict, access.CodeVersion)
	got, err := admin.UpdateStaff(ctx, access.UpdateStaffCommand{ID: s.ID, Password: &pw})
	if err != nil || got.Version != 3 || got.Role != auth.OrderManager {
		t.Fatalf("update: %+v %s", got, errstest.Describe(err))
	}
	if _, err := h.Credentials.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a session outlived a password change: %s", errstest.Describe(err))
	}
	sess, err = owner.Login(ctx, access.LoginCommand{Email: "ada@shop.example", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Logout(ctx, sess.Token); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if _, err := h.Credentials.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a session outlived its logout: %s", errstest.Describe(err))
	}
	errstest.Want(t, owner.Logout(ctx, adminSecret), errs.Invalid, access.CodeNotASession)

	// Disabled: no login, no session; the account stays.
	sess, _ = owner.Login(ctx, access.LoginCommand{Email: "ada@shop.example", Password: pw})
	if err := admin.DisableStaff(ctx, s.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Credentials.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a disabled account's session works: %s", errstest.Describe(err))
	}
	_, err = owner.Login(ctx, access.LoginCommand{Email: "ada@shop.example", Password: pw})
	errstest.Want(t, err, errs.Unauthorized, "unauthorized")
	if got, err := owner.GetStaff(ctx, s.ID); err != nil || got.DisabledAt == nil {
		t.Fatalf("disabled account: %+v %s", got, errstest.Describe(err))
	}
	if page, err := owner.ListStaff(ctx, access.StaffQuery{}); err != nil || len(page.Data) != 1 || page.Data[0].ID != s.ID {
		t.Fatalf("list: %+v %s", page, errstest.Describe(err))
	}
	_, err = owner.GetStaff(ctx, "stf_nope")
	errstest.Want(t, err, errs.NotFound, "not_found")

	// An expired session is refused.
	enabled := false
	if _, err := owner.UpdateStaff(ctx, access.UpdateStaffCommand{ID: s.ID, Disabled: &enabled}); err != nil {
		t.Fatal(err)
	}
	sess, err = owner.Login(ctx, access.LoginCommand{Email: "ada@shop.example", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	principal(t, h, sess.Token)
	h.Clock.Advance(access.StaffSessionTTL + time.Minute)
	if _, err := h.Credentials.Authenticate(ctx, sess.Token); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("an expired session works: %s", errstest.Describe(err))
	}
}

func jsonOf(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func testAuditLog(t *testing.T, h Harness) {
	ctx := t.Context()
	owner := h.As(OwnerKey)
	var ids []string
	for i, e := range []access.Entry{
		{Actor: "key_a", ActorRole: "admin", Method: "POST", Route: "POST /admin/products", Path: "/admin/products", ResourceType: "products", ResourceID: "prod_1", Status: 201, After: json.RawMessage(`{"id":"prod_1"}`)},
		{Actor: "key_b", ActorRole: "catalog_manager", Method: "PATCH", Route: "PATCH /admin/products/{id}", Path: "/admin/products/prod_1", ResourceType: "products", ResourceID: "prod_1", Status: 200, Before: json.RawMessage(`{"id":"prod_1","title":"a"}`), After: json.RawMessage(`{"id":"prod_1","title":"b"}`)},
		{Actor: "key_a", ActorRole: "admin", Method: "DELETE", Route: "DELETE /admin/tax/regions/{id}", Path: "/admin/tax/regions/txr_1", ResourceType: "tax/regions", ResourceID: "txr_1", Status: 204},
	} {
		e.ClientAddr, e.RequestID = "192.0.2.1", "req-"+string(rune('a'+i))
		got, err := h.Record(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.ID, "aud_") || got.At.IsZero() {
			t.Fatalf("recorded: %+v", got)
		}
		ids = append(ids, got.ID)
	}
	page, err := owner.ListAudit(ctx, access.AuditQuery{})
	if err != nil || len(page.Data) != 3 || page.Data[0].ID != ids[2] || page.NextCursor != nil {
		t.Fatalf("list: %+v %s", page, errstest.Describe(err))
	}
	if e := page.Data[1]; jsonOf(e.Before) != `{"id":"prod_1","title":"a"}` || e.ClientAddr != "192.0.2.1" || e.At.IsZero() || e.Status != 200 {
		t.Fatalf("entry: %+v", e)
	}
	if page.Data[0].Before != nil || page.Data[0].After != nil {
		t.Fatalf("absent documents are not null: %+v", page.Data[0])
	}
	for _, tc := range []struct {
		q    access.AuditQuery
		want []string
	}{
		{access.AuditQuery{Actor: "key_a"}, []string{ids[2], ids[0]}},
		{access.AuditQuery{ResourceID: "prod_1"}, []string{ids[1], ids[0]}},
		{access.AuditQuery{ResourceType: "tax/regions"}, []string{ids[2]}},
		{access.AuditQuery{Actor: "key_b", ResourceID: "txr_1"}, nil},
	} {
		page, err := owner.ListAudit(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Data {
			got = append(got, e.ID)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
		}
	}
	// Pages of one.
	var walked []string
	cursor := ""
	for {
		page, err := owner.ListAudit(ctx, access.AuditQuery{Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Data {
			walked = append(walked, e.ID)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if strings.Join(walked, ",") != strings.Join([]string{ids[2], ids[1], ids[0]}, ",") {
		t.Fatalf("pages: %v", walked)
	}
	_, err = owner.ListAudit(ctx, access.AuditQuery{Cursor: "nope"})
	errstest.Want(t, err, errs.Invalid, "")
	if e, err := owner.GetAuditEntry(ctx, ids[1]); err != nil || e.Actor != "key_b" || jsonOf(e.After) != `{"id":"prod_1","title":"b"}` {
		t.Fatalf("get: %+v %s", e, errstest.Describe(err))
	}
	_, err = owner.GetAuditEntry(ctx, "aud_nope")
	errstest.Want(t, err, errs.NotFound, "not_found")
}
