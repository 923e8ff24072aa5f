package cache

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// stripes is how many generation counters the groups of a cache share.
const stripes = 4096

// Options configures a Versioned cache.
type Options[K comparable, V any] struct {
	// MaxSize bounds the number of entries, or their total weight with
	// Weigher. It must be positive.
	MaxSize int
	// Weigher, when set, weighs an entry.
	Weigher func(K, V) uint32
	// TTL bounds how long an entry lives after it was set (0: no bound),
	// a safety net for a missed invalidation.
	TTL time.Duration
	// TTLAfterRead makes the TTL run from an entry's last read instead.
	TTLAfterRead bool
	// Group names the group of an entry, which Invalidate drops together
	// (a product's id for its documents by id and by handle, a variant's
	// product). Without it Invalidate drops everything.
	Group func(K, V) string
	// KeyGroup, when set, tells the group of a key before its value is
	// read, when the key alone tells it (a product id is its own group).
	KeyGroup func(K) (string, bool)
	// Newer, when set, orders the values of a key: Put never replaces a
	// value with an older one.
	Newer func(a, b V) bool
	// Shared, when set, is a second level shared by every instance.
	Shared *Shared[K, V]
}

// Versioned is a bounded in-process read cache that is correct by
// invalidation, not by expiry. An entry is kept with the generations
// (of its group and of the whole cache) that were current when its value
// was read from the source, and is served only while they still are:
//
//   - Invalidate(group) and InvalidateAll move the generations, so that
//     once they return no entry read before is served;
//   - a read takes its Version before it reads the source, and Set keeps
//     what it read under that Version, so a read that raced with an
//     invalidation is never kept as current, even if it is stored after
//     the invalidation returned.
//
// Groups share a fixed number of generation counters: invalidating a
// group may cost the entries of another group a read, never a stale
// value.
//
// Values may also carry their own version (Options.Newer): Put then keeps
// the newest of the values it is given for a key, in whatever order they
// come, as a register of the newest report.
//
// A Versioned cache is safe for concurrent use. Values are shared by
// every reader and must not be modified.
type Versioned[K comparable, V any] struct {
	entries *otter.Cache[K, entry[V]]
	opts    Options[K, V]
	seed    maphash.Seed
	shared  *shared[K, V] // nil: in-process only

	mu    sync.Mutex              // held to move or check the generations together
	all   atomic.Uint64           // moved by InvalidateAll
	epoch atomic.Uint64           // moved by every invalidation
	gens  *[stripes]atomic.Uint64 // by group stripe; nil without groups
}

type entry[V any] struct {
	v      V
	all    uint64
	gen    uint64
	stripe uint32
}

// Version is the state of a cache's generations when a read of its source
// began; Set keeps what the read returned only if nothing it may depend
// on was invalidated since.
type Version struct {
	all, epoch, gen uint64
	stripe          uint32
	grouped         bool
}

// NewVersioned returns an empty cache; it panics if opts.MaxSize is not
// positive.
func NewVersioned[K comparable, V any](opts Options[K, V]) *Versioned[K, V] {
	if opts.MaxSize <= 0 {
		panic("cache: NewVersioned: MaxSize must be positive")
	}
	oo := &otter.Options[K, entry[V]]{}
	if w := opts.Weigher; w != nil {
		oo.MaximumWeight = uint64(opts.MaxSize)
		oo.Weigher = func(k K, e entry[V]) uint32 { return w(k, e.v) }
	} else {
		oo.MaximumSize = opts.MaxSize
	}
	switch {
	case opts.TTL <= 0:
	case opts.TTLAfterRead:
		oo.ExpiryCalculator = otter.ExpiryAccessing[K, entry[V]](opts.TTL)
	default:
		oo.ExpiryCalculator = otter.ExpiryWriting[K, entry[V]](opts.TTL)
	}
	c := &Versioned[K, V]{entries: otter.Must(oo), opts: opts, seed: maphash.MakeSeed()}
	if opts.Group != nil {
		c.gens = new([stripes]atomic.Uint64)
	}
	if opts.Shared != nil && opts.Shared.Cache != nil {
		c.shared = newShared(opts)
	}
	return c
}

func (c *Versioned[K, V]) stripe(group string) uint32 {
	return uint32(maphash.String(c.seed, group) % stripes)
}

// current reports whether e is still valid.
func (c *Versioned[K, V]) current(e entry[V]) bool {
	return e.all == c.all.Load() && (c.gens == nil || e.gen == c.gens[e.stripe].Load())
}

// Get returns the value kept for key, if it is current.
func (c *Versioned[K, V]) Get(key K) (V, bool) {
	e, ok := c.entries.GetIfPresent(key)
	if !ok || !c.current(e) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Version returns the cache's version, to be taken before reading a value
// whose group is not known yet.
func (c *Versioned[K, V]) Version() Version {
	return Version{all: c.all.Load(), epoch: c.epoch.Load()}
}

// GroupVersion returns the cache's version for a read of group, to be
// taken before the read: what it reads stays keepable while other groups
// are invalidated.
func (c *Versioned[K, V]) GroupVersion(group string) Version {
	v := c.Version()
	if c.gens != nil {
		v.stripe = c.stripe(group)
		v.gen = c.gens[v.stripe].Load()
		v.grouped = true
	}
	return v
}

// Set keeps v for key, read from the source at version at (taken before
// the read), and reports whether it was kept: it is not when something v
// may depend on was invalidated since at.
func (c *Versioned[K, V]) Set(key K, v V, at Version) bool {
	if at.all != c.all.Load() {
		return false
	}
	e := entry[V]{v: v, all: at.all}
	if c.gens != nil {
		e.stripe = c.stripe(c.opts.Group(key, v))
		if at.grouped && at.stripe == e.stripe {
			// The generation the read started at: if it moved since, the
			// entry is stale from the start.
			e.gen = at.gen
		} else {
			// The group was not known before the read. If nothing was
			// invalidated since, its generation now is the one the read
			// saw; the two are checked together, under the lock that every
			// invalidation holds.
			c.mu.Lock()
			ok := c.epoch.Load() == at.epoch
			e.gen = c.gens[e.stripe].Load()
			c.mu.Unlock()
			if !ok {
				return false
			}
		}
	}
	c.entries.Set(key, e)
	return true
}

// Load returns the value of key: from the cache when it is current, else
// from the shared level (Options.Shared), else from load; a value read is
// kept (see Set). An error of load is returned as it is, and nothing is
// kept.
func (c *Versioned[K, V]) Load(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	e, found := c.entries.GetIfPresent(key)
	if found && c.current(e) {
		return e.v, nil
	}
	var group string
	known := false
	if c.opts.KeyGroup != nil {
		if g, ok := c.opts.KeyGroup(key); ok {
			group, known = g, true
		}
	}
	if !known && found && c.opts.Group != nil {
		// The group of the stale entry: most likely still the key's.
		group, known = c.opts.Group(key, e.v), true
	}
	at := c.Version()
	if known {
		at = c.GroupVersion(group)
	}
	var v V
	var err error
	if c.shared != nil {
		v, err = c.shared.load(ctx, key, group, load)
	} else {
		v, err = load(ctx)
	}
	if err != nil {
		return v, err
	}
	c.Set(key, v, at)
	return v, nil
}

// Put sets key to v, a value that is current as it is (a report, not a
// read), unless the value held is newer (Options.Newer). It returns the
// current value held before, if any, and whether v replaced it.
func (c *Versioned[K, V]) Put(key K, v V) (prev V, had, replaced bool) {
	var stripe uint32
	if c.gens != nil {
		stripe = c.stripe(c.opts.Group(key, v))
	}
	if c.opts.Newer == nil {
		e := entry[V]{v: v, all: c.all.Load(), stripe: stripe}
		if c.gens != nil {
			e.gen = c.gens[stripe].Load()
		}
		old, inserted := c.entries.Set(key, e)
		if !inserted && c.current(old) {
			prev, had = old.v, true
		}
		return prev, had, true
	}
	c.entries.Compute(key, func(old entry[V], found bool) (entry[V], otter.ComputeOp) {
		if found && c.current(old) {
			prev, had = old.v, true
			if c.opts.Newer != nil && c.opts.Newer(old.v, v) {
				return old, otter.CancelOp
			}
		}
		replaced = true
		e := entry[V]{v: v, all: c.all.Load(), stripe: stripe}
		if c.gens != nil {
			e.gen = c.gens[stripe].Load()
		}
		return e, otter.WriteOp
	})
	return prev, had, replaced
}

// Delete drops the entry of key.
func (c *Versioned[K, V]) Delete(key K) { c.entries.Invalidate(key) }

// DeleteUnlessNewer drops the entry of key unless its value is newer than
// v (Options.Newer).
func (c *Versioned[K, V]) DeleteUnlessNewer(key K, v V) {
	c.entries.ComputeIfPresent(key, func(old entry[V]) (entry[V], otter.ComputeOp) {
		if c.opts.Newer != nil && c.current(old) && c.opts.Newer(old.v, v) {
			return old, otter.CancelOp
		}
		return old, otter.InvalidateOp
	})
}

// Invalidate drops the entries of group (Options.Group), and everything
// without groups. Once it returns, no value read before it began is
// served, here or from the shared level.
func (c *Versioned[K, V]) Invalidate(group string) {
	if c.gens == nil {
		c.InvalidateAll()
		return
	}
	c.shared.invalidateGroup(group) // the shared level first (see shared)
	s := c.stripe(group)
	c.mu.Lock()
	c.epoch.Add(1)
	c.gens[s].Add(1)
	c.mu.Unlock()
}

// InvalidateAll drops every entry. Once it returns, no value read before
// it began is served, here or from the shared level.
func (c *Versioned[K, V]) InvalidateAll() {
	c.shared.invalidateAll()
	c.mu.Lock()
	c.epoch.Add(1)
	c.all.Add(1)
	c.mu.Unlock()
}

// keyString is key as the shared level names it.
func keyString[K comparable](key K) string {
	if s, ok := any(key).(string); ok {
		return s
	}
	return fmt.Sprint(key)
}
