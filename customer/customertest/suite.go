// Package customertest has the customer module's service on SQLite for
// tests (MustService), its contract suite, run against every
// implementation (the service on SQLite and PostgreSQL, and through the
// HTTP client and handlers), and test helpers.
package customertest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customersvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// FastConfig is the service's default configuration with cheap password
// hashing, for tests.
func FastConfig() customersvc.Config {
	cfg := customersvc.DefaultConfig()
	cfg.Password.Memory, cfg.Password.Time = 64, 1
	return cfg
}

// Mailbox is a customersvc.Notifier that keeps the reset tokens it is
// given, by email.
type Mailbox struct {
	mu     sync.Mutex
	tokens map[string][]string
}

// NewMailbox returns an empty mailbox.
func NewMailbox() *Mailbox { return &Mailbox{tokens: map[string][]string{}} }

// PasswordReset implements customersvc.Notifier.
func (m *Mailbox) PasswordReset(_ context.Context, email, token string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[email] = append(m.tokens[email], token)
	return nil
}

// Last returns the last token sent to email, "" if none.
func (m *Mailbox) Last(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tokens[email]
	if len(t) == 0 {
		return ""
	}
	return t[len(t)-1]
}

// Harness is one implementation under test and the mailbox its service
// sends resets to.
type Harness struct {
	Service customer.Service
	Mail    *Mailbox
}

// MustRegister registers an account or fails tb.
func MustRegister(tb testing.TB, svc customer.Service, email, password string) customer.Customer {
	tb.Helper()
	c, err := svc.Register(context.Background(), customer.RegisterCommand{Email: email, Password: password, FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		tb.Fatalf("register %s: %s", email, errstest.Describe(err))
	}
	return c
}

// MustLogin logs in or fails tb.
func MustLogin(tb testing.TB, svc customer.Service, email, password string) customer.Session {
	tb.Helper()
	s, err := svc.Login(context.Background(), customer.LoginCommand{Email: email, Password: password, ClientAddr: "192.0.2.1"})
	if err != nil {
		tb.Fatalf("login %s: %s", email, errstest.Describe(err))
	}
	return s
}

// TestService runs the contract suite; factory returns a fresh, empty
// implementation for each subtest.
func TestService(t *testing.T, factory func(t *testing.T) Harness) {
	const pw = "correct horse battery"
	t.Run("register and read", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		c := MustRegister(t, h.Service, "  Ada@Example.COM ", pw)
		if c.Email != "ada@example.com" || !strings.HasPrefix(c.ID, "cus_") || c.Version != 1 || c.FirstName != "Ada" {
			t.Fatalf("registered %+v", c)
		}
		got, err := h.Service.Get(ctx, c.ID)
		if err != nil || got.Email != c.Email || got.Groups == nil || got.Addresses == nil {
			t.Fatalf("get %+v %s", got, errstest.Describe(err))
		}
		_, err = h.Service.Register(ctx, customer.RegisterCommand{Email: "ADA@example.com", Password: pw})
		errstest.Want(t, err, errs.Conflict, customer.CodeEmailTaken)
		for _, bad := range []customer.RegisterCommand{
			{Email: "not-an-email", Password: pw},
			{Email: "", Password: pw},
			{Email: "Ada <x@example.com>", Password: pw},
			{Email: "b@example.com", Password: "short"},
			{Email: "b@example.com", Password: strings.Repeat("x", 257)},
			{Email: "b@example.com", Password: pw, FirstName: strings.Repeat("é", 101)},
			{Email: "b@example.com", Password: pw, LastName: "two\nlines"},
		} {
			_, err := h.Service.Register(ctx, bad)
			errstest.Want(t, err, errs.Invalid, "validation_failed")
		}
		if p, err := h.Service.List(ctx, customer.ListQuery{Limit: 10}); err != nil || len(p.Data) != 1 {
			t.Fatalf("after bad registrations: %d customers, %s", len(p.Data), errstest.Describe(err))
		}
		_, err = h.Service.Get(ctx, "cus_01JAAAAAAAAAAAAAAAAAAAAAAA")
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = h.Service.Get(ctx, "../etc")
		errstest.Want(t, err, errs.NotFound, "not_found")
	})

	t.Run("sessions", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		c := MustRegister(t, h.Service, "ada@example.com", pw)
		s := MustLogin(t, h.Service, "ADA@example.com", pw)
		if !strings.HasPrefix(s.Token, customer.SessionPrefix+"_") || s.CustomerID != c.ID || !s.ExpiresAt.After(time.Now()) {
			t.Fatalf("session %+v", s)
		}
		id, err := h.Service.Authenticate(ctx, s.Token)
		if err != nil || id.CustomerID != c.ID {
			t.Fatalf("authenticate: %+v %s", id, errstest.Describe(err))
		}
		_, err = h.Service.Login(ctx, customer.LoginCommand{Email: "ada@example.com", Password: pw + "x"})
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidCredentials)
		_, err = h.Service.Login(ctx, customer.LoginCommand{Email: "nobody@example.com", Password: pw})
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidCredentials)
		for _, tok := range []string{"", "cus_sess_nope", s.Token + "x", "sk_" + s.Token} {
			_, err = h.Service.Authenticate(ctx, tok)
			errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidSession)
		}
		s2 := MustLogin(t, h.Service, "ada@example.com", pw)
		if err := h.Service.Logout(ctx, s.Token); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		_, err = h.Service.Authenticate(ctx, s.Token)
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidSession)
		errstest.Want(t, h.Service.Logout(ctx, s.Token), errs.Unauthorized, customer.CodeInvalidSession)
		if _, err := h.Service.Authenticate(ctx, s2.Token); err != nil {
			t.Fatalf("logout ended another session: %s", errstest.Describe(err))
		}
	})

	t.Run("login throttling", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		MustRegister(t, h.Service, "ada@example.com", pw)
		limited := false
		for i := 0; i < 8 && !limited; i++ {
			_, err := h.Service.Login(ctx, customer.LoginCommand{Email: "ada@example.com", Password: "wrong password " + string(rune('a'+i))})
			limited = errs.Is(err, errs.RateLimited)
			if !limited {
				errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidCredentials)
			}
		}
		if !limited {
			t.Fatal("eight wrong passwords in a row were never throttled")
		}
		_, err := h.Service.Login(ctx, customer.LoginCommand{Email: "ada@example.com", Password: pw})
		errstest.Want(t, err, errs.RateLimited, "rate_limited")
		MustRegister(t, h.Service, "bob@example.com", pw)
		MustLogin(t, h.Service, "bob@example.com", pw) // another account is not affected
	})

	t.Run("profile", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		c := MustRegister(t, h.Service, "ada@example.com", pw)
		first, phone := "Augusta", "+44 20 7946 0000"
		u, err := h.Service.Update(ctx, customer.UpdateCommand{ID: c.ID, FirstName: &first, Phone: &phone})
		if err != nil || u.FirstName != first || u.LastName != "Lovelace" || u.Phone != phone || u.Version != 2 {
			t.Fatalf("update %+v %s", u, errstest.Describe(err))
		}
		_, err = h.Service.Update(ctx, customer.UpdateCommand{ID: c.ID, FirstName: &first, ExpectedVersion: 1})
		errstest.Want(t, err, errs.Conflict, customer.CodeVersion)
		long := strings.Repeat("x", 101)
		_, err = h.Service.Update(ctx, customer.UpdateCommand{ID: c.ID, LastName: &long})
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		if got, _ := h.Service.Get(ctx, c.ID); got.Version != 2 || got.LastName != "Lovelace" {
			t.Fatalf("a failed update changed the customer: %+v", got)
		}
	})

	t.Run("password change", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		MustRegister(t, h.Service, "ada@example.com", pw)
		s1 := MustLogin(t, h.Service, "ada@example.com", pw)
		s2 := MustLogin(t, h.Service, "ada@example.com", pw)
		err := h.Service.ChangePassword(ctx, customer.ChangePasswordCommand{Token: s1.Token, CurrentPassword: "not it at all", NewPassword: "a new passphrase"})
		errstest.Want(t, err, errs.Invalid, customer.CodeWrongPassword)
		err = h.Service.ChangePassword(ctx, customer.ChangePasswordCommand{Token: s1.Token, CurrentPassword: pw, NewPassword: "short"})
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		err = h.Service.ChangePassword(ctx, customer.ChangePasswordCommand{Token: "cus_sess_nope", CurrentPassword: pw, NewPassword: "a new passphrase"})
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidSession)
		if err := h.Service.ChangePassword(ctx, customer.ChangePasswordCommand{Token: s1.Token, CurrentPassword: pw, NewPassword: "a new passphrase"}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		if _, err := h.Service.Authenticate(ctx, s1.Token); err != nil {
			t.Fatalf("the session that changed the password ended: %s", errstest.Describe(err))
		}
		_, err = h.Service.Authenticate(ctx, s2.Token)
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidSession)
		_, err = h.Service.Login(ctx, customer.LoginCommand{Email: "ada@example.com", Password: pw})
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidCredentials)
		MustLogin(t, h.Service, "ada@example.com", "a new passphrase")
	})

	t.Run("password reset", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		MustRegister(t, h.Service, "ada@example.com", pw)
		s := MustLogin(t, h.Service, "ada@example.com", pw)
		if err := h.Service.RequestPasswordReset(ctx, customer.RequestResetCommand{Email: "nobody@example.com"}); err != nil {
			t.Fatalf("an unknown email must answer like a known one: %s", errstest.Describe(err))
		}
		errstest.Want(t, h.Service.RequestPasswordReset(ctx, customer.RequestResetCommand{Email: "nope"}), errs.Invalid, "validation_failed")
		if err := h.Service.RequestPasswordReset(ctx, customer.RequestResetCommand{Email: "Ada@example.com"}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		token := h.Mail.Last("ada@example.com")
		if !strings.HasPrefix(token, "cus_reset_") || h.Mail.Last("nobody@example.com") != "" {
			t.Fatalf("reset token %q", token)
		}
		err := h.Service.ResetPassword(ctx, customer.ResetPasswordCommand{Token: token + "x", NewPassword: "a new passphrase"})
		errstest.Want(t, err, errs.Invalid, customer.CodeInvalidResetToken)
		if err := h.Service.ResetPassword(ctx, customer.ResetPasswordCommand{Token: token, NewPassword: "a new passphrase"}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		err = h.Service.ResetPassword(ctx, customer.ResetPasswordCommand{Token: token, NewPassword: "another passphrase"})
		errstest.Want(t, err, errs.Invalid, customer.CodeInvalidResetToken)
		_, err = h.Service.Authenticate(ctx, s.Token)
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidSession)
		MustLogin(t, h.Service, "ada@example.com", "a new passphrase")
	})

	t.Run("addresses", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		c := MustRegister(t, h.Service, "ada@example.com", pw)
		home := customer.Address{Name: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}
		c1, err := h.Service.SaveAddress(ctx, customer.AddressCommand{CustomerID: c.ID, Address: home})
		if err != nil || len(c1.Addresses) != 1 || !c1.Addresses[0].Default || !strings.HasPrefix(c1.Addresses[0].ID, "addr_") {
			t.Fatalf("add %+v %s", c1.Addresses, errstest.Describe(err))
		}
		work := home
		work.Line1, work.Default = "Ockham Park", true
		c2, err := h.Service.SaveAddress(ctx, customer.AddressCommand{CustomerID: c.ID, Address: work})
		if err != nil || len(c2.Addresses) != 2 || c2.Addresses[0].Default || !c2.Addresses[1].Default {
			t.Fatalf("second default %+v %s", c2.Addresses, errstest.Describe(err))
		}
		bad := home
		bad.Country = "gb"
		bad.City = ""
		_, err = h.Service.SaveAddress(ctx, customer.AddressCommand{CustomerID: c.ID, Address: bad})
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		_, err = h.Service.SaveAddress(ctx, customer.AddressCommand{CustomerID: c.ID, AddressID: "addr_01JAAAAAAAAAAAAAAAAAAAAAAA", Address: home})
		errstest.Want(t, err, errs.NotFound, customer.CodeAddressNotFound)
		home.City = "Westminster"
		c3, err := h.Service.SaveAddress(ctx, customer.AddressCommand{CustomerID: c.ID, AddressID: c1.Addresses[0].ID, Address: home})
		if err != nil || c3.Addresses[0].City != "Westminster" || len(c3.Addresses) != 2 {
			t.Fatalf("replace %+v %s", c3.Addresses, errstest.Describe(err))
		}
		c4, err := h.Service.DeleteAddress(ctx, customer.DeleteAddressCommand{CustomerID: c.ID, AddressID: c2.Addresses[1].ID})
		if err != nil || len(c4.Addresses) != 1 || !c4.Addresses[0].Default {
			t.Fatalf("delete the default %+v %s", c4.Addresses, errstest.Describe(err))
		}
		_, err = h.Service.DeleteAddress(ctx, customer.DeleteAddressCommand{CustomerID: c.ID, AddressID: c2.Addresses[1].ID})
		errstest.Want(t, err, errs.NotFound, customer.CodeAddressNotFound)
	})

	t.Run("groups", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		c := MustRegister(t, h.Service, "ada@example.com", pw)
		MustRegister(t, h.Service, "bob@example.com", pw)
		if _, err := h.Service.CreateGroup(ctx, customer.CreateGroupCommand{Code: "wholesale", Name: "Wholesale"}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		_, err := h.Service.CreateGroup(ctx, customer.CreateGroupCommand{Code: "wholesale"})
		errstest.Want(t, err, errs.Conflict, customer.CodeGroupExists)
		_, err = h.Service.CreateGroup(ctx, customer.CreateGroupCommand{Code: "Bad Code"})
		errstest.Want(t, err, errs.Invalid, "validation_failed")
		_, err = h.Service.SetGroups(ctx, customer.SetGroupsCommand{CustomerID: c.ID, Groups: []string{"wholesale", "vip"}})
		errstest.Want(t, err, errs.Invalid, customer.CodeUnknownGroup)
		if got, _ := h.Service.Get(ctx, c.ID); len(got.Groups) != 0 {
			t.Fatalf("a refused change left groups %v", got.Groups)
		}
		u, err := h.Service.SetGroups(ctx, customer.SetGroupsCommand{CustomerID: c.ID, Groups: []string{"wholesale", "wholesale"}})
		if err != nil || len(u.Groups) != 1 {
			t.Fatalf("set groups %+v %s", u.Groups, errstest.Describe(err))
		}
		p, err := h.Service.List(ctx, customer.ListQuery{Group: "wholesale", Limit: 10})
		if err != nil || len(p.Data) != 1 || p.Data[0].ID != c.ID {
			t.Fatalf("list by group %+v %s", p, errstest.Describe(err))
		}
		errstest.Want(t, h.Service.DeleteGroup(ctx, "wholesale"), errs.Conflict, customer.CodeGroupInUse)
		if _, err := h.Service.SetGroups(ctx, customer.SetGroupsCommand{CustomerID: c.ID, Groups: nil}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		if err := h.Service.DeleteGroup(ctx, "wholesale"); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		errstest.Want(t, h.Service.DeleteGroup(ctx, "wholesale"), errs.NotFound, "not_found")
		if gs, err := h.Service.ListGroups(ctx); err != nil || len(gs) != 0 {
			t.Fatalf("groups %+v %s", gs, errstest.Describe(err))
		}
	})

	t.Run("list", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			MustRegister(t, h.Service, e, pw)
		}
		p, err := h.Service.List(ctx, customer.ListQuery{Limit: 2})
		if err != nil || len(p.Data) != 2 || p.NextCursor == nil {
			t.Fatalf("page 1 %+v %s", p, errstest.Describe(err))
		}
		p2, err := h.Service.List(ctx, customer.ListQuery{Limit: 2, Cursor: *p.NextCursor})
		if err != nil || len(p2.Data) != 1 || p2.NextCursor != nil || p2.Data[0].Email != "c@example.com" {
			t.Fatalf("page 2 %+v %s", p2, errstest.Describe(err))
		}
		p3, err := h.Service.List(ctx, customer.ListQuery{Email: "B@Example.com"})
		if err != nil || len(p3.Data) != 1 || p3.Data[0].Email != "b@example.com" {
			t.Fatalf("by email %+v %s", p3, errstest.Describe(err))
		}
		_, err = h.Service.List(ctx, customer.ListQuery{Cursor: "garbage"})
		errstest.Want(t, err, errs.Invalid, "")
	})

	t.Run("export and erase", func(t *testing.T) {
		h := factory(t)
		ctx := t.Context()
		c := MustRegister(t, h.Service, "ada@example.com", pw)
		s := MustLogin(t, h.Service, "ada@example.com", pw)
		if _, err := h.Service.SaveAddress(ctx, customer.AddressCommand{CustomerID: c.ID, Address: customer.Address{Name: "Ada", Line1: "1 Road", City: "London", PostalCode: "N1", Country: "GB"}}); err != nil {
			t.Fatal(errstest.Describe(err))
		}
		ex, err := h.Service.Export(ctx, c.ID)
		if err != nil || ex.Customer.Email != "ada@example.com" || len(ex.Customer.Addresses) != 1 || len(ex.Sessions) != 1 || ex.Sessions[0].ID != s.ID {
			t.Fatalf("export %+v %s", ex, errstest.Describe(err))
		}
		raw, _ := json.Marshal(ex)
		if strings.Contains(string(raw), s.Token) || strings.Contains(string(raw), "argon2") || strings.Contains(string(raw), pw) {
			t.Fatalf("the export holds a secret: %s", raw)
		}
		e, err := h.Service.Erase(ctx, c.ID)
		if err != nil || !e.Erased || e.Email != "" || e.FirstName != "" || len(e.Addresses) != 0 {
			t.Fatalf("erase %+v %s", e, errstest.Describe(err))
		}
		_, err = h.Service.Authenticate(ctx, s.Token)
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidSession)
		_, err = h.Service.Login(ctx, customer.LoginCommand{Email: "ada@example.com", Password: pw})
		errstest.Want(t, err, errs.Unauthorized, customer.CodeInvalidCredentials)
		again, err := h.Service.Erase(ctx, c.ID)
		if err != nil || again.Version != e.Version {
			t.Fatalf("second erase %+v %s", again, errstest.Describe(err))
		}
		first := "X"
		_, err = h.Service.Update(ctx, customer.UpdateCommand{ID: c.ID, FirstName: &first})
		errstest.Want(t, err, errs.Conflict, customer.CodeErased)
		if n := MustRegister(t, h.Service, "ada@example.com", pw); n.ID == c.ID {
			t.Fatal("the erased account came back")
		}
	})

	t.Run("concurrent registrations of one email", func(t *testing.T) {
		h := factory(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, taken := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := h.Service.Register(context.Background(), customer.RegisterCommand{Email: "race@example.com", Password: pw})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errs.HasCode(err, customer.CodeEmailTaken):
					taken++
				default:
					t.Errorf("register: %s", errstest.Describe(err))
				}
			}()
		}
		wg.Wait()
		if ok != 1 || taken != 7 {
			t.Fatalf("%d registered, %d refused; want 1 and 7", ok, taken)
		}
	})
}

var _ customersvc.Notifier = (*Mailbox)(nil)
