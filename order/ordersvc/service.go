// Package ordersvc implements order.Service: the checkout saga with its
// durable log and recovery, and the operations on orders of record, over a
// private Store and the narrow views of cart, inventory and payment in
// deps.go.
package ordersvc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/order"
	"github.com/agoracommerce/agora/payment"
	"github.com/agoracommerce/agora/platform/address"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
)

// Config tunes the service.
type Config struct {
	// ReservationTTL is how long a checkout's reservation holds stock
	// before it is committed.
	ReservationTTL time.Duration
	// RecoverAfter is how long a running checkout must have been still
	// before a periodic recovery pass takes it over; RecoverInterval the
	// pause between passes; RecoverBatch the checkouts per pass.
	RecoverAfter    time.Duration
	RecoverInterval time.Duration
	RecoverBatch    int
}

// DefaultConfig: reservations hold 15 minutes; a checkout still for 2
// minutes is recovered, checked every 30 seconds.
func DefaultConfig() Config {
	return Config{ReservationTTL: 15 * time.Minute, RecoverAfter: 2 * time.Minute, RecoverInterval: 30 * time.Second, RecoverBatch: 100}
}

// Service implements order.Service.
type Service struct {
	store Store
	deps  Deps
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
}

// New returns the order service over store, calling deps.
func New(store Store, deps Deps, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	d := DefaultConfig()
	if cfg.ReservationTTL <= 0 {
		cfg.ReservationTTL = d.ReservationTTL
	}
	if cfg.RecoverAfter <= 0 {
		cfg.RecoverAfter = d.RecoverAfter
	}
	if cfg.RecoverInterval <= 0 {
		cfg.RecoverInterval = d.RecoverInterval
	}
	if cfg.RecoverBatch <= 0 {
		cfg.RecoverBatch = d.RecoverBatch
	}
	return &Service{store: store, deps: deps, cfg: cfg, log: log, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

func notFound() error { return errs.E(errs.NotFound, "not_found", "order not found") }

func (s *Service) events(typ string, o order.Order) ([]event.Event, error) {
	e, err := event.New(order.Module, typ, o.ID, o, s.now())
	if err != nil {
		return nil, err
	}
	return []event.Event{e}, nil
}

func newToken() (token, hash string) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	token = "oat_" + hex.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func validate(cmd order.CheckoutCommand) error {
	var v errs.Validator
	v.Check(len(cmd.Key) <= order.MaxKey, "key", "is at most %d characters", order.MaxKey)
	v.Check(address.Email(cmd.Email), "email", "must be an email address")
	a := cmd.ShippingAddress
	for _, f := range []struct{ name, val string }{{"name", a.Name}, {"line1", a.Line1}, {"city", a.City}, {"postal_code", a.PostalCode}} {
		v.Check(strings.TrimSpace(f.val) != "", "shipping_address."+f.name, "is required")
	}
	v.Check(address.Country(a.Country), "shipping_address.country", "must be an ISO 3166-1 alpha-2 country code in upper case")
	v.Check(cmd.Payment.Provider != "", "payment.provider", "is required")
	v.Check(cmd.Payment.Token != "", "payment.token", "is required")
	return v.Err()
}

func checkCart(c cart.Cart) error {
	if c.Status == cart.Completed {
		return errs.E(errs.Conflict, order.CodeCartCompleted, "the cart was checked out")
	}
	if len(c.Items) == 0 {
		return errs.E(errs.Conflict, cart.CodeEmpty, "the cart is empty")
	}
	for _, it := range c.Items {
		if it.Unavailable {
			return errs.E(errs.Conflict, cart.CodeUnavailable, "a line of the cart can no longer be bought; remove it")
		}
	}
	return nil
}

// Checkout implements order.Service.
func (s *Service) Checkout(ctx context.Context, cmd order.CheckoutCommand) (order.CheckoutResult, error) {
	if !id.Valid("cart", cmd.CartID) {
		return order.CheckoutResult{}, errs.E(errs.NotFound, "not_found", "cart not found")
	}
	if err := validate(cmd); err != nil {
		return order.CheckoutResult{}, err
	}
	if res, done, err := s.prior(ctx, cmd); done || err != nil {
		return res, err
	}
	if err := s.deps.Payment.CheckMethod(ctx, payment.CheckMethodQuery{Provider: cmd.Payment.Provider, Token: cmd.Payment.Token}); err != nil {
		return order.CheckoutResult{}, err
	}
	// validate
	c, err := s.deps.Cart.Get(ctx, cmd.CartID)
	if err != nil {
		return order.CheckoutResult{}, err
	}
	if err := checkCart(c); err != nil {
		return order.CheckoutResult{}, err
	}
	// quote and hold: the address decides the tax; the cart answers
	// re-priced and refuses every other change from now on, so that the
	// order has exactly these lines. The hold lapses if this process dies
	// before the checkout is recorded.
	now := s.now()
	chkID := id.New("chk")
	email, addr := cmd.Email, cmd.ShippingAddress
	if c, err = s.deps.Cart.Hold(ctx, cart.HoldCommand{CartID: c.ID, CheckoutID: chkID, Until: now.Add(s.cfg.ReservationTTL),
		Email: &email, ShippingAddress: &addr}); err != nil {
		if errs.HasCode(err, cart.CodeHeld) {
			if res, done, err := s.prior(ctx, cmd); done || err != nil {
				return res, err
			}
		}
		return order.CheckoutResult{}, err
	}
	release := func() {
		if _, err := s.deps.Cart.Release(context.WithoutCancel(ctx), cart.ReleaseCommand{CartID: c.ID, CheckoutID: chkID}); err != nil {
			s.log.Warn("checkout could not release its cart; the hold lapses", "checkout", chkID, "cart", c.ID, "err", err)
		}
	}
	if err := checkCart(c); err != nil {
		release()
		return order.CheckoutResult{}, err
	}
	chk := Checkout{ID: chkID, CartID: c.ID, Key: cmd.Key, Step: StepReserve, State: Running,
		OrderID: id.New("ord"), Provider: cmd.Payment.Provider, Version: 1, CreatedAt: now, UpdatedAt: now}
	chk.Lines = lines(c)
	chk.Order = snapshot(c, chk)
	if err := s.store.InsertCheckout(ctx, chk); err != nil {
		release()
		if errs.HasCode(err, order.CodeInProgress) {
			if res, done, err := s.prior(ctx, cmd); done || err != nil {
				return res, err
			}
		}
		return order.CheckoutResult{}, err
	}
	return s.run(ctx, chk, cmd.Payment.Token)
}

// prior answers a checkout of a cart that has a running or completed
// checkout: the same order for a retry with its key, else a conflict.
func (s *Service) prior(ctx context.Context, cmd order.CheckoutCommand) (order.CheckoutResult, bool, error) {
	all, err := s.store.CheckoutsOfCart(ctx, cmd.CartID)
	if err != nil {
		return order.CheckoutResult{}, false, err
	}
	for _, p := range all {
		if p.State == Compensated {
			continue
		}
		same := cmd.Key != "" && p.Key == cmd.Key
		switch {
		case same && p.State == Completed:
			res, err := s.replay(ctx, p)
			return res, true, err
		case same && p.State == Running && p.Step != StepReserve && p.Step != StepAuthorize && p.Step != StepCreateOrder:
			// The order exists: finish what the first attempt left.
			p, _, err := s.finish(ctx, p, nil)
			if err != nil {
				return order.CheckoutResult{}, true, err
			}
			res, err := s.replay(ctx, p)
			return res, true, err
		case p.State == Completed:
			// A retry without the key (or with another) learns which order
			// the cart became; the order itself is read with its access
			// token or the customer's session.
			o, err := s.store.GetOrder(ctx, p.OrderID)
			if err != nil {
				return order.CheckoutResult{}, true, err
			}
			return order.CheckoutResult{}, true, errs.E(errs.Conflict, order.CodeCartCompleted, "the cart was checked out: it is order %s (%s)", o.Number, o.ID)
		default:
			e := errs.E(errs.Conflict, order.CodeInProgress, "a checkout of this cart is in progress")
			e.RetryAfter = busyRetry
			return order.CheckoutResult{}, true, e
		}
	}
	return order.CheckoutResult{}, false, nil
}

// replay returns the order of a finished checkout with a new access token.
func (s *Service) replay(ctx context.Context, chk Checkout) (order.CheckoutResult, error) {
	o, err := s.store.GetOrder(ctx, chk.OrderID)
	if err != nil {
		return order.CheckoutResult{}, err
	}
	token, hash := newToken()
	if err := s.store.AddToken(ctx, o.ID, hash); err != nil {
		return order.CheckoutResult{}, err
	}
	return order.CheckoutResult{Order: o, AccessToken: token}, nil
}

func lines(c cart.Cart) []inventory.Line {
	var out []inventory.Line
	idx := map[string]int{}
	for _, it := range c.Items {
		if i, ok := idx[it.SKU]; ok {
			out[i].Quantity += it.Quantity
			continue
		}
		idx[it.SKU] = len(out)
		out = append(out, inventory.Line{SKU: it.SKU, Quantity: it.Quantity})
	}
	return out
}

func snapshot(c cart.Cart, chk Checkout) order.Order {
	zero := money.Money{Amount: 0, Currency: c.Currency}
	o := order.Order{ID: chk.OrderID, Status: order.Pending, CartID: c.ID, CheckoutID: chk.ID, Email: c.Email,
		CustomerID: c.CustomerID, Channel: c.Channel, Currency: c.Currency, Totals: c.Totals, ShippingMethod: c.ShippingMethod,
		Paid: zero, Refunded: zero, Refunds: []order.Refund{}, Fulfillments: []order.Fulfillment{}, Version: 1, CreatedAt: chk.CreatedAt, UpdatedAt: chk.CreatedAt}
	if c.ShippingAddress != nil {
		o.ShippingAddress = *c.ShippingAddress
	}
	for _, it := range c.Items {
		o.Items = append(o.Items, order.Item{ID: it.ID, VariantID: it.VariantID, ProductID: it.ProductID, SKU: it.SKU, Title: it.Title,
			VariantTitle: it.VariantTitle, Quantity: it.Quantity, UnitPrice: it.UnitPrice, Total: it.Total, TaxInclusive: it.TaxInclusive})
	}
	return o
}

// save writes the checkout's next version.
func (s *Service) save(ctx context.Context, chk *Checkout, events []event.Event) error {
	chk.Version++
	chk.UpdatedAt = s.now()
	return s.store.SaveCheckout(ctx, *chk, events)
}

// run executes the saga from reserve on. The payment token is never
// stored; a checkout that dies before its authorization is compensated.
//
// The saga log is written when the checkout starts (step reserve), with
// the order (step commit) and when it is done: reserving and authorizing
// are not recorded on their own, because both are found again by the
// checkout's id (the reservation's reference and the authorization's
// key), which is what compensation does for a checkout whose log stops
// before the order exists. Each write of the log is conditional on the
// version before it, so a recovery that claimed a stalled checkout makes
// the live process's next write fail.
func (s *Service) run(ctx context.Context, chk Checkout, token string) (order.CheckoutResult, error) {
	// reserve
	res, err := s.deps.Inventory.Reserve(ctx, inventory.ReserveCommand{Reference: chk.ID, Owner: chk.ID, Lines: chk.Lines,
		TTLSeconds: int64(s.cfg.ReservationTTL / time.Second)})
	if err != nil {
		return order.CheckoutResult{}, s.compensate(ctx, chk, err)
	}
	chk.ReservationID, chk.Step = res.ID, StepAuthorize // in memory: see above
	// authorize
	pay, err := s.deps.Payment.Authorize(ctx, payment.AuthorizeCommand{Key: chk.ID, Reference: chk.ID, Owner: order.Module, Provider: chk.Provider,
		Token: token, Amount: chk.Order.Totals.Total})
	if err != nil {
		return order.CheckoutResult{}, s.compensate(ctx, chk, err)
	}
	chk.PaymentID, chk.Step = pay.ID, StepCreateOrder
	// create order
	o := chk.Order
	o.Status, o.PaymentID, o.ReservationID = order.Authorized, chk.PaymentID, chk.ReservationID
	o.CreatedAt, o.UpdatedAt = s.now(), s.now()
	access, hash := newToken()
	next := chk
	next.Step, next.Version, next.UpdatedAt = StepCommit, chk.Version+1, s.now()
	placed, err := s.store.CreateOrder(ctx, o, hash, next)
	if err != nil {
		return order.CheckoutResult{}, s.compensate(ctx, chk, err)
	}
	// commit, complete the cart, order.placed
	if _, placed, err = s.finish(ctx, next, &placed); err != nil {
		return order.CheckoutResult{}, err
	}
	return order.CheckoutResult{Order: placed, AccessToken: access}, nil
}

// compensate undoes what a checkout that cannot go on holds: the payment
// is voided and the reservation released, then the checkout is marked
// compensated. It returns cause (or, with no cause, what failed). A
// compensation that fails leaves the checkout running for recovery.
func (s *Service) compensate(ctx context.Context, chk Checkout, cause error) error {
	ctx = context.WithoutCancel(ctx)
	fail := func(err error) error {
		s.log.Error("checkout compensation failed; recovery will retry", "checkout", chk.ID, "step", chk.Step, "err", err)
		if cause != nil {
			return cause
		}
		return err
	}
	if chk.PaymentID == "" && (chk.Step != StepReserve || cause == nil) {
		// The authorization's outcome is unknown (recovery, or an
		// authorization whose answer was lost): look it up by its key.
		if p, err := s.deps.Payment.GetByKey(ctx, chk.ID); err == nil {
			chk.PaymentID = p.ID
		} else if !errs.Is(err, errs.NotFound) {
			return fail(err)
		}
	}
	if chk.PaymentID != "" {
		if _, err := s.deps.Payment.Void(ctx, payment.VoidCommand{PaymentID: chk.PaymentID, By: order.Module}); err != nil {
			return fail(err)
		}
	}
	if chk.ReservationID == "" && (cause == nil || errs.Is(cause, errs.Unavailable) || errs.Is(cause, errs.Internal)) {
		// Reserve's outcome is unknown (a crash or an outage during the
		// call): the reference finds the reservation if it was made (or
		// makes one, released at once).
		r, err := s.deps.Inventory.Reserve(ctx, inventory.ReserveCommand{Reference: chk.ID, Owner: chk.ID, Lines: chk.Lines, TTLSeconds: 60})
		switch {
		case err == nil:
			chk.ReservationID = r.ID
		case errs.Is(err, errs.Conflict) || errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound):
			// nothing is held
		default:
			return fail(err)
		}
	}
	if chk.ReservationID != "" {
		if _, err := s.deps.Inventory.Release(ctx, inventory.ReleaseCommand{ReservationID: chk.ReservationID}); err != nil && !errs.Is(err, errs.NotFound) {
			return fail(err)
		}
	}
	// The cart may change again (and be checked out again).
	if _, err := s.deps.Cart.Release(ctx, cart.ReleaseCommand{CartID: chk.CartID, CheckoutID: chk.ID}); err != nil && !errs.Is(err, errs.NotFound) {
		return fail(err)
	}
	chk.State = Compensated
	chk.Error = errs.CodeOf(cause)
	if cause == nil {
		chk.Error = "recovered"
	}
	if err := s.save(ctx, &chk, nil); err != nil {
		return fail(err)
	}
	if cause == nil {
		return nil
	}
	return cause
}

// finish runs the steps after the order exists: commit the reservation,
// complete the cart, emit order.placed. Each is idempotent, so the log is
// written once, when all are done: a checkout that dies before repeats
// them all. placed is the order as created, when the caller has it (it is
// read otherwise); finish returns it.
func (s *Service) finish(ctx context.Context, chk Checkout, placed *order.Order) (Checkout, order.Order, error) {
	ctx = context.WithoutCancel(ctx)
	if chk.Step == StepCommit {
		if _, err := s.deps.Inventory.Commit(ctx, inventory.CommitCommand{ReservationID: chk.ReservationID, OrderID: chk.OrderID}); err != nil {
			if !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.NotFound) {
				return chk, order.Order{}, err
			}
			// The reservation was released or expired before it could be
			// committed: the order stands, and staff must see it.
			s.log.Error("checkout reservation could not be committed", "checkout", chk.ID, "order", chk.OrderID, "err", err)
		}
		chk.Step = StepCompleteCart
	}
	var o order.Order
	if chk.Step == StepCompleteCart {
		if _, err := s.deps.Cart.Complete(ctx, chk.CartID); err != nil {
			if !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.NotFound) || errs.HasCode(err, cart.CodeVersion) {
				return chk, order.Order{}, err
			}
			s.log.Warn("checkout could not complete its cart", "checkout", chk.ID, "cart", chk.CartID, "err", err)
		}
		if placed != nil {
			o = *placed
		} else {
			var err error
			if o, err = s.store.GetOrder(ctx, chk.OrderID); err != nil {
				return chk, o, err
			}
		}
		events, err := s.events(order.EventPlaced, o)
		if err != nil {
			return chk, o, err
		}
		chk.Step, chk.State = StepDone, Completed
		if err := s.save(ctx, &chk, events); err != nil {
			return chk, o, err
		}
	}
	return chk, o, nil
}

// Recover implements order.Service: the checkouts, then the captures and
// refunds, then the cancels.
func (s *Service) Recover(ctx context.Context, olderThan time.Duration) (order.RecoverResult, error) {
	var out order.RecoverResult
	if err := s.recoverCheckouts(ctx, olderThan, &out); err != nil {
		return out, err
	}
	if err := s.recoverPayments(ctx, olderThan, &out); err != nil {
		return out, err
	}
	err := s.recoverCancels(ctx, olderThan, &out)
	return out, err
}

func (s *Service) recoverCheckouts(ctx context.Context, olderThan time.Duration, out *order.RecoverResult) error {
	list, err := s.store.Unfinished(ctx, s.now().Add(-olderThan), s.cfg.RecoverBatch)
	if err != nil {
		return err
	}
	for _, chk := range list {
		// Claim it: a live process still working on it loses its next save.
		if err := s.save(ctx, &chk, nil); err != nil {
			out.Failed++
			continue
		}
		switch chk.Step {
		case StepReserve, StepAuthorize, StepCreateOrder:
			if err := s.compensate(ctx, chk, nil); err != nil {
				out.Failed++
				continue
			}
			out.Compensated++
		default:
			if _, _, err := s.finish(ctx, chk, nil); err != nil {
				s.log.Error("checkout recovery failed; will retry", "checkout", chk.ID, "err", err)
				out.Failed++
				continue
			}
			out.Completed++
		}
	}
	return nil
}

// RunRecovery runs recovery passes every RecoverInterval until ctx ends.
func (s *Service) RunRecovery(ctx context.Context) {
	t := time.NewTicker(s.cfg.RecoverInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if r, err := s.Recover(ctx, s.cfg.RecoverAfter); err != nil {
				s.log.Error("checkout recovery pass failed", "err", err)
			} else if r != (order.RecoverResult{}) {
				s.log.Info("recovery pass", "completed", r.Completed, "compensated", r.Compensated, "failed", r.Failed,
					"cancels_completed", r.CancelsCompleted, "cancels_aborted", r.CancelsAborted, "cancels_failed", r.CancelsFailed,
					"payments_completed", r.PaymentsCompleted, "payments_failed", r.PaymentsFailed)
			}
		}
	}
}

var _ order.Service = (*Service)(nil)
