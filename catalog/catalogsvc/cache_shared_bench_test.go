package catalogsvc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/gob"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogseed"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/cache/cachetest"
	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// BenchmarkSharedCache reads product documents (StoreGetProduct, by id and
// by handle, 1,000 seeded products in turn) from the database directly,
// from the shared level (an in-process cache of one entry, so that nearly
// every read misses it and is answered by Redis) and from a warm
// in-process cache; on SQLite, and on PostgreSQL when configured. The
// shared path is one Redis round trip (through the handle's index when
// the process does not know its id) and the same JSON decode as a
// database read.
func BenchmarkSharedCache(b *testing.B) {
	url := cachetest.RedisURL(b)
	for _, d := range sqldbtest.Databases() {
		b.Run(d.Name, func(b *testing.B) {
			d.SkipUnlessConfigured(b)
			ctx := context.Background()
			db := d.Open(b)
			st, ps := seedThousand(b, db)

			shared := catalogsvc.NewCachedStore(catalogsql.New(db, nil), catalogsvc.CacheConfig{Products: 1, Pages: 1, TTL: time.Minute}).(*catalogsvc.CachedStore)
			sc := sharedCache(b, url)
			shared.Shared(sc, catalogsvc.DefaultSharedConfig())
			memory := catalogsvc.NewCachedStore(catalogsql.New(db, nil), catalogsvc.DefaultCacheConfig())
			for _, warm := range []catalogsvc.Store{shared, memory} {
				for range 2 { // the first read by handle learns its id
					for _, p := range ps {
						mustGet(b, warm, p.ID)
						mustGet(b, warm, p.Handle)
					}
				}
			}
			for _, s := range []struct {
				name  string
				store catalogsvc.Store
			}{{"database", st}, {"shared", shared}, {"memory", memory}} {
				for _, byHandle := range []bool{false, true} {
					name := s.name + "/id"
					if byHandle {
						name = s.name + "/handle"
					}
					b.Run(name, func(b *testing.B) {
						b.ReportAllocs()
						i := 0
						for b.Loop() {
							p := ps[i%len(ps)]
							i++
							key := p.ID
							if byHandle {
								key = p.Handle
							}
							mustGet(b, s.store, key)
						}
					})
				}
			}
			// The share of Redis in the shared path: the one round trip of a
			// read by id (the tokens and the document), without decoding.
			b.Run("shared/roundtrip", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					p := ps[i%len(ps)]
					i++
					if v, ok := sc.Get(ctx, "p.all", "p.g:"+p.ID, "p:"+p.ID); !ok || v[2] == nil {
						b.Fatal("not in Redis")
					}
				}
			})
			hits, misses := shared.Stats()
			b.Logf("in-process level in front of the shared one: %d hits, %d misses", hits, misses)
		})
	}
}

func seeded(tb testing.TB, st catalogsvc.Store) []catalog.Product {
	tb.Helper()
	var ps []catalog.Product
	q := catalog.StoreListQuery{Limit: 100}
	for {
		page, err := st.StoreProducts(context.Background(), q, "")
		if err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, page.Data...)
		if page.NextCursor == nil {
			return ps
		}
		q.Cursor = *page.NextCursor
	}
}

func mustGet(tb testing.TB, st catalogsvc.Store, key string) {
	if _, err := st.StoreGetProduct(context.Background(), key); err != nil {
		tb.Fatal(key, err)
	}
}

// seedThousand migrates the catalog on db and seeds 1,000 products (seed
// 1), returning the store and the products.
func seedThousand(b *testing.B, db *sqldb.DB) (*catalogsql.Store, []catalog.Product) {
	b.Helper()
	ctx := context.Background()
	st := catalogsql.New(db, nil)
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := catalogsvc.New(st, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if _, err := catalogseed.Generate(ctx, svc, catalogseed.Options{Products: 1000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return st, seeded(b, st)
}

// BenchmarkProductEncoding measures the encodings considered for product
// documents in the shared cache, over 1,000 seeded products: JSON (the
// database's own encoding, chosen), gob, and JSON compressed with gzip.
// It reports the mean size of a value.
func BenchmarkProductEncoding(b *testing.B) {
	_, ps := seedThousand(b, sqldbtest.MustOpenSQLite(b))
	encodings := []struct {
		name   string
		encode func(catalog.Product) []byte
		decode func([]byte) catalog.Product
	}{
		{"json", func(p catalog.Product) []byte { v, _ := json.Marshal(p); return v },
			func(v []byte) (p catalog.Product) { _ = json.Unmarshal(v, &p); return p }},
		{"gob", func(p catalog.Product) []byte {
			var buf bytes.Buffer
			_ = gob.NewEncoder(&buf).Encode(p)
			return buf.Bytes()
		}, func(v []byte) (p catalog.Product) { _ = gob.NewDecoder(bytes.NewReader(v)).Decode(&p); return p }},
		{"json+gzip", func(p catalog.Product) []byte {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			_ = json.NewEncoder(w).Encode(p)
			_ = w.Close()
			return buf.Bytes()
		}, func(v []byte) (p catalog.Product) {
			r, _ := gzip.NewReader(bytes.NewReader(v))
			_ = json.NewDecoder(r).Decode(&p)
			return p
		}},
	}
	for _, e := range encodings {
		vals := make([][]byte, len(ps))
		size := 0
		for i, p := range ps {
			vals[i] = e.encode(p)
			size += len(vals[i])
			if got := e.decode(vals[i]); got.ID != p.ID || got.Title != p.Title {
				b.Fatalf("%s does not round-trip", e.name)
			}
		}
		b.Run(e.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e.encode(ps[i%len(ps)])
				i++
			}
			b.ReportMetric(float64(size)/float64(len(ps)), "B/value")
		})
		b.Run(e.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e.decode(vals[i%len(vals)])
				i++
			}
			b.ReportMetric(float64(size)/float64(len(ps)), "B/value")
		})
	}
}
