// Package inventorysvc implements inventory.Service: validation,
// allocation, the state machine of reservations, ledger rows and events
// over a private Store, with the writes of each SKU coalesced into group
// commits.
package inventorysvc

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
)

// Config tunes the service.
type Config struct {
	// Coalesce gathers the concurrent writes of one SKU into one
	// transaction (default true). Without it every call is a transaction
	// of its own; the benchmarks compare both.
	Coalesce bool
	// Writers, when positive, is how many writers the SKUs share (a SKU's
	// writer is chosen by a hash of it): a batch then also gathers the
	// calls of different SKUs. Use 1 on SQLite, whose one writer
	// connection serializes every transaction anyway. Zero means one
	// writer per SKU. A hot SKU always has a single writer.
	Writers int
	// MaxBatch bounds how many calls one transaction applies.
	MaxBatch int
	// BatchTimeout bounds one batch's transaction.
	BatchTimeout time.Duration
	// SweepInterval is how often Sweep expires reservations.
	SweepInterval time.Duration
	// SweepBatch is how many reservations one sweep expires at most.
	SweepBatch int
	// Allocator chooses locations; WholeThenSplit when nil.
	Allocator Allocator
	// AvailabilitySKUs is how many SKUs' stock Availability keeps in
	// memory (0: none, it reads like GetStock); AvailabilityTTL bounds how
	// long (a safety net for another process's lost event).
	AvailabilitySKUs int
	AvailabilityTTL  time.Duration
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Coalesce: true, MaxBatch: 512, BatchTimeout: 30 * time.Second, SweepInterval: 5 * time.Second, SweepBatch: 1000,
		AvailabilitySKUs: 100_000, AvailabilityTTL: 5 * time.Second}
}

// Service implements inventory.Service.
type Service struct {
	store Store
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	alloc Allocator
	co    *coalescer
	avail *cache.Versioned[string, inventory.Stock] // nil: Availability reads like GetStock
}

// New returns the inventory service over store; now is its clock.
func New(store Store, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	d := DefaultConfig()
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = d.MaxBatch
	}
	if cfg.BatchTimeout <= 0 {
		cfg.BatchTimeout = d.BatchTimeout
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = d.SweepInterval
	}
	if cfg.SweepBatch <= 0 {
		cfg.SweepBatch = d.SweepBatch
	}
	if cfg.Allocator == nil {
		cfg.Allocator = WholeThenSplit{}
	}
	s := &Service{store: store, cfg: cfg, log: log, alloc: cfg.Allocator,
		now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
	s.co = newCoalescer(cfg.MaxBatch, s.applyBatch)
	if cfg.AvailabilitySKUs > 0 {
		s.avail = newAvailability(cfg.AvailabilitySKUs, cmp.Or(cfg.AvailabilityTTL, d.AvailabilityTTL))
	}
	return s
}

type opKind uint8

const (
	opReserve opKind = iota
	opCommit
	opRelease
	opExpire
	opSet
	opAdjust
	opItem
)

// op is one write waiting for, or done by, a batch.
type op struct {
	kind    opKind
	ctx     context.Context
	skus    []string // sorted; skus[0] is the coalescing key
	resID   string
	reserve inventory.ReserveCommand
	ttl     time.Duration
	orderID string
	set     inventory.SetLevelCommand
	delta   int64
	item    inventory.UpdateItemCommand
	done    chan struct{}

	res     inventory.Reservation
	level   inventory.Level
	itemOut inventory.Item
	changed bool
	err     error
}

// do runs o through the SKU's writer (or alone without coalescing).
func (s *Service) do(ctx context.Context, o *op) error {
	o.ctx = ctx
	o.done = make(chan struct{})
	if !s.cfg.Coalesce {
		s.applyBatch([]*op{o})
		return o.err
	}
	key := o.skus[0]
	if s.cfg.Writers > 0 {
		h := fnv.New32a()
		h.Write([]byte(key))
		key = strconv.Itoa(int(h.Sum32() % uint32(s.cfg.Writers)))
	}
	s.co.submit(key, o)
	return wait(ctx, o)
}

// applyBatch applies ops in one transaction and gives each its result.
func (s *Service) applyBatch(batch []*op) {
	live := make([]*op, 0, len(batch))
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.err = err
			close(o.done)
			continue
		}
		live = append(live, o)
	}
	if len(live) == 0 {
		return
	}
	var scope Scope
	for _, o := range live {
		scope.SKUs = append(scope.SKUs, o.skus...)
		if o.resID != "" {
			scope.ReservationIDs = append(scope.ReservationIDs, o.resID)
		}
		if o.kind == opReserve && o.reserve.Reference != "" {
			scope.References = append(scope.References, o.reserve.Reference)
		}
	}
	scope.SKUs = sortedSKUs(scope.SKUs)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), s.cfg.BatchTimeout)
	defer cancel()
	err := s.store.Apply(ctx, scope, func(st *State) (err error) {
		// A panic must not leave callers waiting forever or kill a writer
		// silently: the batch fails and every caller gets an error.
		defer func() {
			if p := recover(); p != nil {
				err = errs.Wrap(fmt.Errorf("panic: %v", p), errs.Internal, "", "inventory batch failed")
			}
		}()
		s.run(st, live)
		return nil
	})
	if err != nil {
		s.log.Warn("inventory batch failed", "ops", len(live), "err", err)
	}
	if s.avail != nil {
		for _, sku := range scope.SKUs { // even on error: a failed commit may have landed
			s.avail.Invalidate(sku)
		}
	}
	for _, o := range live {
		if err != nil {
			o.err = err
		}
		close(o.done)
	}
}

// allocationOrder sorts locations by priority, then the default first,
// then id.
func allocationOrder(locs []inventory.Location) []inventory.Location {
	out := slices.Clone(locs)
	slices.SortStableFunc(out, func(a, b inventory.Location) int {
		if c := cmp.Compare(a.Priority, b.Priority); c != 0 {
			return c
		}
		if a.Default != b.Default {
			if a.Default {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// run applies ops to st in order; each op's failure is its own result.
func (s *Service) run(st *State, ops []*op) {
	now := s.now()
	st.Locations = allocationOrder(st.Locations)
	before := map[string]int64{}
	for sku := range st.Items {
		before[sku] = st.totals(sku).Available
	}
	for _, o := range ops {
		o.err, o.res, o.level, o.itemOut, o.changed = nil, inventory.Reservation{}, inventory.Level{}, inventory.Item{}, false
		switch o.kind {
		case opReserve:
			s.applyReserve(st, o, now)
		case opCommit, opRelease, opExpire:
			s.applyTransition(st, o, now)
		case opSet, opAdjust:
			s.applyLevel(st, o, now)
		case opItem:
			s.applyItem(st, o, now)
		}
	}
	for _, sku := range st.touched {
		it := st.Items[sku]
		if it == nil {
			continue
		}
		lc := inventory.LevelChanged{SKU: sku, TrackInventory: it.TrackInventory, AllowBackorder: it.AllowBackorder, Levels: st.levelsOf(sku)}
		for _, l := range lc.Levels {
			lc.Totals.Add(l)
		}
		if lc.Levels == nil {
			lc.Levels = []inventory.Level{}
		}
		s.emit(st, inventory.EventLevelChanged, sku, lc, now)
		if it.TrackInventory && !it.AllowBackorder {
			b, a := before[sku], lc.Totals.Available
			switch {
			case b > 0 && a <= 0:
				s.emit(st, inventory.EventOutOfStock, sku, lc, now)
			case b <= 0 && a > 0:
				s.emit(st, inventory.EventRestocked, sku, lc, now)
			}
		}
	}
}

func (s *Service) emit(st *State, typ, subject string, data any, now time.Time) {
	e, err := event.New(inventory.Module, typ, subject, data, now)
	if err != nil {
		s.log.Error("inventory event", "type", typ, "err", err)
		return
	}
	st.Events = append(st.Events, e)
}

func cloneRes(r *inventory.Reservation) inventory.Reservation {
	c := *r
	c.Lines = slices.Clone(r.Lines)
	c.Allocations = slices.Clone(r.Allocations)
	return c
}

func outOfStock(skus []string, fields []errs.FieldError) error {
	return &errs.Error{Kind: errs.Conflict, Code: "out_of_stock", Message: "not enough stock for " + strings.Join(skus, ", "), Fields: fields}
}

func (s *Service) applyReserve(st *State, o *op, now time.Time) {
	cmd := o.reserve
	if cmd.Reference != "" {
		if r, ok := st.byRef[cmd.Reference]; ok {
			if !slices.Equal(r.Lines, cmd.Lines) {
				o.err = errs.E(errs.Conflict, "reference_conflict", "reference %q was used for a reservation of other lines", cmd.Reference)
				return
			}
			o.res = cloneRes(r)
			return
		}
	}
	var unknown []string
	for _, ln := range cmd.Lines {
		if st.Items[ln.SKU] == nil {
			unknown = append(unknown, ln.SKU)
		}
	}
	if len(unknown) > 0 {
		o.err = errs.E(errs.NotFound, "not_found", "unknown SKU: %s", strings.Join(unknown, ", "))
		return
	}
	def, hasDef := st.defaultLocation()
	var allocs []inventory.Allocation
	var short []string
	var fields []errs.FieldError
	for i, ln := range cmd.Lines {
		it := st.Items[ln.SKU]
		if !it.TrackInventory {
			if !hasDef {
				o.err = errs.E(errs.Internal, "", "no stock location")
				return
			}
			allocs = append(allocs, inventory.Allocation{SKU: ln.SKU, LocationID: def.ID, Quantity: ln.Quantity})
			continue
		}
		levels := map[string]inventory.Level{}
		var avail int64
		for _, loc := range st.Locations {
			if l, ok := st.Levels[LevelKey{ln.SKU, loc.ID}]; ok {
				levels[loc.ID] = *l
				avail += max(0, l.Available)
			}
		}
		a, ok := s.alloc.Allocate(ln, *it, st.Locations, levels)
		if ok {
			if err := checkAllocation(ln, *it, st, a); err != nil {
				o.err = err
				return
			}
			allocs = append(allocs, a...)
			continue
		}
		short = append(short, ln.SKU)
		fields = append(fields, errs.Field(fmt.Sprintf("lines[%d].quantity", i), "%s: %d requested, %d available", ln.SKU, ln.Quantity, avail))
	}
	if len(short) > 0 {
		o.err = outOfStock(short, fields)
		return
	}
	r := &inventory.Reservation{ID: id.New("res"), Reference: cmd.Reference, Owner: cmd.Owner, State: inventory.Active,
		Lines: slices.Clone(cmd.Lines), Allocations: allocs, ExpiresAt: now.Add(o.ttl), CreatedAt: now, UpdatedAt: now}
	for _, a := range allocs {
		if a.Held {
			st.change(LevelKey{a.SKU, a.LocationID}, 0, a.Quantity, 0, "reserved", r.ID, now)
		}
	}
	st.addReservation(r)
	s.emit(st, inventory.EventReserved, r.ID, r, now)
	o.res = cloneRes(r)
}

// checkAllocation holds any Allocator to the contract, so that a faulty
// strategy can never break the invariant.
func checkAllocation(ln inventory.Line, it inventory.Item, st *State, allocs []inventory.Allocation) error {
	var sum int64
	seen := map[string]bool{}
	for _, a := range allocs {
		l := st.Levels[LevelKey{ln.SKU, a.LocationID}]
		_, known := st.location(a.LocationID)
		bad := a.SKU != ln.SKU || a.Quantity <= 0 || !known || seen[a.LocationID] || !a.Held
		if !bad && !it.AllowBackorder {
			bad = l == nil || a.Quantity > l.Available
		}
		if bad {
			return errs.E(errs.Internal, "", "the allocator returned an invalid allocation %+v for %+v", a, ln)
		}
		seen[a.LocationID] = true
		sum += a.Quantity
	}
	if sum != ln.Quantity {
		return errs.E(errs.Internal, "", "the allocator allocated %d of %d units of %s", sum, ln.Quantity, ln.SKU)
	}
	return nil
}

func (s *Service) applyTransition(st *State, o *op, now time.Time) {
	r, ok := st.Reservations[o.resID]
	if !ok {
		o.err = errs.E(errs.NotFound, "not_found", "reservation not found")
		return
	}
	switch o.kind {
	case opCommit:
		switch r.State {
		case inventory.Committed:
			o.res = cloneRes(r)
			return
		case inventory.Released:
			o.err = errs.E(errs.Conflict, "reservation_released", "the reservation was released")
			return
		case inventory.Expired:
			o.err = errs.E(errs.Conflict, "reservation_expired", "the reservation expired")
			return
		}
		for _, a := range r.Allocations {
			if a.Held {
				st.change(LevelKey{a.SKU, a.LocationID}, -a.Quantity, -a.Quantity, a.Quantity, "committed", r.ID, now)
			}
		}
		r.State, r.OrderID = inventory.Committed, o.orderID
		s.emitTransition(st, r, inventory.EventCommitted, now)
	case opRelease, opExpire:
		switch r.State {
		case inventory.Committed:
			if o.kind == opRelease {
				o.err = errs.E(errs.Conflict, "reservation_committed", "the reservation was committed")
				return
			}
			o.res = cloneRes(r)
			return
		case inventory.Released, inventory.Expired:
			o.res = cloneRes(r)
			return
		}
		if o.kind == opExpire && now.Before(r.ExpiresAt) {
			o.res = cloneRes(r)
			return
		}
		reason, state, typ := "released", inventory.Released, inventory.EventReleased
		if o.kind == opExpire {
			reason, state, typ = "expired", inventory.Expired, inventory.EventExpired
		}
		for _, a := range r.Allocations {
			if a.Held {
				st.change(LevelKey{a.SKU, a.LocationID}, 0, -a.Quantity, 0, reason, r.ID, now)
			}
		}
		r.State = state
		s.emitTransition(st, r, typ, now)
	}
	o.changed = true
	o.res = cloneRes(r)
}

func (s *Service) emitTransition(st *State, r *inventory.Reservation, typ string, now time.Time) {
	r.UpdatedAt = now
	st.changedReservation(r.ID)
	s.emit(st, typ, r.ID, r, now)
}

func (s *Service) applyLevel(st *State, o *op, now time.Time) {
	cmd := o.set
	it := st.Items[cmd.SKU]
	if it == nil && o.kind == opAdjust {
		o.err = errs.E(errs.NotFound, "not_found", "unknown SKU: %s", cmd.SKU)
		return
	}
	var loc inventory.Location
	var ok bool
	if cmd.LocationID == "" {
		loc, ok = st.defaultLocation()
	} else {
		loc, ok = st.location(cmd.LocationID)
	}
	if !ok {
		o.err = errs.E(errs.NotFound, "not_found", "location not found")
		return
	}
	key := LevelKey{cmd.SKU, loc.ID}
	var cur inventory.Level
	if l := st.Levels[key]; l != nil {
		cur = *l
	}
	onHand := cmd.OnHand
	if o.kind == opAdjust {
		onHand = cur.OnHand + o.delta
	}
	tracked, backorder := true, false
	if it != nil {
		tracked, backorder = it.TrackInventory, it.AllowBackorder
	}
	switch {
	case onHand > inventory.MaxOnHand:
		o.err = errs.Validation(errs.Field("delta", "would make on_hand exceed %d", int64(inventory.MaxOnHand)))
		return
	case onHand < 0:
		o.err = errs.E(errs.Conflict, "negative_on_hand", "on_hand would be %d; it cannot go below zero", onHand)
		return
	case tracked && !backorder && onHand < cur.Reserved:
		o.err = errs.E(errs.Conflict, "below_reserved", "on_hand %d would be below the %d units reserved; release reservations first", onHand, cur.Reserved)
		return
	}
	if it == nil {
		st.putItem(inventory.Item{SKU: cmd.SKU, TrackInventory: true, CreatedAt: now, UpdatedAt: now})
	}
	reason := cmd.Reason
	if reason == "" {
		reason = "set"
	}
	l := st.change(key, onHand-cur.OnHand, 0, 0, reason, cmd.Reference, now)
	l.Available = l.OnHand - l.Reserved
	o.level = *l
}

func (s *Service) applyItem(st *State, o *op, now time.Time) {
	cmd := o.item
	it := inventory.Item{SKU: cmd.SKU, TrackInventory: true, CreatedAt: now, UpdatedAt: now}
	old := st.Items[cmd.SKU]
	if old != nil {
		it = *old
	}
	if cmd.TrackInventory != nil {
		it.TrackInventory = *cmd.TrackInventory
	}
	if cmd.AllowBackorder != nil {
		it.AllowBackorder = *cmd.AllowBackorder
	}
	if old == nil || *old != it {
		it.UpdatedAt = now
		st.putItem(it)
	}
	o.itemOut = *st.Items[cmd.SKU]
}

// CreateLocation implements inventory.Service.
func (s *Service) CreateLocation(ctx context.Context, cmd inventory.CreateLocationCommand) (inventory.Location, error) {
	v := &errs.Validator{}
	name := strings.TrimSpace(cmd.Name)
	text(v, "name", name, inventory.MaxText, true)
	v.Check(cmd.Priority >= 0 && cmd.Priority <= 1_000_000, "priority", "must be between 0 and 1000000")
	if err := v.Err(); err != nil {
		return inventory.Location{}, err
	}
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return inventory.Location{}, err
	}
	if len(locs) >= inventory.MaxLocations {
		return inventory.Location{}, errs.E(errs.Conflict, "too_many_locations", "at most %d locations", inventory.MaxLocations)
	}
	l := inventory.Location{ID: id.New("loc"), Name: name, Priority: cmd.Priority, CreatedAt: s.now()}
	e, err := event.New(inventory.Module, "inventory.location_created", l.ID, l, l.CreatedAt)
	if err != nil {
		return inventory.Location{}, err
	}
	if err := s.store.InsertLocation(ctx, l, []event.Event{e}); err != nil {
		return inventory.Location{}, err
	}
	return l, nil
}

// ListLocations implements inventory.Service.
func (s *Service) ListLocations(ctx context.Context) ([]inventory.Location, error) {
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return nil, err
	}
	return allocationOrder(locs), nil
}

// UpdateItem implements inventory.Service.
func (s *Service) UpdateItem(ctx context.Context, cmd inventory.UpdateItemCommand) (inventory.Item, error) {
	v := &errs.Validator{}
	cmd.SKU = validSKU(v, "sku", cmd.SKU)
	if err := v.Err(); err != nil {
		return inventory.Item{}, err
	}
	o := &op{kind: opItem, skus: []string{cmd.SKU}, item: cmd}
	if err := s.do(ctx, o); err != nil {
		return inventory.Item{}, err
	}
	return o.itemOut, nil
}

// GetStock implements inventory.Service.
func (s *Service) GetStock(ctx context.Context, sku string) (inventory.Stock, error) {
	v := &errs.Validator{}
	if validSKU(v, "sku", sku); v.Err() != nil {
		return inventory.Stock{}, errs.E(errs.NotFound, "not_found", "unknown SKU")
	}
	it, levels, err := s.store.Stock(ctx, sku)
	if err != nil {
		return inventory.Stock{}, err
	}
	st := inventory.Stock{Item: it, Levels: levels}
	if st.Levels == nil {
		st.Levels = []inventory.Level{}
	}
	for _, l := range st.Levels {
		st.Totals.Add(l)
	}
	return st, nil
}

// SetLevel implements inventory.Service.
func (s *Service) SetLevel(ctx context.Context, cmd inventory.SetLevelCommand) (inventory.Level, error) {
	v := &errs.Validator{}
	cmd.SKU = validSKU(v, "sku", cmd.SKU)
	v.Check(cmd.OnHand >= 0 && cmd.OnHand <= inventory.MaxOnHand, "on_hand", "must be between 0 and %d", int64(inventory.MaxOnHand))
	cmd.Reason = strings.TrimSpace(cmd.Reason)
	text(v, "reason", cmd.Reason, inventory.MaxText, false)
	text(v, "reference", cmd.Reference, inventory.MaxReferences, false)
	locationID(v, cmd.LocationID)
	if err := v.Err(); err != nil {
		return inventory.Level{}, err
	}
	o := &op{kind: opSet, skus: []string{cmd.SKU}, set: cmd}
	if err := s.do(ctx, o); err != nil {
		return inventory.Level{}, err
	}
	return o.level, nil
}

// Adjust implements inventory.Service.
func (s *Service) Adjust(ctx context.Context, cmd inventory.AdjustCommand) (inventory.Level, error) {
	v := &errs.Validator{}
	cmd.SKU = validSKU(v, "sku", cmd.SKU)
	v.Check(cmd.Delta != 0 && cmd.Delta >= -inventory.MaxOnHand && cmd.Delta <= inventory.MaxOnHand, "delta", "must be non-zero and between -%d and %d", int64(inventory.MaxOnHand), int64(inventory.MaxOnHand))
	cmd.Reason = strings.TrimSpace(cmd.Reason)
	text(v, "reason", cmd.Reason, inventory.MaxText, true)
	text(v, "reference", cmd.Reference, inventory.MaxReferences, false)
	locationID(v, cmd.LocationID)
	if err := v.Err(); err != nil {
		return inventory.Level{}, err
	}
	o := &op{kind: opAdjust, skus: []string{cmd.SKU}, delta: cmd.Delta,
		set: inventory.SetLevelCommand{SKU: cmd.SKU, LocationID: cmd.LocationID, Reason: cmd.Reason, Reference: cmd.Reference}}
	if err := s.do(ctx, o); err != nil {
		return inventory.Level{}, err
	}
	return o.level, nil
}

// Reserve implements inventory.Service.
func (s *Service) Reserve(ctx context.Context, cmd inventory.ReserveCommand) (inventory.Reservation, error) {
	v := &errs.Validator{}
	text(v, "reference", cmd.Reference, inventory.MaxReferences, false)
	text(v, "owner", cmd.Owner, inventory.MaxReferences, false)
	switch {
	case len(cmd.Lines) == 0:
		v.Add("lines", "is required")
	case len(cmd.Lines) > inventory.MaxLines:
		v.Add("lines", "has more than %d lines", inventory.MaxLines)
	}
	ttl := inventory.DefaultTTL
	if cmd.TTLSeconds != 0 {
		ttl = time.Duration(cmd.TTLSeconds) * time.Second
		v.Check(cmd.TTLSeconds > 0 && cmd.TTLSeconds <= int64(inventory.MaxTTL/time.Second), "ttl_seconds", "must be between 1 and %d", int64(inventory.MaxTTL/time.Second))
	}
	lines := make([]inventory.Line, len(cmd.Lines))
	seen := map[string]int{}
	var skus []string
	for i, ln := range cmd.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		ln.SKU = validSKU(v, f+".sku", ln.SKU)
		v.Check(ln.Quantity >= 1 && ln.Quantity <= inventory.MaxQuantity, f+".quantity", "must be between 1 and %d", inventory.MaxQuantity)
		if j, dup := seen[ln.SKU]; dup && ln.SKU != "" {
			v.Add(f+".sku", "repeats the SKU of line %d", j)
		}
		seen[ln.SKU] = i
		lines[i] = ln
		skus = append(skus, ln.SKU)
	}
	if err := v.Err(); err != nil {
		return inventory.Reservation{}, err
	}
	cmd.Lines = lines
	o := &op{kind: opReserve, skus: sortedSKUs(skus), reserve: cmd, ttl: ttl}
	if err := s.do(ctx, o); err != nil {
		return inventory.Reservation{}, err
	}
	return o.res, nil
}

func (s *Service) transition(ctx context.Context, kind opKind, resID, orderID string) (inventory.Reservation, error) {
	if !id.Valid("res", resID) {
		return inventory.Reservation{}, errs.E(errs.NotFound, "not_found", "reservation not found")
	}
	r, err := s.store.Reservation(ctx, resID)
	if err != nil {
		return inventory.Reservation{}, err
	}
	// Final states never change: answer them without a transaction.
	switch {
	case r.State == inventory.Committed && kind == opCommit, r.State == inventory.Released && kind != opCommit, r.State == inventory.Expired && kind != opCommit:
		return r, nil
	}
	var skus []string
	for _, ln := range r.Lines {
		skus = append(skus, ln.SKU)
	}
	o := &op{kind: kind, skus: sortedSKUs(skus), resID: resID, orderID: orderID}
	if err := s.do(ctx, o); err != nil {
		return inventory.Reservation{}, err
	}
	return o.res, nil
}

// Commit implements inventory.Service.
func (s *Service) Commit(ctx context.Context, cmd inventory.CommitCommand) (inventory.Reservation, error) {
	v := &errs.Validator{}
	text(v, "order_id", cmd.OrderID, inventory.MaxReferences, false)
	if err := v.Err(); err != nil {
		return inventory.Reservation{}, err
	}
	return s.transition(ctx, opCommit, cmd.ReservationID, cmd.OrderID)
}

// Release implements inventory.Service.
func (s *Service) Release(ctx context.Context, cmd inventory.ReleaseCommand) (inventory.Reservation, error) {
	return s.transition(ctx, opRelease, cmd.ReservationID, "")
}

// GetReservation implements inventory.Service.
func (s *Service) GetReservation(ctx context.Context, resID string) (inventory.Reservation, error) {
	if !id.Valid("res", resID) {
		return inventory.Reservation{}, errs.E(errs.NotFound, "not_found", "reservation not found")
	}
	return s.store.Reservation(ctx, resID)
}

// ExpireReservations implements inventory.Service: the active reservations
// past their expiry are expired through their SKUs' writers.
func (s *Service) ExpireReservations(ctx context.Context, cmd inventory.ExpireCommand) (inventory.ExpireResult, error) {
	limit := cmd.Limit
	if limit <= 0 || limit > s.cfg.SweepBatch {
		limit = s.cfg.SweepBatch
	}
	due, err := s.store.DueReservations(ctx, s.now(), limit)
	if err != nil {
		return inventory.ExpireResult{}, err
	}
	ops := make([]*op, len(due))
	var wg sync.WaitGroup
	for i, d := range due {
		ops[i] = &op{kind: opExpire, skus: sortedSKUs(d.SKUs), resID: d.ID}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.do(ctx, ops[i])
		}()
	}
	wg.Wait()
	var res inventory.ExpireResult
	var firstErr error
	for _, o := range ops {
		if o.err != nil && firstErr == nil {
			firstErr = o.err
		}
		if o.err == nil && o.changed {
			res.Expired++
		}
	}
	return res, firstErr
}

// Sweep expires reservations every SweepInterval until ctx ends.
func (s *Service) Sweep(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			res, err := s.ExpireReservations(ctx, inventory.ExpireCommand{})
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("expiring reservations failed", "err", err)
				}
				break
			}
			if res.Expired > 0 {
				s.log.Info("expired reservations", "count", res.Expired)
			}
			if res.Expired < s.cfg.SweepBatch {
				break
			}
		}
	}
}

// Ledger implements inventory.Service.
func (s *Service) Ledger(ctx context.Context, q inventory.LedgerQuery) (inventory.Page[inventory.LedgerEntry], error) {
	v := &errs.Validator{}
	q.SKU = validSKU(v, "sku", q.SKU)
	var after int64
	if q.Cursor != "" {
		n, err := strconv.ParseInt(q.Cursor, 10, 64)
		v.Check(err == nil && n >= 0, "cursor", "is not a cursor of this list")
		after = n
	}
	if err := v.Err(); err != nil {
		return inventory.Page[inventory.LedgerEntry]{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = inventory.DefaultLimit
	}
	limit = min(limit, inventory.MaxListLimit)
	if _, _, err := s.store.Stock(ctx, q.SKU); err != nil {
		return inventory.Page[inventory.LedgerEntry]{}, err
	}
	rows, err := s.store.Ledger(ctx, q.SKU, after, limit+1)
	if err != nil {
		return inventory.Page[inventory.LedgerEntry]{}, err
	}
	page := inventory.Page[inventory.LedgerEntry]{Data: rows}
	if len(rows) > limit {
		page.Data = rows[:limit]
		page.NextCursor = strconv.FormatInt(rows[limit-1].Seq, 10)
	}
	if page.Data == nil {
		page.Data = []inventory.LedgerEntry{}
	}
	return page, nil
}

// Reconcile implements inventory.Service.
func (s *Service) Reconcile(ctx context.Context) (inventory.ReconcileReport, error) {
	snap, err := s.store.Snapshot(ctx)
	if err != nil {
		return inventory.ReconcileReport{}, err
	}
	return Reconcile(snap), nil
}

// Reconcile compares a snapshot's levels with the sums of their ledger and
// checks the invariant.
func Reconcile(snap Snapshot) inventory.ReconcileReport {
	rep := inventory.ReconcileReport{Levels: len(snap.Levels), Differences: []inventory.Difference{}, Violations: []inventory.Violation{}}
	sums := map[LevelKey]LedgerSum{}
	for _, sm := range snap.Sums {
		sums[LevelKey{sm.SKU, sm.LocationID}] = sm
		rep.Entries += sm.Entries
	}
	for _, l := range snap.Levels {
		key := LevelKey{l.SKU, l.LocationID}
		sm := sums[key]
		delete(sums, key)
		for _, f := range []struct {
			name        string
			level, sums int64
		}{{"on_hand", l.OnHand, sm.OnHand}, {"reserved", l.Reserved, sm.Reserved}, {"committed", l.Committed, sm.Committed}} {
			if f.level != f.sums {
				rep.Differences = append(rep.Differences, inventory.Difference{SKU: l.SKU, LocationID: l.LocationID, Field: f.name, Level: f.level, Ledger: f.sums})
			}
		}
		it := snap.Items[l.SKU]
		viol := func(format string, args ...any) {
			rep.Violations = append(rep.Violations, inventory.Violation{SKU: l.SKU, LocationID: l.LocationID, Problem: fmt.Sprintf(format, args...)})
		}
		if l.Reserved < 0 || l.Committed < 0 {
			viol("negative units: reserved %d, committed %d", l.Reserved, l.Committed)
		}
		if it.TrackInventory && !it.AllowBackorder && l.Reserved > l.OnHand {
			viol("reserved %d exceeds on_hand %d", l.Reserved, l.OnHand)
		}
		if h := snap.Held[key]; h != l.Reserved {
			viol("reserved %d but active reservations hold %d", l.Reserved, h)
		}
		delete(snap.Held, key)
	}
	for key, sm := range sums {
		if sm.OnHand != 0 || sm.Reserved != 0 || sm.Committed != 0 {
			rep.Differences = append(rep.Differences, inventory.Difference{SKU: key.SKU, LocationID: key.LocationID, Field: "level_missing"})
		}
	}
	for key, h := range snap.Held {
		if h != 0 {
			rep.Violations = append(rep.Violations, inventory.Violation{SKU: key.SKU, LocationID: key.LocationID, Problem: fmt.Sprintf("active reservations hold %d units at a location without a level", h)})
		}
	}
	slices.SortFunc(rep.Differences, func(a, b inventory.Difference) int {
		return cmp.Or(cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.LocationID, b.LocationID), cmp.Compare(a.Field, b.Field))
	})
	slices.SortFunc(rep.Violations, func(a, b inventory.Violation) int {
		return cmp.Or(cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.LocationID, b.LocationID), cmp.Compare(a.Problem, b.Problem))
	})
	rep.OK = len(rep.Differences) == 0 && len(rep.Violations) == 0
	return rep
}

var _ inventory.Service = (*Service)(nil)
