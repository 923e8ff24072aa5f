package customertest

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/customer/customersvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
	"github.com/agoracommerce/agora/platform/id"
)

type account struct {
	doc  customer.Customer
	hash string
}

type reset struct {
	customerID string
	expires    time.Time
}

// MemStore is an in-memory customersvc.Store with the same rules as the
// SQL store. It hands out copies and keeps the events of every successful
// write.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu       sync.Mutex
	accounts map[string]*account
	sessions map[string]customersvc.SessionRecord // by hash
	resets   map[string]reset                     // by hash
	groups   map[string]customer.Group
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{accounts: map[string]*account{}, sessions: map[string]customersvc.SessionRecord{},
		resets: map[string]reset{}, groups: map[string]customer.Group{}}
}

// NewFake returns the real customer service over an in-memory store and
// the mailbox its password resets go to: the same validation, hashing,
// throttling and events as in production, no database. It passes
// TestService.
func NewFake() (customer.Service, *Mailbox, *MemStore) {
	st, mail := NewMemStore(), NewMailbox()
	return customersvc.New(st, FastConfig(), mail, customersvc.Throttles{}, slog.New(slog.DiscardHandler), time.Now), mail, st
}

func clone(c customer.Customer) customer.Customer {
	var out customer.Customer
	b, _ := json.Marshal(c)
	_ = json.Unmarshal(b, &out)
	return out
}

func missing() error { return errs.E(errs.NotFound, "not_found", "customer not found") }

func (m *MemStore) emailTaken(email, except string) bool {
	for id, a := range m.accounts {
		if id != except && email != "" && a.doc.Email == email {
			return true
		}
	}
	return false
}

func (m *MemStore) checkGroups(c customer.Customer) error {
	for _, g := range c.Groups {
		if _, ok := m.groups[g]; !ok {
			return errs.E(errs.Invalid, customer.CodeUnknownGroup, "a customer group does not exist")
		}
	}
	return nil
}

// InsertCustomer implements customersvc.Store.
func (m *MemStore) InsertCustomer(_ context.Context, c customer.Customer, hash string, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.emailTaken(c.Email, "") {
		return errs.E(errs.Conflict, customer.CodeEmailTaken, "an account with this email exists")
	}
	if err := m.checkGroups(c); err != nil {
		return err
	}
	m.accounts[c.ID] = &account{doc: clone(c), hash: hash}
	m.Record(events...)
	return nil
}

// GetCustomer implements customersvc.Store.
func (m *MemStore) GetCustomer(_ context.Context, cid string) (customer.Customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[cid]
	if !ok {
		return customer.Customer{}, missing()
	}
	return clone(a.doc), nil
}

// Credentials implements customersvc.Store.
func (m *MemStore) Credentials(_ context.Context, email string) (string, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, a := range m.accounts {
		if a.doc.Email == email && email != "" {
			return id, a.hash, nil
		}
	}
	return "", "", missing()
}

// PasswordHash implements customersvc.Store.
func (m *MemStore) PasswordHash(_ context.Context, cid string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[cid]
	if !ok {
		return "", missing()
	}
	return a.hash, nil
}

// change applies fn to a copy and keeps it only if fn and the checks pass.
func (m *MemStore) change(cid string, fn func(*customer.Customer) ([]event.Event, error)) (*account, customer.Customer, []event.Event, error) {
	a, ok := m.accounts[cid]
	if !ok {
		return nil, customer.Customer{}, nil, missing()
	}
	c := clone(a.doc)
	events, err := fn(&c)
	if err != nil {
		return nil, customer.Customer{}, nil, err
	}
	if err := m.checkGroups(c); err != nil {
		return nil, customer.Customer{}, nil, err
	}
	return a, c, events, nil
}

// UpdateCustomer implements customersvc.Store.
func (m *MemStore) UpdateCustomer(_ context.Context, cid string, fn func(*customer.Customer) ([]event.Event, error)) (customer.Customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, c, events, err := m.change(cid, fn)
	if err != nil {
		return customer.Customer{}, err
	}
	if len(events) > 0 {
		a.doc = clone(c)
		m.Record(events...)
	}
	return clone(c), nil
}

func (m *MemStore) setPassword(cid, hash, keep string, at time.Time) {
	m.accounts[cid].hash = hash
	if keep == "*" {
		return
	}
	for h, s := range m.sessions {
		if s.CustomerID == cid && s.ID != keep && s.RevokedAt == nil {
			t := at
			s.RevokedAt = &t
			m.sessions[h] = s
		}
	}
	for h, r := range m.resets {
		if r.customerID == cid {
			delete(m.resets, h)
		}
	}
}

// SetPassword implements customersvc.Store.
func (m *MemStore) SetPassword(_ context.Context, cid, hash, keep string, at time.Time, fn func(*customer.Customer) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if fn == nil {
		fn = func(*customer.Customer) ([]event.Event, error) { return nil, nil }
	}
	a, c, events, err := m.change(cid, fn)
	if err != nil {
		return err
	}
	a.doc = clone(c)
	m.setPassword(cid, hash, keep, at)
	m.Record(events...)
	return nil
}

// ResetPassword implements customersvc.Store.
func (m *MemStore) ResetPassword(_ context.Context, tokenHash string, now time.Time, hash string, fn func(*customer.Customer) ([]event.Event, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.resets[tokenHash]
	if !ok || !now.Before(r.expires) {
		return errs.E(errs.Invalid, customer.CodeInvalidResetToken, "the reset token is unknown, used or expired")
	}
	a, c, events, err := m.change(r.customerID, fn)
	if err != nil {
		return err
	}
	a.doc = clone(c)
	m.setPassword(r.customerID, hash, "", now)
	m.Record(events...)
	return nil
}

// EraseCustomer implements customersvc.Store.
func (m *MemStore) EraseCustomer(_ context.Context, cid string, fn func(*customer.Customer) ([]event.Event, error)) (customer.Customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, c, events, err := m.change(cid, fn)
	if err != nil || len(events) == 0 {
		return clone(c), err
	}
	a.doc, a.hash = clone(c), ""
	for h, s := range m.sessions {
		if s.CustomerID == cid {
			delete(m.sessions, h)
		}
	}
	for h, r := range m.resets {
		if r.customerID == cid {
			delete(m.resets, h)
		}
	}
	m.Record(events...)
	return clone(c), nil
}

// ListCustomers implements customersvc.Store.
func (m *MemStore) ListCustomers(_ context.Context, q customer.ListQuery) (customer.Page[customer.Customer], error) {
	after, err := id.After(q.Cursor, customersvc.IDPrefix)
	if err != nil {
		return customer.Page[customer.Customer]{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []customer.Customer
	for id, a := range m.accounts {
		if id > after && (q.Email == "" || a.doc.Email == q.Email) && (q.Group == "" || slices.Contains(a.doc.Groups, q.Group)) {
			all = append(all, clone(a.doc))
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	page := customer.Page[customer.Customer]{Data: []customer.Customer{}}
	if len(all) > q.Limit {
		page.Data = all[:q.Limit]
		page.NextCursor = id.Cursor(all[q.Limit-1].ID)
	} else if all != nil {
		page.Data = all
	}
	return page, nil
}

// InsertSession implements customersvc.Store.
func (m *MemStore) InsertSession(_ context.Context, s customersvc.SessionRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.Hash] = s
	return nil
}

// Session implements customersvc.Store.
func (m *MemStore) Session(_ context.Context, hash string) (customersvc.SessionRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[hash]
	if !ok {
		return s, errs.E(errs.NotFound, "not_found", "session not found")
	}
	return s, nil
}

// RevokeSession implements customersvc.Store.
func (m *MemStore) RevokeSession(_ context.Context, sid string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, s := range m.sessions {
		if s.ID == sid && s.RevokedAt == nil {
			t := at
			s.RevokedAt = &t
			m.sessions[h] = s
		}
	}
	return nil
}

// Sessions implements customersvc.Store.
func (m *MemStore) Sessions(_ context.Context, cid string) ([]customersvc.SessionRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []customersvc.SessionRecord
	for _, s := range m.sessions {
		if s.CustomerID == cid {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DeleteExpiredSessions implements customersvc.Store.
func (m *MemStore) DeleteExpiredSessions(_ context.Context, cutoff time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for h, s := range m.sessions {
		if s.ExpiresAt.Before(cutoff) || (s.RevokedAt != nil && s.RevokedAt.Before(cutoff)) {
			delete(m.sessions, h)
			n++
		}
	}
	for h, r := range m.resets {
		if r.expires.Before(cutoff) {
			delete(m.resets, h)
		}
	}
	return n, nil
}

// InsertResetToken implements customersvc.Store.
func (m *MemStore) InsertResetToken(_ context.Context, hash, cid string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resets[hash] = reset{customerID: cid, expires: expires}
	return nil
}

// InsertGroup implements customersvc.Store.
func (m *MemStore) InsertGroup(_ context.Context, g customer.Group) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.groups[g.Code]; ok {
		return errs.E(errs.Conflict, customer.CodeGroupExists, "a customer group with this code exists")
	}
	m.groups[g.Code] = g
	return nil
}

// Groups implements customersvc.Store.
func (m *MemStore) Groups(_ context.Context) ([]customer.Group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []customer.Group{}
	for _, g := range m.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// DeleteGroup implements customersvc.Store.
func (m *MemStore) DeleteGroup(_ context.Context, code string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.groups[code]; !ok {
		return errs.E(errs.NotFound, "not_found", "customer group not found")
	}
	n := 0
	for _, a := range m.accounts {
		if slices.Contains(a.doc.Groups, code) {
			n++
		}
	}
	if n > 0 {
		return errs.E(errs.Conflict, customer.CodeGroupInUse, "%d customers belong to the group", n)
	}
	delete(m.groups, code)
	return nil
}

var _ customersvc.Store = (*MemStore)(nil)
