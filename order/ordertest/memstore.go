package ordertest

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/order/ordersvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
)

// MemStore is an in-memory ordersvc.Store with the same rules as the SQL
// store (one running or completed checkout per cart, versioned saves,
// increasing order numbers). It keeps rows as JSON.
type MemStore struct {
	eventtest.Recorder // the events of every committed write, in order

	mu        sync.Mutex
	checkouts map[string][]byte
	active    map[string]string // cart → checkout
	orders    map[string][]byte
	tokens    map[string]string // hash → order
	number    int64
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{checkouts: map[string][]byte{}, active: map[string]string{}, orders: map[string][]byte{}, tokens: map[string]string{}, number: 1000}
}

func decodeCheckout(b []byte) ordersvc.Checkout {
	var c ordersvc.Checkout
	_ = json.Unmarshal(b, &c)
	return c
}

func decodeOrder(b []byte) order.Order {
	var o order.Order
	_ = json.Unmarshal(b, &o)
	return o
}

// InsertCheckout implements ordersvc.Store.
func (m *MemStore) InsertCheckout(_ context.Context, c ordersvc.Checkout) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, busy := m.active[c.CartID]; busy {
		return errs.E(errs.Conflict, order.CodeInProgress, "a checkout of this cart is in progress")
	}
	b, _ := json.Marshal(c)
	m.checkouts[c.ID] = b
	m.active[c.CartID] = c.ID
	return nil
}

func (m *MemStore) save(c ordersvc.Checkout) error {
	cur, ok := m.checkouts[c.ID]
	if !ok || decodeCheckout(cur).Version != c.Version-1 {
		return errs.E(errs.Conflict, order.CodeInProgress, "the checkout was changed by another process")
	}
	b, _ := json.Marshal(c)
	m.checkouts[c.ID] = b
	if c.State == ordersvc.Compensated && m.active[c.CartID] == c.ID {
		delete(m.active, c.CartID)
	}
	return nil
}

// SaveCheckout implements ordersvc.Store.
func (m *MemStore) SaveCheckout(_ context.Context, c ordersvc.Checkout, events []event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.save(c); err != nil {
		return err
	}
	m.Record(events...)
	return nil
}

// GetCheckout implements ordersvc.Store.
func (m *MemStore) GetCheckout(_ context.Context, id string) (ordersvc.Checkout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.checkouts[id]
	if !ok {
		return ordersvc.Checkout{}, errs.E(errs.NotFound, "not_found", "checkout not found")
	}
	return decodeCheckout(b), nil
}

func (m *MemStore) filter(keep func(ordersvc.Checkout) bool) []ordersvc.Checkout {
	var out []ordersvc.Checkout
	for _, b := range m.checkouts {
		if c := decodeCheckout(b); keep(c) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CheckoutsOfCart implements ordersvc.Store.
func (m *MemStore) CheckoutsOfCart(_ context.Context, cartID string) ([]ordersvc.Checkout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.filter(func(c ordersvc.Checkout) bool { return c.CartID == cartID }), nil
}

// Unfinished implements ordersvc.Store.
func (m *MemStore) Unfinished(_ context.Context, before time.Time, limit int) ([]ordersvc.Checkout, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.filter(func(c ordersvc.Checkout) bool { return c.State == ordersvc.Running && !c.UpdatedAt.After(before) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// CreateOrder implements ordersvc.Store.
func (m *MemStore) CreateOrder(_ context.Context, o order.Order, tokenHash string, c ordersvc.Checkout) (order.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.orders[o.ID]; dup {
		return order.Order{}, errs.E(errs.Conflict, "", "order exists")
	}
	if err := m.save(c); err != nil {
		return order.Order{}, err
	}
	m.number++
	o.Number = strconv.FormatInt(m.number, 10)
	b, _ := json.Marshal(o)
	m.orders[o.ID] = b
	m.tokens[tokenHash] = o.ID
	return o, nil
}

// AddToken implements ordersvc.Store.
func (m *MemStore) AddToken(_ context.Context, orderID, tokenHash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[tokenHash] = orderID
	return nil
}

// HasToken implements ordersvc.Store.
func (m *MemStore) HasToken(_ context.Context, orderID, tokenHash string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[tokenHash] == orderID, nil
}

// GetOrder implements ordersvc.Store.
func (m *MemStore) GetOrder(_ context.Context, id string) (order.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.orders[id]
	if !ok {
		return order.Order{}, errs.E(errs.NotFound, "not_found", "order not found")
	}
	return decodeOrder(b), nil
}

// UpdateOrder implements ordersvc.Store.
func (m *MemStore) UpdateOrder(_ context.Context, id string, fn func(*order.Order) ([]event.Event, error)) (order.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.orders[id]
	if !ok {
		return order.Order{}, errs.E(errs.NotFound, "not_found", "order not found")
	}
	o := decodeOrder(b)
	events, err := fn(&o)
	if err != nil {
		return order.Order{}, err
	}
	b, _ = json.Marshal(o)
	m.orders[id] = b
	m.Record(events...)
	return decodeOrder(b), nil
}

// PendingCancels implements ordersvc.Store.
func (m *MemStore) PendingCancels(_ context.Context, before time.Time, limit int) ([]order.Order, error) {
	return m.pending(before, limit, func(o order.Order) bool { return o.Cancellation.Pending() }), nil
}

// PendingPayments implements ordersvc.Store.
func (m *MemStore) PendingPayments(_ context.Context, before time.Time, limit int) ([]order.Order, error) {
	return m.pending(before, limit, func(o order.Order) bool { return o.PaymentOp != nil }), nil
}

// pending lists up to limit orders of which is true, last changed before
// before, oldest change first.
func (m *MemStore) pending(before time.Time, limit int, which func(order.Order) bool) []order.Order {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []order.Order
	for _, b := range m.orders {
		if o := decodeOrder(b); which(o) && !o.UpdatedAt.After(before) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UpdatedAt.Before(out[j].UpdatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// ListOrders implements ordersvc.Store.
func (m *MemStore) ListOrders(_ context.Context, status order.Status, customerID, before string, limit int) ([]order.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []order.Order{}
	for _, b := range m.orders {
		o := decodeOrder(b)
		if (status == "" || o.Status == status) && (customerID == "" || o.CustomerID == customerID) && (before == "" || o.ID < before) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

var _ ordersvc.Store = (*MemStore)(nil)
