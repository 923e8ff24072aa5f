package cache

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// SharedCache is the second level of a Versioned cache, shared by every
// instance: *Redis. Every method reports false when the cache was
// bypassed (Redis down or slow); nothing else can go wrong.
type SharedCache interface {
	Get(ctx context.Context, keys ...string) ([][]byte, bool)
	Set(ctx context.Context, items ...Item) bool
	GetOrSet(ctx context.Context, items ...Item) ([][]byte, bool)
	// Follow reads index and keys and, when index holds v, the linked
	// keys followed by v, in one round trip.
	Follow(ctx context.Context, index string, keys []string, linked ...string) (v []byte, vals [][]byte, ok bool)
	Record(hit bool)
}

var _ SharedCache = (*Redis)(nil)

// Shared configures the second level of a Versioned cache. Values are
// stored as JSON.
//
// With groups (Options.Group), the keys of a group name one value (as a
// product's id and handle name its document): the value is stored once,
// under its group, and a key that is not its group's name is found
// through an index.
type Shared[K comparable, V any] struct {
	// Cache is the shared cache; nil: none.
	Cache SharedCache
	// Name is put before every key of this cache in Cache (e.g. "p").
	Name string
	// TTL bounds the life of a value in the shared cache (DefaultSharedTTL
	// when 0). It is the staleness bound of the one case that invalidation
	// does not cover (see Versioned.Load).
	TTL time.Duration
	// Reinvalidate, when positive, repeats every invalidation once after
	// this delay: set it above the lag of the read replicas when reads go
	// to replicas (a read that starts after a write may still see the old
	// row there).
	Reinvalidate time.Duration
	// Matches reports whether v is the value of key. A value found through
	// a key's index is served for the key only if it matches (the handle
	// may have moved to another product). Nil: every value matches.
	Matches func(key K, v V) bool
}

// DefaultSharedTTL is the life of a value in the shared cache when
// Shared.TTL is 0.
const DefaultSharedTTL = time.Minute

// tokenTTL is the life of a generation token: long, since a token that
// expires makes every value tagged with it a miss.
const tokenTTL = 24 * time.Hour

// shared is the second level of a Versioned cache, in a cache shared by
// every instance (Redis), under versioned values.
//
// Keys (after Shared.Name): ".all" holds the generation token of the
// whole cache, ".g:<group>" that of a group, ":<name>" a value (named by
// its group, or by its key without groups) and ".i:<key>" the group of a
// key that is not its group's name. A token is 8 random bytes;
// invalidating writes a fresh one. A value is stored tagged with the
// tokens of the whole cache and of its group, and is served only while
// its tags equal the current tokens.
//
// Why no instance keeps serving a stale value:
//
//  1. A reader reads the tokens before it reads the source and tags what
//     it read with them. Every write, after its commit, writes fresh
//     tokens (the writer does; and every instance does again when the
//     write's event reaches it). So a value read before a commit carries
//     tokens that were replaced after the commit: it is never served once
//     any one of those invalidations lands, even if its reader stores it
//     late, after them (the race of a slow reader and a writer on another
//     instance). A value read after the invalidation read the committed
//     row. Tokens are random, not counters, so a token lost to eviction
//     or expiry is replaced by one that no stored value carries.
//  2. Within an instance, the shared level is invalidated before the
//     in-process one, so that a reader of this instance that finds its
//     entry invalidated cannot refill it from a shared value that is
//     about to be invalidated.
//  3. When an invalidation cannot be written (Redis failed or is
//     bypassed), the instance stops using the shared level until it has
//     replaced the token of the whole cache, which invalidates every
//     value stored before. Only if every instance that tried to
//     invalidate a write failed to and then stopped for good can a stale
//     value live on, and then for at most TTL.
//  4. Read replicas: a read that starts after the invalidation may see an
//     old row on a lagging replica; Reinvalidate repeats the invalidation
//     after the lag to bound that case.
type shared[K comparable, V any] struct {
	c     SharedCache
	cfg   Shared[K, V]
	group func(K, V) string // nil: no groups
	all   string            // the key of the token of the whole cache
	// lost counts invalidations that could not be written; fixed is the
	// value of lost when the token of the whole cache was last replaced.
	// The level is unusable while lost > fixed.
	lost, fixed atomic.Uint64
}

func newShared[K comparable, V any](opts Options[K, V]) *shared[K, V] {
	cfg := *opts.Shared
	if cfg.Name == "" {
		panic("cache: Shared.Name is empty")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultSharedTTL
	}
	return &shared[K, V]{c: cfg.Cache, cfg: cfg, group: opts.Group, all: cfg.Name + ".all"}
}

func (s *shared[K, V]) genKey(group string) string  { return s.cfg.Name + ".g:" + group }
func (s *shared[K, V]) valueKey(name string) string { return s.cfg.Name + ":" + name }
func (s *shared[K, V]) indexKey(key string) string  { return s.cfg.Name + ".i:" + key }

const (
	fmtV1  = 1 // first byte of every value: the encoding
	tagLen = 8
)

func tokenItem(key string) Item {
	b := make([]byte, tagLen)
	binary.LittleEndian.PutUint64(b, rand.Uint64())
	return Item{Key: key, Value: b, TTL: tokenTTL}
}

// usable reports whether the shared level may be used now: when an
// invalidation was lost, first the token of the whole cache is replaced.
func (s *shared[K, V]) usable(ctx context.Context) bool {
	n := s.lost.Load()
	if n <= s.fixed.Load() {
		return true
	}
	return s.fix(ctx, n)
}

// fix replaces the token of the whole cache, which undoes the first n
// lost invalidations: each was counted after its commit, so before this
// replacement began.
func (s *shared[K, V]) fix(ctx context.Context, n uint64) bool {
	if !s.c.Set(ctx, tokenItem(s.all)) {
		return false
	}
	for {
		f := s.fixed.Load()
		if f >= n || s.fixed.CompareAndSwap(f, n) {
			return true
		}
	}
}

func (s *shared[K, V]) invalidateGroup(group string) {
	if s != nil {
		s.invalidate(s.genKey(group))
	}
}

func (s *shared[K, V]) invalidateAll() {
	if s != nil {
		s.invalidate(s.all)
	}
}

// invalidate writes a fresh token at key, again after Reinvalidate. A
// lost invalidation makes the level unusable until the token of the
// whole cache is replaced.
func (s *shared[K, V]) invalidate(key string) {
	s.bump(key)
	if d := s.cfg.Reinvalidate; d > 0 {
		time.AfterFunc(d, func() { s.bump(key) })
	}
}

func (s *shared[K, V]) bump(key string) {
	ctx := context.Background()
	if n := s.lost.Load(); n > s.fixed.Load() {
		if !s.fix(ctx, n) { // replaces this token's effect too
			s.lost.Add(1)
		}
		return
	}
	if !s.c.Set(ctx, tokenItem(key)) {
		s.lost.Add(1)
	}
}

// load reads key through the shared level; group is key's group when it
// is known (or likely) before the read, else empty.
func (s *shared[K, V]) load(ctx context.Context, key K, group string, load func(context.Context) (V, error)) (V, error) {
	if !s.usable(ctx) {
		return load(ctx)
	}
	ks := keyString(key)
	if s.group == nil {
		return s.loadKey(ctx, ks, load)
	}
	var vals [][]byte
	var ok bool
	if group != "" {
		vals, ok = s.c.Get(ctx, s.all, s.genKey(group), s.valueKey(group))
	} else {
		var g []byte
		g, vals, ok = s.c.Follow(ctx, s.indexKey(ks), []string{s.all}, s.cfg.Name+".g:", s.cfg.Name+":")
		group = string(g)
	}
	if !ok {
		return load(ctx)
	}
	if group == "" {
		// The key's group is unknown: no token can be read before the
		// source, so only the key's group is remembered.
		s.c.Record(false)
		v, err := load(ctx)
		if err == nil {
			if g := s.group(key, v); g != ks {
				s.c.Set(ctx, Item{Key: s.indexKey(ks), Value: []byte(g), TTL: s.cfg.TTL})
			}
		}
		return v, err
	}
	all, gen := vals[0], vals[1]
	if v, ok := decode[V](vals[2], all, gen); ok && (s.cfg.Matches == nil || s.cfg.Matches(key, v)) {
		s.c.Record(true)
		return v, nil
	}
	s.c.Record(false)
	if all == nil || gen == nil {
		toks, ok := s.c.GetOrSet(ctx, tokenItem(s.all), tokenItem(s.genKey(group)))
		if !ok {
			return load(ctx)
		}
		all, gen = toks[0], toks[1]
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	items := make([]Item, 0, 2)
	g := s.group(key, v)
	if g == group {
		if b, err := encode(v, all, gen); err == nil {
			items = append(items, Item{Key: s.valueKey(group), Value: b, TTL: s.cfg.TTL})
		}
	}
	if g != ks {
		items = append(items, Item{Key: s.indexKey(ks), Value: []byte(g), TTL: s.cfg.TTL})
	}
	if len(items) > 0 {
		s.c.Set(ctx, items...)
	}
	return v, nil
}

// loadKey reads key through the shared level of a cache without groups.
func (s *shared[K, V]) loadKey(ctx context.Context, key string, load func(context.Context) (V, error)) (V, error) {
	vkey := s.valueKey(key)
	vals, ok := s.c.Get(ctx, s.all, vkey)
	if !ok {
		return load(ctx)
	}
	all := vals[0]
	if v, ok := decode[V](vals[1], all); ok {
		s.c.Record(true)
		return v, nil
	}
	s.c.Record(false)
	if all == nil {
		toks, ok := s.c.GetOrSet(ctx, tokenItem(s.all))
		if !ok {
			return load(ctx)
		}
		all = toks[0]
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	if b, err := encode(v, all); err == nil {
		s.c.Set(ctx, Item{Key: vkey, Value: b, TTL: s.cfg.TTL})
	}
	return v, nil
}

// Values are a format byte, the tags, then the JSON of the value.

func encode(v any, tags ...[]byte) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 1, 1+len(tags)*tagLen+len(j))
	b[0] = fmtV1
	for _, t := range tags {
		b = append(b, t...)
	}
	return append(b, j...), nil
}

// decode returns the value of b when b carries exactly tags.
func decode[V any](b []byte, tags ...[]byte) (V, bool) {
	var v V
	n := 1 + len(tags)*tagLen
	if len(b) < n || b[0] != fmtV1 {
		return v, false
	}
	for i, t := range tags {
		if len(t) != tagLen || string(b[1+i*tagLen:1+(i+1)*tagLen]) != string(t) {
			return v, false
		}
	}
	if json.Unmarshal(b[n:], &v) != nil {
		var zero V
		return zero, false
	}
	return v, true
}
