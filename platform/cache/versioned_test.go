package cache_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/cache"
)

// doc is a value named by two keys, its id (its group) and its handle.
type doc struct {
	ID, Handle string
	Rev        int64
}

func docOptions() cache.Options[string, doc] {
	return cache.Options[string, doc]{
		MaxSize:  1000,
		Group:    func(_ string, d doc) string { return d.ID },
		KeyGroup: func(k string) (string, bool) { return k, strings.HasPrefix(k, "doc") },
	}
}

func mustGet[V any](t *testing.T, c *cache.Versioned[string, V], key string) V {
	t.Helper()
	v, ok := c.Get(key)
	if !ok {
		t.Fatalf("%s is not cached", key)
	}
	return v
}

func mustMiss[V any](t *testing.T, c *cache.Versioned[string, V], key string) {
	t.Helper()
	if v, ok := c.Get(key); ok {
		t.Fatalf("%s is cached: %v", key, v)
	}
}

func TestVersionedGetSet(t *testing.T) {
	c := cache.NewVersioned(docOptions())
	mustMiss(t, c, "doc1")
	a := doc{ID: "doc1", Handle: "one", Rev: 1}
	if !c.Set("doc1", a, c.Version()) || !c.Set("one", a, c.Version()) {
		t.Fatal("a value read with nothing invalidated was not kept")
	}
	if got := mustGet(t, c, "one"); got != a {
		t.Fatalf("got %+v", got)
	}
	c.Delete("one")
	mustMiss(t, c, "one")
	if mustGet(t, c, "doc1") != a {
		t.Fatal("Delete dropped another key")
	}
}

// TestVersionedInvalidate: an invalidation drops the entries of its group
// by any key, and a read whose version was taken before an invalidation
// is not kept, whether its group was known before the read or not.
func TestVersionedInvalidate(t *testing.T) {
	c := cache.NewVersioned(docOptions())
	a := doc{ID: "doc1", Handle: "one", Rev: 1}
	c.Set("doc1", a, c.Version())
	c.Set("one", a, c.Version())
	others := make([]string, 20)
	for i := range others {
		others[i] = fmt.Sprint("doc", 100+i)
		c.Set(others[i], doc{ID: others[i]}, c.Version())
	}
	c.Invalidate("doc1")
	mustMiss(t, c, "doc1")
	mustMiss(t, c, "one")
	kept := 0
	for _, k := range others {
		if _, ok := c.Get(k); ok {
			kept++
		}
	}
	if kept < len(others)-2 { // groups share generations, rarely
		t.Fatalf("invalidating one group dropped %d of %d others", len(others)-kept, len(others))
	}

	// A read of unknown group that an invalidation of any group overtook.
	at := c.Version()
	c.Invalidate("doc2")
	if c.Set("one", a, at) {
		t.Fatal("a read overtaken by an invalidation was kept")
	}
	mustMiss(t, c, "one")
	// A read of a known group is kept while only other groups move...
	at = c.GroupVersion("doc1")
	c.Invalidate("doc2")
	if !c.Set("doc1", a, at) {
		// doc2 may share doc1's generation; then the read is rightly lost.
		t.Log("doc1 and doc2 share a generation")
	}
	// ... and never once its own group moved.
	at = c.GroupVersion("doc1")
	c.Invalidate("doc1")
	c.Set("doc1", a, at)
	mustMiss(t, c, "doc1")
	// A read whose group turned out not to be the one guessed falls back
	// to the version of the whole cache.
	at = c.GroupVersion("doc9")
	c.Invalidate("doc1")
	c.Set("one", a, at)
	mustMiss(t, c, "one")

	at = c.Version()
	c.Set("doc1", a, at)
	mustGet(t, c, "doc1")
	c.InvalidateAll()
	mustMiss(t, c, "doc1")
	if c.Set("doc1", a, at) {
		t.Fatal("a read overtaken by InvalidateAll was kept")
	}
}

// TestVersionedWithoutGroups: Invalidate of a cache without groups drops
// everything.
func TestVersionedWithoutGroups(t *testing.T) {
	c := cache.NewVersioned(cache.Options[string, int]{MaxSize: 10})
	c.Set("a", 1, c.Version())
	c.Set("b", 2, c.Version())
	mustGet(t, c, "a")
	c.Invalidate("a")
	mustMiss(t, c, "a")
	mustMiss(t, c, "b")
}

func TestVersionedLoad(t *testing.T) {
	ctx := context.Background()
	c := cache.NewVersioned(docOptions())
	reads := 0
	load := func(d doc, err error) func(context.Context) (doc, error) {
		return func(context.Context) (doc, error) { reads++; return d, err }
	}
	a := doc{ID: "doc1", Handle: "one", Rev: 1}
	for range 3 {
		if got, err := c.Load(ctx, "one", load(a, nil)); err != nil || got != a {
			t.Fatalf("%+v %v", got, err)
		}
	}
	if reads != 1 {
		t.Fatalf("%d reads of the source, want 1", reads)
	}
	boom := errors.New("boom")
	if _, err := c.Load(ctx, "two", load(doc{}, boom)); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	mustMiss(t, c, "two")
	c.Invalidate("doc1")
	b := doc{ID: "doc1", Handle: "one", Rev: 2}
	if got, _ := c.Load(ctx, "one", load(b, nil)); got != b {
		t.Fatalf("after the invalidation: %+v", got)
	}
	if got := mustGet(t, c, "one"); got != b {
		t.Fatalf("kept %+v", got)
	}
}

// TestVersionedPut: a register that keeps the newest value of a key in
// whatever order the values come.
func TestVersionedPut(t *testing.T) {
	c := cache.NewVersioned(cache.Options[string, doc]{MaxSize: 10, Newer: func(a, b doc) bool { return a.Rev > b.Rev }})
	if _, had, replaced := c.Put("k", doc{Rev: 2}); had || !replaced {
		t.Fatalf("first put: had %v, replaced %v", had, replaced)
	}
	if prev, had, replaced := c.Put("k", doc{Rev: 1}); !had || replaced || prev.Rev != 2 {
		t.Fatalf("an older value: prev %+v, had %v, replaced %v", prev, had, replaced)
	}
	if prev, had, replaced := c.Put("k", doc{Rev: 3}); !had || !replaced || prev.Rev != 2 {
		t.Fatalf("a newer value: prev %+v, had %v, replaced %v", prev, had, replaced)
	}
	c.DeleteUnlessNewer("k", doc{Rev: 2})
	if mustGet(t, c, "k").Rev != 3 {
		t.Fatal("DeleteUnlessNewer dropped a newer value")
	}
	c.DeleteUnlessNewer("k", doc{Rev: 3})
	mustMiss(t, c, "k")

	// Many writers at once: the newest stands.
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() { c.Put("r", doc{Rev: int64(i)}) })
	}
	wg.Wait()
	if got := mustGet(t, c, "r"); got.Rev != 63 {
		t.Fatalf("after concurrent puts: %+v", got)
	}
}

func TestVersionedBounds(t *testing.T) {
	c := cache.NewVersioned(cache.Options[int, []byte]{MaxSize: 1000, Weigher: func(_ int, v []byte) uint32 { return uint32(len(v)) }})
	for i := range 1000 {
		c.Put(i, make([]byte, 100))
	}
	kept := func() int {
		n := 0
		for i := range 1000 {
			if _, ok := c.Get(i); ok {
				n++
			}
		}
		return n
	}
	// The bound is applied as the cache's pending work is done, soon
	// after the writes, not at once.
	for deadline := time.Now().Add(5 * time.Second); kept() > 10; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries of 100 bytes kept within 1,000", kept())
		}
	}

	ttl := cache.NewVersioned(cache.Options[string, int]{MaxSize: 10, TTL: 50 * time.Millisecond})
	ttl.Put("a", 1)
	mustGet(t, ttl, "a")
	time.Sleep(150 * time.Millisecond)
	mustMiss(t, ttl, "a")

	idle := cache.NewVersioned(cache.Options[string, int]{MaxSize: 10, TTL: 200 * time.Millisecond, TTLAfterRead: true})
	idle.Put("a", 1)
	for range 6 {
		time.Sleep(50 * time.Millisecond)
		mustGet(t, idle, "a") // each read extends its life
	}
	time.Sleep(400 * time.Millisecond)
	mustMiss(t, idle, "a")
}

// TestVersionedRace interleaves many readers, writers and invalidations
// (run it with -race): once an invalidation returned, no reader is served
// a value older than the write it followed — by a key that is its group,
// by an alias whose group is known only after the read, or after
// InvalidateAll.
func TestVersionedRace(t *testing.T) {
	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprint("all=", all), func(t *testing.T) {
			const keys, writers, readers = 8, 4, 8
			rounds := 3000
			if testing.Short() {
				rounds = 300
			}
			ctx := context.Background()
			c := cache.NewVersioned(docOptions())
			var source [keys]atomic.Int64      // the committed revision of each doc
			var invalidated [keys]atomic.Int64 // the newest revision an invalidation that returned followed
			id := func(k int) string { return fmt.Sprint("doc", k) }
			handle := func(k int) string { return fmt.Sprint("h", k) }
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for range rounds / 4 {
						k := rand.IntN(keys)
						rev := source[k].Add(1)
						if all {
							c.InvalidateAll()
						} else {
							c.Invalidate(id(k))
						}
						for {
							old := invalidated[k].Load()
							if old >= rev || invalidated[k].CompareAndSwap(old, rev) {
								break
							}
						}
						runtime.Gosched()
					}
				})
			}
			for range readers {
				wg.Go(func() {
					for range rounds {
						k := rand.IntN(keys)
						key := id(k)
						if rand.IntN(2) == 0 {
							key = handle(k)
						}
						floor := invalidated[k].Load()
						if d, ok := c.Get(key); ok && d.Rev < floor {
							t.Errorf("Get(%s) served revision %d after an invalidation that followed %d", key, d.Rev, floor)
							return
						}
						d, err := c.Load(ctx, key, func(context.Context) (doc, error) {
							runtime.Gosched() // a slow reader
							d := doc{ID: id(k), Handle: handle(k), Rev: source[k].Load()}
							runtime.Gosched()
							return d, nil
						})
						if err != nil || d.Rev < floor {
							t.Errorf("Load(%s) served revision %d after an invalidation that followed %d (%v)", key, d.Rev, floor, err)
							return
						}
					}
				})
			}
			wg.Wait()
			// Once every writer is done, every key reads the last revision.
			for k := range keys {
				for _, key := range []string{id(k), handle(k)} {
					if d, ok := c.Get(key); ok && d.Rev != source[k].Load() {
						t.Fatalf("%s: revision %d kept, the source has %d", key, d.Rev, source[k].Load())
					}
				}
			}
		})
	}
}

// BenchmarkVersionedGet reads 1,000 cached docs from every core, with a
// group invalidated now and then.
func BenchmarkVersionedGet(b *testing.B) {
	c := cache.NewVersioned(docOptions())
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("doc", i)
		c.Set(keys[i], doc{ID: keys[i]}, c.Version())
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(keys))
		for pb.Next() {
			i++
			if i%10_000 == 0 {
				c.Invalidate(keys[i%len(keys)])
			}
			if _, ok := c.Get(keys[i%len(keys)]); !ok {
				c.Set(keys[i%len(keys)], doc{ID: keys[i%len(keys)]}, c.Version())
			}
		}
	})
}
