package catalogsvc_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/cache"
	"github.com/agoracommerce/agora/platform/cache/cachetest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/ratelimit"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// countingStore counts the store reads that reach the database; after,
// when set, runs between a product read and its return (a slow reader).
type countingStore struct {
	catalogsvc.Store
	gets, pages atomic.Int64
	after       func(catalog.Product)
}

func (s *countingStore) StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	s.gets.Add(1)
	p, err := s.Store.StoreGetProduct(ctx, idOrHandle)
	if s.after != nil {
		s.after(p)
	}
	return p, err
}

func (s *countingStore) StoreProducts(ctx context.Context, q catalog.StoreListQuery, categoryID string) (catalog.Page[catalog.Product], error) {
	s.pages.Add(1)
	return s.Store.StoreProducts(ctx, q, categoryID)
}

// instance is one Agora process: its own in-process cache over the shared
// database and the shared Redis.
type instance struct {
	svc    catalog.Service
	cached *catalogsvc.CachedStore
	db     *countingStore
}

func newInstance(t testing.TB, db *sqldb.DB, sc catalogsvc.SharedCache, cfg catalogsvc.SharedConfig) *instance {
	st := &countingStore{Store: catalogsql.New(db, nil)}
	cached := catalogsvc.NewCachedStore(st, catalogsvc.DefaultCacheConfig()).(*catalogsvc.CachedStore)
	cached.Shared(sc, cfg)
	return &instance{svc: catalogsvc.New(cached, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now), cached: cached, db: st}
}

func (in *instance) title(t testing.TB, key string) string {
	t.Helper()
	sp, err := in.svc.StoreProduct(context.Background(), catalog.StoreProductQuery{IDOrHandle: key, Currency: "USD"})
	if err != nil {
		t.Fatalf("StoreProduct(%s): %v", key, err)
	}
	return sp.Title
}

func (in *instance) listed(t testing.TB) int {
	t.Helper()
	page, err := in.svc.StoreProducts(context.Background(), catalog.StoreListQuery{Currency: "USD", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Data)
}

// sharedCache returns a cache over url with keys of its own.
func sharedCache(t testing.TB, url string) *cache.Redis {
	t.Helper()
	rdb, err := ratelimit.NewRedisClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := cache.DefaultConfig()
	cfg.Prefix = "test:" + id.New("t") + ":catalog:"
	cachetest.DeleteAfter(t, rdb, cfg.Prefix)
	// These tests are about what is served, not about latency: a slow
	// moment of a busy machine must not turn Redis off under them.
	cfg.Timeout = 2 * time.Second
	return cache.New(rdb, "catalog", cfg, nil, nil, nil)
}

func sharedDB(t testing.TB) *sqldb.DB {
	t.Helper()
	db := catalogtest.MustOpenSQLite(t)
	if err := catalogsql.New(db, nil).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func createChair(t testing.TB, svc catalog.Service) catalog.Product {
	return catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "Oak chair", Status: catalog.Published,
		Variants: []catalog.VariantInput{{SKU: "OAK-" + id.New("s"), Prices: []money.Money{{Amount: 4900, Currency: "USD"}}}}})
}

func rename(t testing.TB, svc catalog.Service, pid, title string) catalog.Product {
	t.Helper()
	p, err := svc.UpdateProduct(context.Background(), catalog.UpdateProductCommand{ID: pid, Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSharedCacheHitMiss: what one instance read from the database, a
// fresh instance finds in Redis, by id, by handle and as a listing page.
func TestSharedCacheHitMiss(t *testing.T) {
	db, sc := sharedDB(t), sharedCache(t, cachetest.RedisURL(t))
	a := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	p := createChair(t, a.svc)

	a.title(t, p.ID)
	a.listed(t)
	if a.db.gets.Load() != 1 || a.db.pages.Load() != 1 {
		t.Fatalf("first reads: %d product and %d page reads from the database, want 1 and 1", a.db.gets.Load(), a.db.pages.Load())
	}
	b := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	if got := b.title(t, p.ID); got != "Oak chair" {
		t.Fatalf("by id from Redis: %q", got)
	}
	if n := b.listed(t); n != 1 {
		t.Fatalf("listing from Redis: %d products", n)
	}
	if b.db.gets.Load() != 0 || b.db.pages.Load() != 0 {
		t.Fatalf("a fresh instance read the database (%d, %d) for what Redis held", b.db.gets.Load(), b.db.pages.Load())
	}
	// A handle never seen: the database, once; then Redis knows its id.
	b.title(t, p.Handle)
	if b.db.gets.Load() != 1 {
		t.Fatalf("unknown handle: %d database reads", b.db.gets.Load())
	}
	c := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	if got := c.title(t, p.Handle); got != "Oak chair" || c.db.gets.Load() != 0 {
		t.Fatalf("by handle from Redis: %q with %d database reads", got, c.db.gets.Load())
	}
	// A missing product is not cached, and is not found.
	if _, err := c.svc.StoreProduct(t.Context(), catalog.StoreProductQuery{IDOrHandle: "no-such-thing", Currency: "USD"}); err == nil {
		t.Fatal("a missing handle was found")
	}
}

// TestSharedCacheInvalidation: a write through one instance is seen by a
// fresh instance at once (the writer replaced the tokens after its
// commit); a write whose writer did not reach Redis is seen once another
// instance applies its event; a new product reaches the listings.
func TestSharedCacheInvalidation(t *testing.T) {
	db, sc := sharedDB(t), sharedCache(t, cachetest.RedisURL(t))
	a := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	b := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	p := createChair(t, a.svc)
	b.title(t, p.ID)
	b.title(t, p.Handle)
	b.listed(t)

	rename(t, a.svc, p.ID, "Oak armchair")
	fresh := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	if got := fresh.title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("after a write by another instance, Redis served %q", got)
	}
	if got := fresh.title(t, p.Handle); got != "Oak armchair" {
		t.Fatalf("by handle after the write: %q", got)
	}

	// A writer with no shared level (or whose Redis calls failed): only its
	// event invalidates Redis, through any instance that receives it.
	blind := newInstance(t, db, nil, catalogsvc.SharedConfig{})
	upd := rename(t, blind.svc, p.ID, "Oak rocking chair")
	if got := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig()).title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("before the event Redis still holds the old document (the test needs it), got %q", got)
	}
	e, err := event.New(catalog.Module, catalog.EventProductUpdated, p.ID, upd, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cached.HandleEvent(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{p.ID, p.Handle} {
		if got := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig()).title(t, key); got != "Oak rocking chair" {
			t.Fatalf("after the event, %s from Redis: %q", key, got)
		}
	}

	// Listings: a product created by another instance.
	createChair(t, a.svc)
	if n := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig()).listed(t); n != 2 {
		t.Fatalf("listing after an insert: %d products", n)
	}
	// A category change invalidates everything.
	before := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	before.title(t, p.ID)
	if err := b.cached.HandleEvent(t.Context(), event.Event{Type: "category.updated", Subject: "cat_x"}); err != nil {
		t.Fatal(err)
	}
	after := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	after.title(t, p.ID)
	if after.db.gets.Load() != 1 {
		t.Fatal("a category event left product documents valid in Redis")
	}
}

// TestSharedCacheSlowReaderRace: an instance reads the old document from
// the database, another commits a change and invalidates, and only then
// does the first store what it read in Redis. That value must never be
// served.
func TestSharedCacheSlowReaderRace(t *testing.T) {
	ctx := t.Context()
	url := cachetest.RedisURL(t)
	db, sc := sharedDB(t), sharedCache(t, url)
	writer := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	p := createChair(t, writer.svc)

	slow := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	read, release := make(chan struct{}), make(chan struct{})
	slow.db.after = func(catalog.Product) { close(read); <-release }
	done := make(chan string)
	go func() {
		p, err := slow.cached.StoreGetProduct(ctx, p.ID)
		if err != nil {
			t.Error(err)
		}
		done <- p.Title
	}()
	<-read // the slow reader holds the old document
	rename(t, writer.svc, p.ID, "Oak armchair")
	close(release)
	if got := <-done; got != "Oak chair" {
		t.Fatalf("the slow reader read %q; the test needs it to read before the write", got)
	}
	// The late value is in Redis (the race happened) ...
	rdb, _ := ratelimit.NewRedisClient(url)
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "test:*:catalog:p:"+p.ID).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("the slow reader's value is not in Redis: %v %v", keys, err)
	}
	if v, _ := rdb.Get(ctx, keys[0]).Result(); !strings.Contains(v, "Oak chair") {
		t.Fatalf("Redis holds %q, not the slow reader's old document", v)
	}
	// ... and no instance serves it.
	for range 3 {
		if got := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig()).title(t, p.ID); got != "Oak armchair" {
			t.Fatalf("a fresh instance was served %q, the old document the slow reader stored late", got)
		}
	}
	// Neither does the slow reader's own instance, once its event arrives.
	e, _ := event.New(catalog.Module, catalog.EventProductUpdated, p.ID, p, time.Now())
	_ = slow.cached.HandleEvent(ctx, e)
	slow.db.after = nil
	if got := slow.title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("the slow reader's instance serves %q", got)
	}
}

// TestSharedCacheReplicaLag: a read that starts after the invalidation but
// sees the old row (a lagging replica) is undone by the repeated
// invalidation.
func TestSharedCacheReplicaLag(t *testing.T) {
	db, sc := sharedDB(t), sharedCache(t, cachetest.RedisURL(t))
	cfg := catalogsvc.SharedConfig{TTL: time.Minute, Reinvalidate: 100 * time.Millisecond}
	writer := newInstance(t, db, sc, cfg)
	p := createChair(t, writer.svc)
	old, err := catalogsql.New(db, nil).GetProduct(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	rename(t, writer.svc, p.ID, "Oak armchair")
	lagging := newInstance(t, db, sc, cfg)
	lagging.db.Store = replica{Store: lagging.db.Store, old: old}
	if got := lagging.title(t, p.ID); got != "Oak chair" {
		t.Fatalf("the lagging replica read %q", got)
	}
	time.Sleep(300 * time.Millisecond)
	if got := newInstance(t, db, sc, cfg).title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("after the repeated invalidation Redis served %q", got)
	}
}

// replica answers store reads of one product with an old version of it.
type replica struct {
	catalogsvc.Store
	old catalog.Product
}

func (r replica) StoreGetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	if idOrHandle == r.old.ID || idOrHandle == r.old.Handle {
		return r.old, nil
	}
	return r.Store.StoreGetProduct(ctx, idOrHandle)
}

// flaky is a shared cache whose calls can be made to fail.
type flaky struct {
	catalogsvc.SharedCache
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

func (f *flaky) Follow(ctx context.Context, index string, keys []string, linked ...string) ([]byte, [][]byte, bool) {
	if f.fail.Load() {
		return nil, nil, false
	}
	return f.SharedCache.Follow(ctx, index, keys, linked...)
}

func (f *flaky) GetOrSet(ctx context.Context, items ...cache.Item) ([][]byte, bool) {
	if f.fail.Load() {
		return nil, false
	}
	return f.SharedCache.GetOrSet(ctx, items...)
}

// TestSharedCacheLostInvalidation: a writer that could not invalidate in
// Redis replaces every token before it uses Redis again.
func TestSharedCacheLostInvalidation(t *testing.T) {
	db, sc := sharedDB(t), sharedCache(t, cachetest.RedisURL(t))
	f := &flaky{SharedCache: sc}
	writer := newInstance(t, db, f, catalogsvc.DefaultSharedConfig())
	p := createChair(t, writer.svc)
	newInstance(t, db, sc, catalogsvc.DefaultSharedConfig()).title(t, p.ID) // in Redis now

	f.fail.Store(true)
	rename(t, writer.svc, p.ID, "Oak armchair")
	if got := writer.title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("the writer reads %q while Redis fails", got)
	}
	f.fail.Store(false)
	// The writer's next use of Redis (a read of anything) replaces the tokens.
	_, _ = writer.svc.StoreProduct(t.Context(), catalog.StoreProductQuery{IDOrHandle: "another-handle", Currency: "USD"})
	if got := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig()).title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("after the writer reached Redis again, Redis served %q", got)
	}
}

// TestSharedCacheRedisDown: with Redis down, reads and writes succeed,
// from the database, and the breaker keeps nearly every call off the
// network (one attempt per cool-down, not one per read).
func TestSharedCacheRedisDown(t *testing.T) {
	rdb, err := ratelimit.NewRedisClient(cachetest.DownURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	reg := prometheus.NewRegistry()
	sc := cache.New(rdb, "catalog", cache.DefaultConfig(), nil, cache.NewMetrics(reg), nil)
	db := sharedDB(t)
	in := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
	p := createChair(t, in.svc)
	start := time.Now()
	const reads = 200
	for range reads {
		other := newInstance(t, db, sc, catalogsvc.DefaultSharedConfig())
		if got := other.title(t, p.Handle); got != "Oak chair" {
			t.Fatalf("read %q", got)
		}
		if n := other.listed(t); n != 1 {
			t.Fatalf("listing: %d", n)
		}
	}
	rename(t, in.svc, p.ID, "Oak armchair")
	if got := in.title(t, p.ID); got != "Oak armchair" {
		t.Fatalf("after a write with Redis down: %q", got)
	}
	elapsed := time.Since(start)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			values[mf.GetName()] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	// One attempt at the start and one per cool-down after it.
	if limit := 2 + elapsed.Seconds()/cache.DefaultConfig().Cooldown.Seconds(); values["agora_cache_errors_total"] > limit {
		t.Errorf("%v calls reached the dead Redis in %v, want at most %.0f", values["agora_cache_errors_total"], elapsed, limit)
	}
	if values["agora_cache_bypasses_total"] < 2*reads {
		t.Errorf("%v bypasses counted for %d reads", values["agora_cache_bypasses_total"], 2*reads)
	}
	if values["agora_cache_up"] != 0 {
		t.Error("agora_cache_up is not 0")
	}
}

// TestServiceCachedShared runs the whole contract suite over the cached
// store with its shared level in Redis (on the store on SQLite): every
// read after a write of the same process sees the write.
func TestServiceCachedShared(t *testing.T) {
	url := cachetest.RedisURL(t)
	catalogtest.TestService(t, func(t *testing.T) catalog.Service {
		cached := catalogsvc.NewCachedStore(catalogtest.MustStore(t), catalogsvc.DefaultCacheConfig()).(*catalogsvc.CachedStore)
		cached.Shared(sharedCache(t, url), catalogsvc.DefaultSharedConfig())
		return catalogsvc.New(cached, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	})
}
