package customersql_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customersql"
	"github.com/agoracommerce/agora/customer/customersvc"
	"github.com/agoracommerce/agora/customer/customertest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

func mustStore(tb testing.TB, db *sqldb.DB) *customersql.Store {
	tb.Helper()
	st := customersql.New(db, nil)
	if err := st.Migrate(tb.(interface{ Context() context.Context }).Context()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return st
}

func TestContract(t *testing.T) {
	for _, d := range sqldbtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			customertest.TestService(t, func(t *testing.T) customertest.Harness {
				mail := customertest.NewMailbox()
				svc := customersvc.New(mustStore(t, d.Open(t)), customertest.FastConfig(), mail, customersvc.Throttles{}, slog.New(slog.DiscardHandler), time.Now)
				return customertest.Harness{Service: svc, Mail: mail}
			})
		})
	}
}

// TestEventsAndSecrets checks that every change writes its event to the
// outbox with the whole customer, that no event and no stored document
// holds a password or a token, and that failed changes write nothing.
func TestEventsAndSecrets(t *testing.T) {
	ctx := t.Context()
	db := sqldbtest.MustOpenSQLite(t)
	mail := customertest.NewMailbox()
	svc := customersvc.New(mustStore(t, db), customertest.FastConfig(), mail, customersvc.Throttles{}, slog.New(slog.DiscardHandler), time.Now)
	const pw = "correct horse battery"
	c := customertest.MustRegister(t, svc, "ada@example.com", pw)
	s := customertest.MustLogin(t, svc, "ada@example.com", pw)
	_, _ = svc.Register(ctx, customer.RegisterCommand{Email: "ada@example.com", Password: pw})
	if err := svc.ChangePassword(ctx, customer.ChangePasswordCommand{Token: s.Token, CurrentPassword: pw, NewPassword: "a new passphrase"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Erase(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT type, envelope FROM customer_outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var types []string
	for rows.Next() {
		var typ, env string
		if err := rows.Scan(&typ, &env); err != nil {
			t.Fatal(err)
		}
		types = append(types, typ)
		if strings.Contains(env, pw) || strings.Contains(env, "new passphrase") || strings.Contains(env, "argon2") || strings.Contains(env, s.Token) {
			t.Fatalf("event %s holds a secret: %s", typ, env)
		}
		var e event.Event
		if err := json.Unmarshal([]byte(env), &e); err != nil || e.Subject != c.ID || e.Source != "agora/customer" {
			t.Fatalf("event %s: %+v %v", typ, e, err)
		}
	}
	want := []string{customer.EventCreated, customer.EventUpdated, customer.EventErased}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	var hashes, tokens int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_customers WHERE password_hash LIKE '$argon2id$%' OR doc LIKE '%argon2%'`).Scan(&hashes); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_sessions WHERE token_hash = ?`, s.Token).Scan(&tokens); err != nil {
		t.Fatal(err)
	}
	if hashes != 0 || tokens != 0 {
		t.Fatalf("after erasure: %d password hashes, %d raw tokens stored", hashes, tokens)
	}
}
