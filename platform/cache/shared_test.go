package cache_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/cache/cachetest"
)

// docSource is the database of the shared-level tests: docs by id and by
// handle, with a count of the reads that reach it.
type docSource struct {
	mu    sync.Mutex
	docs  map[string]doc
	reads atomic.Int64
	// during, when set, runs in the middle of the next read (a slow
	// reader), after the doc was read.
	during func()
}

func (s *docSource) put(d doc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.docs {
		if old.ID == d.ID {
			delete(s.docs, k)
		}
	}
	s.docs[d.ID], s.docs[d.Handle] = d, d
}

func (s *docSource) load(key string) func(context.Context) (doc, error) {
	return func(context.Context) (doc, error) {
		s.reads.Add(1)
		s.mu.Lock()
		d, ok := s.docs[key]
		during := s.during
		s.during = nil
		s.mu.Unlock()
		if during != nil {
			during()
		}
		if !ok {
			return doc{}, errNotFound
		}
		return d, nil
	}
}

var errNotFound = errorString("not found")

type errorString string

func (e errorString) Error() string { return string(e) }

// instance is one process's cache of docs over the shared level.
func instance(sc cache.SharedCache) *cache.Versioned[string, doc] {
	opts := docOptions()
	opts.Shared = &cache.Shared[string, doc]{Cache: sc, Name: "d",
		Matches: func(k string, d doc) bool { return k == d.ID || k == d.Handle }}
	return cache.NewVersioned(opts)
}

func mustLoad(t *testing.T, c *cache.Versioned[string, doc], src *docSource, key string) doc {
	t.Helper()
	d, err := c.Load(t.Context(), key, src.load(key))
	if err != nil {
		t.Fatalf("Load(%s): %v", key, err)
	}
	return d
}

// reads returns the reads of src that loading key through a fresh
// instance costs, and what it loaded.
func fresh(t *testing.T, sc cache.SharedCache, src *docSource, key string) (doc, int64) {
	t.Helper()
	before := src.reads.Load()
	d := mustLoad(t, instance(sc), src, key)
	return d, src.reads.Load() - before
}

// TestVersionedShared: what one instance read, another finds in the
// shared level, by its group and through a key's index; an invalidation
// by one is seen by all; a handle that moved is not served for the old
// one.
func TestVersionedShared(t *testing.T) {
	sc := newCache(t, cachetest.RedisURL(t), nil, nil)
	src := &docSource{docs: map[string]doc{}}
	src.put(doc{ID: "doc1", Handle: "one", Rev: 1})

	a := instance(sc)
	mustLoad(t, a, src, "doc1")
	if d, n := fresh(t, sc, src, "doc1"); n != 0 || d.Rev != 1 {
		t.Fatalf("by id from the shared level: %+v with %d reads", d, n)
	}
	if _, n := fresh(t, sc, src, "one"); n != 1 {
		t.Fatalf("an unknown handle: %d reads, want 1", n)
	}
	if d, n := fresh(t, sc, src, "one"); n != 0 || d.Rev != 1 {
		t.Fatalf("a known handle: %+v with %d reads", d, n)
	}

	src.put(doc{ID: "doc1", Handle: "one", Rev: 2})
	a.Invalidate("doc1")
	for _, key := range []string{"doc1", "one"} {
		if d, _ := fresh(t, sc, src, key); d.Rev != 2 {
			t.Fatalf("%s after the invalidation: %+v", key, d)
		}
	}

	// The handle moves to another doc.
	src.put(doc{ID: "doc1", Handle: "uno", Rev: 3})
	a.Invalidate("doc1")
	src.put(doc{ID: "doc2", Handle: "one", Rev: 1})
	mustLoad(t, instance(sc), src, "doc1") // the shared level holds doc1 with its new handle
	for range 2 {                          // the index learns the handle's doc, then its doc is stored
		if d, _ := fresh(t, sc, src, "one"); d.ID != "doc2" {
			t.Fatalf("the moved handle served %+v", d)
		}
	}
	if d, n := fresh(t, sc, src, "one"); d.ID != "doc2" || n != 0 {
		t.Fatalf("the moved handle, again: %+v with %d reads", d, n)
	}

	a.InvalidateAll()
	if _, n := fresh(t, sc, src, "doc2"); n != 1 {
		t.Fatal("InvalidateAll left values valid in the shared level")
	}
}

// TestVersionedSharedSlowReader: an instance reads the old value, another
// writes and invalidates, and only then does the first store what it
// read. That value is never served.
func TestVersionedSharedSlowReader(t *testing.T) {
	sc := newCache(t, cachetest.RedisURL(t), nil, nil)
	src := &docSource{docs: map[string]doc{}}
	src.put(doc{ID: "doc1", Handle: "one", Rev: 1})
	writer, slow := instance(sc), instance(sc)
	src.during = func() {
		src.put(doc{ID: "doc1", Handle: "one", Rev: 2})
		writer.Invalidate("doc1")
	}
	if d := mustLoad(t, slow, src, "doc1"); d.Rev != 1 {
		t.Fatalf("the slow reader read %+v; the test needs the old value", d)
	}
	for range 3 {
		if d, _ := fresh(t, sc, src, "doc1"); d.Rev != 2 {
			t.Fatalf("a fresh instance was served %+v, stored late by the slow reader", d)
		}
	}
	slow.Invalidate("doc1") // its event
	if d := mustLoad(t, slow, src, "doc1"); d.Rev != 2 {
		t.Fatalf("the slow reader's instance serves %+v", d)
	}
}

// flaky is a shared cache whose calls can be made to fail.
type flaky struct {
	cache.SharedCache
	fail atomic.Bool
}

func (f *flaky) Get(ctx context.Context, keys ...string) ([][]byte, bool) {
	if f.fail.Load() {
		return nil, false
	}
	return f.SharedCache.Get(ctx, keys...)
}

func (f *flaky) Set(ctx context.Context, items ...cache.Item) bool {
	if f.fail.Load() {
		return false
	}
	return f.SharedCache.Set(ctx, items...)
}

// TestVersionedSharedLostInvalidation: an instance that could not write an
// invalidation replaces the token of the whole cache before it uses the
// shared level again.
func TestVersionedSharedLostInvalidation(t *testing.T) {
	sc := newCache(t, cachetest.RedisURL(t), nil, nil)
	src := &docSource{docs: map[string]doc{}}
	src.put(doc{ID: "doc1", Handle: "one", Rev: 1})
	f := &flaky{SharedCache: sc}
	writer := instance(f)
	mustLoad(t, instance(sc), src, "doc1")

	f.fail.Store(true)
	src.put(doc{ID: "doc1", Handle: "one", Rev: 2})
	writer.Invalidate("doc1")
	if d := mustLoad(t, writer, src, "doc1"); d.Rev != 2 {
		t.Fatalf("the writer reads %+v while the shared level fails", d)
	}
	if d, _ := fresh(t, sc, src, "doc1"); d.Rev != 1 {
		t.Fatalf("the test needs the old value in the shared level, got %+v", d)
	}
	f.fail.Store(false)
	if _, err := writer.Load(t.Context(), "doc9", src.load("doc9")); err == nil {
		t.Fatal("doc9 was found")
	}
	if d, _ := fresh(t, sc, src, "doc1"); d.Rev != 2 {
		t.Fatalf("after the writer reached the shared level again it served %+v", d)
	}
}

// TestVersionedSharedWithoutGroups: a cache without groups shares its
// values by key, and InvalidateAll reaches every instance.
func TestVersionedSharedWithoutGroups(t *testing.T) {
	sc := newCache(t, cachetest.RedisURL(t), nil, nil)
	var reads atomic.Int64
	v := atomic.Int64{}
	v.Store(1)
	load := func(context.Context) (int64, error) { reads.Add(1); return v.Load(), nil }
	newInstance := func() *cache.Versioned[string, int64] {
		return cache.NewVersioned(cache.Options[string, int64]{MaxSize: 10, Shared: &cache.Shared[string, int64]{Cache: sc, Name: "n"}})
	}
	a := newInstance()
	if got, _ := a.Load(t.Context(), "page", load); got != 1 {
		t.Fatal(got)
	}
	if got, _ := newInstance().Load(t.Context(), "page", load); got != 1 || reads.Load() != 1 {
		t.Fatalf("from the shared level: %d with %d reads", got, reads.Load())
	}
	v.Store(2)
	a.InvalidateAll()
	if got, _ := newInstance().Load(t.Context(), "page", load); got != 2 {
		t.Fatalf("after InvalidateAll: %d", got)
	}
}
