package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/sqldb"
)

func keys(t *testing.T, owner string) *Keys {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{Path: filepath.Join(t.TempDir(), "platform.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, "platform_auth", Migrations()); err != nil {
		t.Fatal(err)
	}
	return NewKeys(db, owner, time.Now)
}

func TestKeys(t *testing.T) {
	ctx := context.Background()
	owner := strings.Repeat("o", 40)
	k := keys(t, owner)
	if p, err := k.Authenticate(ctx, owner); err != nil || p.Role != Owner {
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
	if err != nil || p.Role != CatalogManager {
		t.Fatalf("created key: %v %v", p, err)
	}
	var stored int
	if err := k.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE hash = ?`, secret).Scan(&stored); err != nil || stored != 0 {
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
}

func TestMiddleware(t *testing.T) {
	ctx := context.Background()
	k := keys(t, "")
	_, analyst, _ := k.Create(ctx, Analyst, "")
	_, catalogKey, _ := k.Create(ctx, CatalogManager, "")
	h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := PrincipalOf(r.Context()); !ok && strings.HasPrefix(r.URL.Path, "/admin/") {
			t.Error("admin request reached the handler without a principal")
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	for _, tc := range []struct {
		method, path, key string
		status            int
	}{
		{"GET", "/store/products", "", http.StatusTeapot},
		{"GET", "/admin/products", "", http.StatusUnauthorized},
		{"GET", "/admin/products", "sk_nope", http.StatusUnauthorized},
		{"GET", "/admin/products", analyst, http.StatusTeapot},
		{"POST", "/admin/products", analyst, http.StatusForbidden},
		{"POST", "/admin/products", catalogKey, http.StatusTeapot},
		{"DELETE", "/admin/orders/ord_1", catalogKey, http.StatusForbidden},
		{"GET", "/administrator", "", http.StatusTeapot},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s with %.6s…: %d, want %d", tc.method, tc.path, tc.key, rec.Code, tc.status)
		}
	}
}
