package catalogsvc

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/id"
)

// SharedCache is the second level of CachedStore, shared by every
// instance: platform/cache.Redis. Every method reports false when the
// cache was bypassed (Redis down or slow); nothing else can go wrong.
type SharedCache interface {
	Get(ctx context.Context, keys ...string) ([][]byte, bool)
	Set(ctx context.Context, items ...cache.Item) bool
	GetOrSet(ctx context.Context, items ...cache.Item) ([][]byte, bool)
	// Follow reads index and keys and, when index holds v, the linked
	// keys followed by v, in one round trip.
	Follow(ctx context.Context, index string, keys []string, linked ...string) (v []byte, vals [][]byte, ok bool)
	Record(hit bool)
}

// SharedConfig tunes the second level.
type SharedConfig struct {
	// TTL bounds the life of a product document or listing page in the
	// shared cache. It is the staleness bound of the one case that
	// invalidation does not cover (see shared).
	TTL time.Duration
	// Reinvalidate, when positive, repeats every invalidation once after
	// this delay. Set it above the lag of the read replicas when store
	// reads go to replicas (a read that starts after a write may still see
	// the old row there).
	Reinvalidate time.Duration
}

// DefaultSharedConfig keeps values for a minute and does not repeat
// invalidations.
func DefaultSharedConfig() SharedConfig { return SharedConfig{TTL: time.Minute} }

// tokenTTL is the life of a generation token: long, since a token that
// expires makes every value tagged with it a miss.
const tokenTTL = 24 * time.Hour

// shared is the second level of CachedStore, in a cache shared by every
// instance (Redis), under versioned values.
//
// Keys (under the cache's prefix): "all" and "list" hold the generation
// tokens of the whole catalog and of every listing, "g:<id>" the token of
// one product, "p:<id>" its document, "h:<handle>" the id of a handle and
// "l:<page>" a listing page. A token is 8 random bytes; invalidating
// writes a fresh one. A product document is stored tagged with the "all"
// and "g:<id>" tokens, a page with the "list" token, and a value is served
// only while its tags equal the current tokens.
//
// Why no instance keeps serving a stale value:
//
//  1. A reader reads the tokens before it reads the database and tags
//     what it read with them. Every write, after its commit, writes fresh
//     tokens (the writer does; and every instance does again when the
//     write's event reaches it). So a value read before a commit carries
//     tokens that were replaced after the commit: it is never served once
//     any one of those invalidations lands, even if its reader stores it
//     late, after them (the race of a slow reader and a writer on another
//     instance). A value read after the invalidation read the committed
//     row. Tokens are random, not counters, so a token lost to eviction or
//     expiry is replaced by one that no stored value carries.
//  2. Within an instance, the shared level is invalidated before the
//     in-process one, so that a reader of this instance that finds its
//     entry invalidated cannot refill it from a shared value that is about
//     to be invalidated.
//  3. When an invalidation cannot be written (Redis failed or is
//     bypassed), the instance stops using the shared level until it has
//     replaced the "all" and "list" tokens, which invalidates every value
//     stored before. Only if every instance that tried to invalidate a
//     write failed to and then stopped for good can a stale value live
//     on, and then for at most TTL.
//  4. Read replicas: a read that starts after the invalidation may see an
//     old row on a lagging replica; Reinvalidate repeats the invalidation
//     after the lag to bound that case.
//
// Handles: the id of a handle is looked up ("h:<handle>", in the same
// round trip as the tokens and the document, or the id of an expired
// in-process entry) and the document is served only if it still has that
// handle, so a handle that moved to another product is a miss.
type shared struct {
	c   SharedCache
	cfg SharedConfig
	// lost counts invalidations that could not be written; fixed is the
	// value of lost when every token was last replaced. The level is
	// unusable while lost > fixed.
	lost, fixed atomic.Uint64
}

// Shared adds a second level shared by every instance (Redis) under the
// in-process cache: a miss in process is looked up there before the
// database, and a database read is stored there. Call it before the store
// is used. Without it, or when sc is nil, the cache is in-process only.
func (c *CachedStore) Shared(sc SharedCache, cfg SharedConfig) {
	if sc == nil {
		return
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultSharedConfig().TTL
	}
	c.l2 = &shared{c: sc, cfg: cfg}
}

const (
	keyAll  = "all"
	keyList = "list"
	fmtV1   = 1 // first byte of every value: the encoding
	tagLen  = 8
)

func newToken() []byte {
	b := make([]byte, tagLen)
	binary.LittleEndian.PutUint64(b, rand.Uint64())
	return b
}

func tokenItem(key string) cache.Item {
	return cache.Item{Key: key, Value: newToken(), TTL: tokenTTL}
}

// usable reports whether the shared level may be used now: when an
// invalidation was lost, first every token is replaced.
func (s *shared) usable(ctx context.Context) bool {
	n := s.lost.Load()
	if n <= s.fixed.Load() {
		return true
	}
	return s.fix(ctx, n)
}

// fix replaces every token, which undoes the first n lost invalidations:
// each was counted after its commit, so before this replacement began.
func (s *shared) fix(ctx context.Context, n uint64) bool {
	if !s.c.Set(ctx, tokenItem(keyAll), tokenItem(keyList)) {
		return false
	}
	for {
		f := s.fixed.Load()
		if f >= n || s.fixed.CompareAndSwap(f, n) {
			return true
		}
	}
}

// invalidate writes fresh tokens for keys, again after Reinvalidate. A
// lost invalidation marks the level unusable until every token is
// replaced.
func (s *shared) invalidate(keys ...string) {
	if s == nil {
		return
	}
	s.bump(keys)
	if d := s.cfg.Reinvalidate; d > 0 {
		time.AfterFunc(d, func() { s.bump(keys) })
	}
}

func (s *shared) bump(keys []string) {
	ctx := context.Background()
	if n := s.lost.Load(); n > s.fixed.Load() {
		if !s.fix(ctx, n) { // replaces these tokens too
			s.lost.Add(1)
		}
		return
	}
	items := make([]cache.Item, len(keys))
	for i, k := range keys {
		items[i] = tokenItem(k)
	}
	if !s.c.Set(ctx, items...) {
		s.lost.Add(1)
	}
}

func (s *shared) invalidateProduct(pid string) { s.invalidate("g:"+pid, keyList) }
func (s *shared) invalidateList()              { s.invalidate(keyList) }
func (s *shared) invalidateAll()               { s.invalidate(keyAll, keyList) }

// product reads a product by id or handle through the shared level;
// hintID is the id the handle had in process, if known.
func (s *shared) product(ctx context.Context, key, hintID string, load func(context.Context, string) (catalog.Product, error)) (catalog.Product, error) {
	if !s.usable(ctx) {
		return load(ctx, key)
	}
	pid := hintID
	if id.HasPrefix("prod", key) {
		pid = key
	}
	var vals [][]byte
	var ok bool
	if pid != "" {
		vals, ok = s.c.Get(ctx, keyAll, "g:"+pid, "p:"+pid)
	} else {
		var v []byte
		v, vals, ok = s.c.Follow(ctx, "h:"+key, []string{keyAll}, "g:", "p:")
		pid = string(v)
	}
	if !ok {
		return load(ctx, key)
	}
	if pid == "" {
		// The handle's product is unknown: no token can be read before the
		// database, so only the handle's id is remembered.
		s.c.Record(false)
		p, err := load(ctx, key)
		if err == nil {
			s.c.Set(ctx, cache.Item{Key: "h:" + key, Value: []byte(p.ID), TTL: s.cfg.TTL})
		}
		return p, err
	}
	gkey, pkey := "g:"+pid, "p:"+pid
	all, gen := vals[0], vals[1]
	if p, ok := decodeProduct(vals[2], all, gen); ok && (p.ID == key || p.Handle == key) {
		s.c.Record(true)
		return p, nil
	}
	s.c.Record(false)
	if all == nil || gen == nil {
		toks, ok := s.c.GetOrSet(ctx, tokenItem(keyAll), tokenItem(gkey))
		if !ok {
			return load(ctx, key)
		}
		all, gen = toks[0], toks[1]
	}
	p, err := load(ctx, key)
	if err != nil {
		return p, err
	}
	items := make([]cache.Item, 0, 2)
	if p.ID == pid {
		if v, err := encodeProduct(p, all, gen); err == nil {
			items = append(items, cache.Item{Key: pkey, Value: v, TTL: s.cfg.TTL})
		}
	}
	if key != p.ID {
		items = append(items, cache.Item{Key: "h:" + key, Value: []byte(p.ID), TTL: s.cfg.TTL})
	}
	s.c.Set(ctx, items...)
	return p, nil
}

// page reads a listing page through the shared level.
func (s *shared) page(ctx context.Context, key string, load func(context.Context) (catalog.Page[catalog.Product], error)) (catalog.Page[catalog.Product], error) {
	if !s.usable(ctx) {
		return load(ctx)
	}
	lkey := "l:" + key
	vals, ok := s.c.Get(ctx, keyList, lkey)
	if !ok {
		return load(ctx)
	}
	list := vals[0]
	if page, ok := decodePage(vals[1], list); ok {
		s.c.Record(true)
		return page, nil
	}
	s.c.Record(false)
	if list == nil {
		toks, ok := s.c.GetOrSet(ctx, tokenItem(keyList))
		if !ok {
			return load(ctx)
		}
		list = toks[0]
	}
	page, err := load(ctx)
	if err != nil {
		return page, err
	}
	if v, err := encodeTagged(page, list); err == nil {
		s.c.Set(ctx, cache.Item{Key: lkey, Value: v, TTL: s.cfg.TTL})
	}
	return page, nil
}

// Values are a format byte, the tags, then the JSON of the product or the
// page (the same encoding as the database's documents).

func encodeTagged(v any, tags ...[]byte) ([]byte, error) {
	b := make([]byte, 1, 1+len(tags)*tagLen+1024)
	b[0] = fmtV1
	for _, t := range tags {
		b = append(b, t...)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// untag returns the JSON of v when v carries exactly tags.
func untag(v []byte, tags ...[]byte) ([]byte, bool) {
	n := 1 + len(tags)*tagLen
	if len(v) < n || v[0] != fmtV1 {
		return nil, false
	}
	for i, t := range tags {
		if len(t) != tagLen || string(v[1+i*tagLen:1+(i+1)*tagLen]) != string(t) {
			return nil, false
		}
	}
	return v[n:], true
}

func encodeProduct(p catalog.Product, all, gen []byte) ([]byte, error) {
	return encodeTagged(p, all, gen)
}

func decodeProduct(v, all, gen []byte) (catalog.Product, bool) {
	var p catalog.Product
	j, ok := untag(v, all, gen)
	if !ok || json.Unmarshal(j, &p) != nil {
		return catalog.Product{}, false
	}
	return p, true
}

func decodePage(v, list []byte) (catalog.Page[catalog.Product], bool) {
	var page catalog.Page[catalog.Product]
	j, ok := untag(v, list)
	if !ok || json.Unmarshal(j, &page) != nil {
		return catalog.Page[catalog.Product]{}, false
	}
	return page, true
}
