package accesssql_test

import (
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accesssql"
	"github.com/agoracommerce/agora/access/accesssvc"
	"github.com/agoracommerce/agora/access/accesstest"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func mustStore(tb testing.TB, db *sqldb.DB) *accesssql.Store {
	tb.Helper()
	st := accesssql.New(db)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return st
}

func newService(tb testing.TB, st *accesssql.Store, clock *accesstest.Clock) *accesssvc.Service {
	tb.Helper()
	svc, err := accesssvc.New(st, accesstest.Config(), slog.New(slog.DiscardHandler), clock.Now)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

func TestContract(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			accesstest.TestService(t, func(t *testing.T) accesstest.Harness {
				clock := accesstest.NewClock()
				return accesstest.Local(newService(t, mustStore(t, d.Open(t)), clock), clock)
			})
		})
	}
}

// TestVersionTables: the migrations are versioned under the names they had
// as part of the platform, so that a database made then upgrades in place
// with nothing applied again.
func TestVersionTables(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			db := d.Open(t)
			ctx := t.Context()
			// A database migrated before access was a module.
			if err := db.Migrate(ctx, "platform_auth", accesssql.AuthMigrations()); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx, "platform_audit", accesssql.AuditMigrations()); err != nil {
				t.Fatal(err)
			}
			st := accesssql.New(db)
			for _, name := range []string{"platform_auth", "platform_audit"} {
				var n int
				if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+name+`_schema_migrations`).Scan(&n); err != nil || n == 0 {
					t.Fatalf("%s: %d versions, %v", name, n, err)
				}
			}
			if err := st.Migrate(ctx); err != nil {
				t.Fatalf("migrating an existing database: %v", err)
			}
			for name, migrations := range map[string]fs.FS{"platform_auth": accesssql.AuthMigrations(), "platform_audit": accesssql.AuditMigrations()} {
				if pending, err := db.Pending(ctx, name, migrations); err != nil || pending {
					t.Errorf("%s: pending %v, %v", name, pending, err)
				}
			}
		})
	}
}

// TestSecretsAndLastUse: secrets are stored only as hashes, passwords as
// argon2id; last uses are written in batches.
func TestSecretsAndLastUse(t *testing.T) {
	ctx := t.Context()
	db := sqldbtest.MustOpenSQLite(t)
	clock := accesstest.NewClock()
	svc := newService(t, mustStore(t, db), clock)
	key, err := svc.CreateKey(ctx, access.CreateKeyCommand{Role: auth.CatalogManager, Name: "importer"})
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE hash = ? OR name = ?`, key.Secret, key.Secret).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the secret is stored in the clear (%d, %v)", stored, err)
	}
	s, err := svc.CreateStaff(ctx, access.CreateStaffCommand{Email: "ada@shop.example", Role: auth.Support, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := db.QueryRowContext(ctx, `SELECT password_hash FROM platform_staff WHERE id = ?`, s.ID).Scan(&hash); err != nil || !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("stored password %q %v", hash, err)
	}
	sess, err := svc.Login(ctx, access.LoginCommand{Email: "ada@shop.example", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_staff_sessions WHERE hash = ?`, sess.Token).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the session token is stored in the clear (%d, %v)", stored, err)
	}

	if _, err := svc.Authenticate(ctx, key.Secret); err != nil {
		t.Fatal(err)
	}
	used := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM platform_api_keys WHERE last_used_at IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := used(); n != 0 {
		t.Fatalf("a use was written at once: %d", n)
	}
	if err := svc.FlushLastUsed(ctx); err != nil {
		t.Fatal(err)
	}
	if n := used(); n != 1 {
		t.Fatalf("last use not recorded: %d", n)
	}
	// Run writes what is pending when it stops.
	if _, err := svc.Authenticate(ctx, key.Secret); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Run(runCtx); close(done) }()
	cancel()
	<-done
	got, err := svc.GetKey(ctx, key.ID)
	if err != nil || got.LastUsedAt == nil {
		t.Fatalf("key: %+v %v", got, err)
	}
}

// TestAuditLogIsAppendOnly: the database refuses changes to recorded
// entries, also after processes migrate at once (on PostgreSQL, the same
// DDL run by two sessions at once outside the migration lock fails with
// "tuple concurrently updated").
func TestAuditLogIsAppendOnly(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			ctx := t.Context()
			db := d.Open(t)
			st := mustStore(t, db)
			for round := range 10 {
				var wg sync.WaitGroup
				errs := make([]error, 6)
				for i := range errs {
					wg.Go(func() { errs[i] = st.Migrate(ctx) })
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d, start %d: %v", round, i, err)
					}
				}
			}
			svc := newService(t, st, accesstest.NewClock())
			e, err := svc.Record(ctx, access.Entry{Actor: "key_a", ActorRole: "admin", Method: "POST", Route: "POST /admin/products", Path: "/admin/products", Status: 201})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `UPDATE platform_audit_log SET actor = 'someone' WHERE id = ?`, e.ID); err == nil {
				t.Error("an entry was updated")
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM platform_audit_log`); err == nil {
				t.Error("entries were deleted")
			}
			if got, err := svc.GetAuditEntry(ctx, e.ID); err != nil || got.Actor != "key_a" {
				t.Fatalf("the log changed: %+v %v", got, err)
			}
		})
	}
}
