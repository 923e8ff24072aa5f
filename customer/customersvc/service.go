// Package customersvc implements customer.Service: validation, password
// hashing, sessions, login throttling and events over a private Store.
package customersvc

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

// Id prefixes.
const (
	IDPrefix        = "cus"
	SessionIDPrefix = "sess"
	AddressIDPrefix = "addr"
)

// Config tunes the service.
type Config struct {
	SessionTTL time.Duration // how long a session lives (default 30 days)
	ResetTTL   time.Duration // how long a reset token lives (default 30 minutes)
	Password   auth.PasswordParams
	// HashConcurrency caps concurrent password hashes (each takes
	// Password.Memory KiB); default 4.
	HashConcurrency int
	// LoginPerEmail and LoginPerAddr bound failed logins per account and
	// per client address (default: 5 then one a minute; 20 then ten a
	// minute). An exhausted bucket refuses logins with 429 until it refills.
	LoginPerEmail ratelimit.Limit
	LoginPerAddr  ratelimit.Limit
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		SessionTTL: 30 * 24 * time.Hour, ResetTTL: 30 * time.Minute,
		Password: auth.DefaultPasswordParams(), HashConcurrency: 4,
		LoginPerEmail: ratelimit.Limit{Events: 1, Period: time.Minute, Burst: 5},
		LoginPerAddr:  ratelimit.Limit{Events: 10, Period: time.Minute, Burst: 20},
	}
}

// Exporter returns what a module holds about a customer, for Export.
type Exporter = customer.Exporter

// Throttles count failed logins. Nil limiters mean in-process ones built
// from the Config.
type Throttles struct {
	PerEmail ratelimit.Limiter
	PerAddr  ratelimit.Limiter
}

// Service implements customer.Service.
type Service struct {
	store    Store
	cfg      Config
	pw       *auth.Passwords
	notify   Notifier
	throttle Throttles
	export   map[string]Exporter
	log      *slog.Logger
	now      func() time.Time
}

// New returns the customer service over store.
func New(store Store, cfg Config, notify Notifier, th Throttles, log *slog.Logger, now func() time.Time) *Service {
	clock := func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	if th.PerEmail == nil {
		th.PerEmail = ratelimit.NewMemory(cfg.LoginPerEmail, ratelimit.MemoryConfig{}, now)
	}
	if th.PerAddr == nil {
		th.PerAddr = ratelimit.NewMemory(cfg.LoginPerAddr, ratelimit.MemoryConfig{}, now)
	}
	return &Service{store: store, cfg: cfg, pw: auth.NewPasswords(cfg.Password, cfg.HashConcurrency), notify: notify,
		throttle: th, log: log, now: clock}
}

func (s *Service) events(typ string, c customer.Customer) ([]event.Event, error) {
	e, err := event.New(customer.Module, typ, c.ID, c, s.now())
	if err != nil {
		return nil, err
	}
	return []event.Event{e}, nil
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "customer not found") }

func invalidCredentials() error {
	return errs.E(errs.Unauthorized, customer.CodeInvalidCredentials, "the email or the password is wrong")
}

func invalidSession() error {
	return errs.E(errs.Unauthorized, customer.CodeInvalidSession, "the session is unknown, expired or ended; log in again")
}

// NormalizeEmail trims and lower-cases an email.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func checkEmail(v *errs.Validator, field, e string) {
	switch {
	case e == "":
		v.Add(field, "is required")
	case len(e) > customer.MaxEmail:
		v.Add(field, "must have at most %d bytes", customer.MaxEmail)
	default:
		v.Check(address.Email(e), field, "is not an email address")
	}
}

func text(v *errs.Validator, field, s string, maxLen int) string {
	s = strings.TrimSpace(s)
	v.Check(utf8.ValidString(s), field, "must be valid UTF-8")
	v.Check(utf8.RuneCountInString(s) <= maxLen, field, "must have at most %d characters", maxLen)
	v.Check(!strings.ContainsAny(s, "\x00\r\n"), field, "must be a single line")
	return s
}

// Register implements customer.Service.
func (s *Service) Register(ctx context.Context, cmd customer.RegisterCommand) (customer.Customer, error) {
	v := &errs.Validator{}
	now := s.now()
	c := customer.Customer{ID: id.New(IDPrefix), Email: NormalizeEmail(cmd.Email), Groups: []string{}, Addresses: []customer.Address{},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	checkEmail(v, "email", c.Email)
	c.FirstName = text(v, "first_name", cmd.FirstName, customer.MaxName)
	c.LastName = text(v, "last_name", cmd.LastName, customer.MaxName)
	c.Phone = text(v, "phone", cmd.Phone, customer.MaxPhone)
	if err := auth.CheckPassword("password", cmd.Password); err != nil {
		v.Add("password", "must have %d to %d characters", auth.MinPassword, auth.MaxPassword)
	}
	if err := v.Err(); err != nil {
		return customer.Customer{}, err
	}
	hash, err := s.pw.Hash(ctx, cmd.Password)
	if err != nil {
		return customer.Customer{}, err
	}
	evs, err := s.events(customer.EventCreated, c)
	if err != nil {
		return customer.Customer{}, err
	}
	if err := s.store.InsertCustomer(ctx, c, hash, evs); err != nil {
		return customer.Customer{}, err
	}
	return c, nil
}

// throttled reports a refusal when either failure bucket is empty.
func (s *Service) throttled(ctx context.Context, keys map[ratelimit.Limiter]string) error {
	for l, k := range keys {
		d, err := l.AllowN(ctx, k, 0)
		if err != nil {
			s.log.Warn("login throttle unavailable", "err", err)
			continue
		}
		if !d.Allowed {
			e := errs.E(errs.RateLimited, "rate_limited", "too many failed logins; retry in %d s", ratelimit.RetryAfterSeconds(d.RetryAfter))
			e.RetryAfter = d.RetryAfter
			return e
		}
	}
	return nil
}

// Login implements customer.Service. Unknown emails cost a password check
// too, so that timing does not tell which emails have accounts.
func (s *Service) Login(ctx context.Context, cmd customer.LoginCommand) (customer.Session, error) {
	email := NormalizeEmail(cmd.Email)
	if email == "" || len(email) > customer.MaxEmail || cmd.Password == "" || len(cmd.Password) > auth.MaxPassword {
		return customer.Session{}, invalidCredentials()
	}
	keys := map[ratelimit.Limiter]string{s.throttle.PerEmail: "login:email:" + auth.HashToken(email)}
	if cmd.ClientAddr != "" {
		keys[s.throttle.PerAddr] = "login:addr:" + cmd.ClientAddr
	}
	if err := s.throttled(ctx, keys); err != nil {
		return customer.Session{}, err
	}
	cid, hash, err := s.store.Credentials(ctx, email)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return customer.Session{}, err
	}
	ok, rehash, err := s.pw.Verify(ctx, hash, cmd.Password)
	if err != nil {
		return customer.Session{}, err
	}
	if !ok {
		for l, k := range keys {
			if _, err := l.AllowN(ctx, k, 1); err != nil {
				s.log.Warn("login throttle unavailable", "err", err)
			}
		}
		return customer.Session{}, invalidCredentials()
	}
	if rehash {
		if h, err := s.pw.Hash(ctx, cmd.Password); err == nil {
			if err := s.store.SetPassword(ctx, cid, h, "*", s.now(), nil); err != nil {
				s.log.Warn("password rehash not stored", "err", err)
			}
		}
	}
	return s.newSession(ctx, cid)
}

func (s *Service) newSession(ctx context.Context, cid string) (customer.Session, error) {
	token, hash := auth.NewToken(customer.SessionPrefix)
	now := s.now()
	rec := SessionRecord{ID: id.New(SessionIDPrefix), CustomerID: cid, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.InsertSession(ctx, rec); err != nil {
		return customer.Session{}, err
	}
	return customer.Session{ID: rec.ID, CustomerID: cid, Token: token, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}, nil
}

func (s *Service) session(ctx context.Context, token string) (SessionRecord, error) {
	if !strings.HasPrefix(token, customer.SessionPrefix+"_") || len(token) > 100 {
		return SessionRecord{}, invalidSession()
	}
	rec, err := s.store.Session(ctx, auth.HashToken(token))
	if errs.Is(err, errs.NotFound) {
		return SessionRecord{}, invalidSession()
	}
	if err != nil {
		return SessionRecord{}, err
	}
	if rec.RevokedAt != nil || !s.now().Before(rec.ExpiresAt) {
		return SessionRecord{}, invalidSession()
	}
	return rec, nil
}

// Authenticate implements customer.Service.
func (s *Service) Authenticate(ctx context.Context, token string) (customer.Identity, error) {
	rec, err := s.session(ctx, token)
	if err != nil {
		return customer.Identity{}, err
	}
	c, err := s.store.GetCustomer(ctx, rec.CustomerID)
	if errs.Is(err, errs.NotFound) {
		return customer.Identity{}, invalidSession()
	}
	if err != nil {
		return customer.Identity{}, err
	}
	return customer.Identity{CustomerID: c.ID, SessionID: rec.ID, Groups: c.Groups}, nil
}

// Logout implements customer.Service.
func (s *Service) Logout(ctx context.Context, token string) error {
	rec, err := s.session(ctx, token)
	if err != nil {
		return err
	}
	return s.store.RevokeSession(ctx, rec.ID, s.now())
}

// AddExporter makes Export include what module holds about the customer
// (the composition root wires the modules to the right of customer, which
// this module cannot call). Call it before serving.
func (s *Service) AddExporter(module string, f Exporter) {
	if s.export == nil {
		s.export = map[string]Exporter{}
	}
	s.export[module] = f
}

// Get implements customer.Service.
func (s *Service) Get(ctx context.Context, cid string) (customer.Customer, error) {
	if !id.Valid(IDPrefix, cid) {
		return customer.Customer{}, notFound()
	}
	return s.store.GetCustomer(ctx, cid)
}

// update applies fn to a live (not erased) customer and emits
// customer.updated.
func (s *Service) update(ctx context.Context, cid string, expected int64, fn func(*customer.Customer) error) (customer.Customer, error) {
	if !id.Valid(IDPrefix, cid) {
		return customer.Customer{}, notFound()
	}
	return s.store.UpdateCustomer(ctx, cid, func(c *customer.Customer) ([]event.Event, error) {
		if c.Erased {
			return nil, errs.E(errs.Conflict, customer.CodeErased, "the customer was erased")
		}
		if expected != 0 && expected != c.Version {
			return nil, errs.E(errs.Conflict, customer.CodeVersion, "the customer is at version %d, not %d", c.Version, expected)
		}
		if err := fn(c); err != nil {
			return nil, err
		}
		c.Version++
		c.UpdatedAt = s.now()
		return s.events(customer.EventUpdated, *c)
	})
}

// Update implements customer.Service.
func (s *Service) Update(ctx context.Context, cmd customer.UpdateCommand) (customer.Customer, error) {
	v := &errs.Validator{}
	var first, last, phone string
	if cmd.FirstName != nil {
		first = text(v, "first_name", *cmd.FirstName, customer.MaxName)
	}
	if cmd.LastName != nil {
		last = text(v, "last_name", *cmd.LastName, customer.MaxName)
	}
	if cmd.Phone != nil {
		phone = text(v, "phone", *cmd.Phone, customer.MaxPhone)
	}
	if err := v.Err(); err != nil {
		return customer.Customer{}, err
	}
	return s.update(ctx, cmd.ID, cmd.ExpectedVersion, func(c *customer.Customer) error {
		if cmd.FirstName != nil {
			c.FirstName = first
		}
		if cmd.LastName != nil {
			c.LastName = last
		}
		if cmd.Phone != nil {
			c.Phone = phone
		}
		return nil
	})
}

// ChangePassword implements customer.Service.
func (s *Service) ChangePassword(ctx context.Context, cmd customer.ChangePasswordCommand) error {
	if err := auth.CheckPassword("new_password", cmd.NewPassword); err != nil {
		return err
	}
	sess, err := s.session(ctx, cmd.Token)
	if err != nil {
		return err
	}
	old, err := s.store.PasswordHash(ctx, sess.CustomerID)
	if err != nil {
		return err
	}
	if len(cmd.CurrentPassword) > auth.MaxPassword {
		return errs.E(errs.Invalid, customer.CodeWrongPassword, "the current password is wrong")
	}
	ok, _, err := s.pw.Verify(ctx, old, cmd.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Invalid, customer.CodeWrongPassword, "the current password is wrong")
	}
	hash, err := s.pw.Hash(ctx, cmd.NewPassword)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, sess.CustomerID, hash, sess.ID, s.now(), s.bump)
}

// bump records a change that is not in the document (a new password).
func (s *Service) bump(c *customer.Customer) ([]event.Event, error) {
	if c.Erased {
		return nil, errs.E(errs.Conflict, customer.CodeErased, "the customer was erased")
	}
	c.Version++
	c.UpdatedAt = s.now()
	return s.events(customer.EventUpdated, *c)
}

// RequestPasswordReset implements customer.Service.
func (s *Service) RequestPasswordReset(ctx context.Context, cmd customer.RequestResetCommand) error {
	email := NormalizeEmail(cmd.Email)
	v := &errs.Validator{}
	checkEmail(v, "email", email)
	if err := v.Err(); err != nil {
		return err
	}
	cid, _, err := s.store.Credentials(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := auth.NewToken("cus_reset")
	expires := s.now().Add(s.cfg.ResetTTL)
	if err := s.store.InsertResetToken(ctx, hash, cid, expires); err != nil {
		return err
	}
	if err := s.notify.PasswordReset(ctx, email, token, expires); err != nil {
		return errs.Wrap(err, errs.Unavailable, "", "the reset message could not be sent")
	}
	return nil
}

// ResetPassword implements customer.Service.
func (s *Service) ResetPassword(ctx context.Context, cmd customer.ResetPasswordCommand) error {
	if err := auth.CheckPassword("new_password", cmd.NewPassword); err != nil {
		return err
	}
	if !strings.HasPrefix(cmd.Token, "cus_reset_") || len(cmd.Token) > 100 {
		return errs.E(errs.Invalid, customer.CodeInvalidResetToken, "the reset token is unknown, used or expired")
	}
	hash, err := s.pw.Hash(ctx, cmd.NewPassword)
	if err != nil {
		return err
	}
	return s.store.ResetPassword(ctx, auth.HashToken(cmd.Token), s.now(), hash, s.bump)
}

func (s *Service) address(v *errs.Validator, a customer.Address) customer.Address {
	a.Name = text(v, "address.name", a.Name, customer.MaxText)
	a.Company = text(v, "address.company", a.Company, customer.MaxText)
	a.Line1 = text(v, "address.line1", a.Line1, customer.MaxText)
	a.Line2 = text(v, "address.line2", a.Line2, customer.MaxText)
	a.City = text(v, "address.city", a.City, customer.MaxText)
	a.PostalCode = text(v, "address.postal_code", a.PostalCode, customer.MaxPostal)
	a.Subdivision = text(v, "address.subdivision", a.Subdivision, 6)
	a.Phone = text(v, "address.phone", a.Phone, customer.MaxPhone)
	for f, val := range map[string]string{"address.name": a.Name, "address.line1": a.Line1, "address.city": a.City, "address.postal_code": a.PostalCode} {
		v.Check(val != "", f, "is required")
	}
	v.Check(address.Country(a.Country), "address.country", "must be an ISO 3166-1 alpha-2 code in upper case")
	return a
}

// SaveAddress implements customer.Service.
func (s *Service) SaveAddress(ctx context.Context, cmd customer.AddressCommand) (customer.Customer, error) {
	v := &errs.Validator{}
	a := s.address(v, cmd.Address)
	if err := v.Err(); err != nil {
		return customer.Customer{}, err
	}
	return s.update(ctx, cmd.CustomerID, 0, func(c *customer.Customer) error {
		i := -1
		if cmd.AddressID != "" {
			i = slices.IndexFunc(c.Addresses, func(x customer.Address) bool { return x.ID == cmd.AddressID })
			if i < 0 {
				return errs.E(errs.NotFound, customer.CodeAddressNotFound, "address not found")
			}
			a.ID = cmd.AddressID
			c.Addresses[i] = a
		} else {
			if len(c.Addresses) >= customer.MaxAddresses {
				return errs.Validation(errs.Field("address", "a customer has at most %d addresses", customer.MaxAddresses))
			}
			a.ID = id.New(AddressIDPrefix)
			c.Addresses = append(c.Addresses, a)
			i = len(c.Addresses) - 1
		}
		if a.Default || len(c.Addresses) == 1 {
			for j := range c.Addresses {
				c.Addresses[j].Default = j == i
			}
		}
		return nil
	})
}

// DeleteAddress implements customer.Service.
func (s *Service) DeleteAddress(ctx context.Context, cmd customer.DeleteAddressCommand) (customer.Customer, error) {
	return s.update(ctx, cmd.CustomerID, 0, func(c *customer.Customer) error {
		i := slices.IndexFunc(c.Addresses, func(x customer.Address) bool { return x.ID == cmd.AddressID })
		if i < 0 {
			return errs.E(errs.NotFound, customer.CodeAddressNotFound, "address not found")
		}
		wasDefault := c.Addresses[i].Default
		c.Addresses = slices.Delete(c.Addresses, i, i+1)
		if wasDefault && len(c.Addresses) > 0 {
			c.Addresses[0].Default = true
		}
		return nil
	})
}

// List implements customer.Service.
func (s *Service) List(ctx context.Context, q customer.ListQuery) (customer.Page[customer.Customer], error) {
	if q.Limit <= 0 {
		q.Limit = customer.DefaultLimit
	}
	if q.Limit > customer.MaxListLimit {
		return customer.Page[customer.Customer]{}, errs.Validation(errs.Field("limit", "must be at most %d", customer.MaxListLimit))
	}
	q.Email = NormalizeEmail(q.Email)
	return s.store.ListCustomers(ctx, q)
}

var groupRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// CreateGroup implements customer.Service.
func (s *Service) CreateGroup(ctx context.Context, cmd customer.CreateGroupCommand) (customer.Group, error) {
	v := &errs.Validator{}
	g := customer.Group{Code: strings.TrimSpace(cmd.Code), CreatedAt: s.now()}
	v.Check(groupRE.MatchString(g.Code), "code", "must be 1 to 40 lower-case letters, digits or hyphens")
	g.Name = text(v, "name", cmd.Name, customer.MaxText)
	if g.Name == "" {
		g.Name = g.Code
	}
	if err := v.Err(); err != nil {
		return customer.Group{}, err
	}
	return g, s.store.InsertGroup(ctx, g)
}

// ListGroups implements customer.Service.
func (s *Service) ListGroups(ctx context.Context) ([]customer.Group, error) {
	return s.store.Groups(ctx)
}

// DeleteGroup implements customer.Service.
func (s *Service) DeleteGroup(ctx context.Context, code string) error {
	if !groupRE.MatchString(code) {
		return errs.E(errs.NotFound, "not_found", "customer group not found")
	}
	return s.store.DeleteGroup(ctx, code)
}

// SetGroups implements customer.Service.
func (s *Service) SetGroups(ctx context.Context, cmd customer.SetGroupsCommand) (customer.Customer, error) {
	v := &errs.Validator{}
	v.Check(len(cmd.Groups) <= customer.MaxGroups, "groups", "at most %d groups", customer.MaxGroups)
	groups := slices.Clone(cmd.Groups)
	for i, g := range groups {
		v.Check(groupRE.MatchString(g), "groups", "group %d is not a group code", i)
	}
	if err := v.Err(); err != nil {
		return customer.Customer{}, err
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	if groups == nil {
		groups = []string{}
	}
	return s.update(ctx, cmd.CustomerID, 0, func(c *customer.Customer) error {
		c.Groups = groups
		return nil
	})
}

// Export implements customer.Service.
func (s *Service) Export(ctx context.Context, cid string) (customer.Export, error) {
	c, err := s.Get(ctx, cid)
	if err != nil {
		return customer.Export{}, err
	}
	recs, err := s.store.Sessions(ctx, cid)
	if err != nil {
		return customer.Export{}, err
	}
	out := customer.Export{Customer: c, Sessions: []customer.SessionInfo{}, Related: map[string]json.RawMessage{}}
	for _, r := range recs {
		out.Sessions = append(out.Sessions, customer.SessionInfo{ID: r.ID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt})
	}
	for module, f := range s.export {
		v, err := f(ctx, cid)
		if err != nil {
			return customer.Export{}, errs.Wrap(err, errs.Unavailable, "", "the "+module+" module could not export its data; retry")
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return customer.Export{}, err
		}
		out.Related[module] = raw
	}
	return out, nil
}

// Erase implements customer.Service.
func (s *Service) Erase(ctx context.Context, cid string) (customer.Customer, error) {
	if !id.Valid(IDPrefix, cid) {
		return customer.Customer{}, notFound()
	}
	return s.store.EraseCustomer(ctx, cid, func(c *customer.Customer) ([]event.Event, error) {
		if c.Erased {
			return nil, nil
		}
		*c = customer.Customer{ID: c.ID, Groups: []string{}, Addresses: []customer.Address{}, Erased: true,
			Version: c.Version + 1, CreatedAt: c.CreatedAt, UpdatedAt: s.now()}
		return s.events(customer.EventErased, *c)
	})
}

// Sweep deletes sessions and reset tokens a week after they ended, every
// hour until ctx ends.
func (s *Service) Sweep(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.store.DeleteExpiredSessions(ctx, s.now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			s.log.Warn("session sweep failed", "err", err)
		} else if n > 0 {
			s.log.Info("expired sessions deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

var _ customer.Service = (*Service)(nil)
