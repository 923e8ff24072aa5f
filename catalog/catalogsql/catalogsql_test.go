package catalogsql_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// MustStore returns the catalog's store on db, migrated.
func MustStore(tb testing.TB, db *sqldb.DB, committed func()) *catalogsql.Store {
	tb.Helper()
	st := catalogsql.New(db, committed)
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return st
}

func newService(st catalogsvc.Store) *catalogsvc.Service {
	return catalogsvc.New(st, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
}

// forEachDB runs fn on a fresh database of every configured dialect.
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	for _, d := range catalogtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			fn(t, d.Open(t))
		})
	}
}

func countRows(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestStoreCopies checks that the store hands out copies: changing what
// it returned, or what it was given, never changes what it holds.
func TestStoreCopies(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		st := MustStore(t, db, nil)
		p := catalog.Product{ID: "prod_01J00000000000000000000000", Handle: "a", Status: catalog.Published, Version: 1,
			Variants: []catalog.Variant{{ID: "var_01J00000000000000000000000", SKU: "A"}}, Attributes: map[string]string{"k": "v"}}
		if err := st.InsertProducts(ctx, []catalog.Product{p}, nil); err != nil {
			t.Fatal(err)
		}
		p.Attributes["k"] = "changed"
		p.Variants[0].SKU = "B"
		got, err := st.GetProduct(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		got.Attributes["k"] = "changed too"
		got2, err := st.GetProduct(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got2.Attributes["k"] != "v" || got2.Variants[0].SKU != "A" {
			t.Errorf("the store holds %+v, want the product as inserted", got2)
		}
		// A failing update changes nothing, even when fn changed its argument.
		_, err = st.UpdateProduct(ctx, p.ID, func(p *catalog.Product) ([]event.Event, error) {
			p.Handle = "b"
			return nil, errs.E(errs.Invalid, "", "no")
		})
		errstest.Want(t, err, errs.Invalid, "")
		if _, err := st.GetProduct(ctx, "a"); err != nil {
			t.Errorf("after a failed update: %v", err)
		}
	})
}

// TestConcurrentUpdates updates one product from many goroutines at once:
// no update is lost (the version counts every one of them, and each wrote
// its event), and of writers that all expect the same version exactly one
// wins.
func TestConcurrentUpdates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		svc := newService(MustStore(t, db, nil))
		p := catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "Hot product", Variants: []catalog.VariantInput{{SKU: "HOT"}}})
		const workers, updates = 8, 12
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range updates {
					d := fmt.Sprintf("worker %d update %d", w, i)
					if _, err := svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, Description: &d}); err != nil {
						t.Errorf("update: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		got := catalogtest.MustGetProduct(t, svc, p.ID)
		if want := int64(1 + workers*updates); got.Version != want {
			t.Errorf("version %d after %d updates, want %d", got.Version, workers*updates, want)
		}
		if n, want := countRows(t, db, "catalog_outbox"), 1+workers*updates; n != want {
			t.Errorf("%d outbox rows, want %d", n, want)
		}
		if got.Variants[0].SKU != "HOT" || countRows(t, db, "catalog_variants") != 1 {
			t.Errorf("variants after the updates: %+v, %d rows", got.Variants, countRows(t, db, "catalog_variants"))
		}

		// Optimistic concurrency: everyone read the same version.
		start := got.Version
		var mu sync.Mutex
		won, lost := 0, 0
		for w := range workers {
			wg.Go(func() {
				d := fmt.Sprintf("expected by %d", w)
				_, err := svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, ExpectedVersion: start, Description: &d})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errs.HasCode(err, "version_conflict"):
					lost++
				default:
					t.Errorf("update at version %d: %v", start, err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != workers-1 {
			t.Errorf("%d writers at version %d won and %d lost, want 1 and %d", won, start, lost, workers-1)
		}
		if got := catalogtest.MustGetProduct(t, svc, p.ID); got.Version != start+1 {
			t.Errorf("version %d, want %d", got.Version, start+1)
		}
	})
}

// TestConcurrentCreates creates products that compete for one handle or
// one SKU: exactly one wins each, the others are conflicts, and products
// whose handle is derived from one title all get handles of their own.
func TestConcurrentCreates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		svc := newService(MustStore(t, db, nil))
		const workers = 12
		race := func(name string, cmd func(w int) catalog.CreateProductCommand, code string) []catalog.Product {
			t.Helper()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var created []catalog.Product
			for w := range workers {
				wg.Go(func() {
					p, err := svc.CreateProduct(ctx, cmd(w))
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						created = append(created, p)
					} else if code == "" || !errs.HasCode(err, code) {
						t.Errorf("%s: create: %v", name, err)
					}
				})
			}
			wg.Wait()
			return created
		}

		won := race("one handle", func(w int) catalog.CreateProductCommand {
			return catalog.CreateProductCommand{Title: fmt.Sprintf("Contender %d", w), Handle: "the-handle"}
		}, "handle_taken")
		if len(won) != 1 {
			t.Errorf("%d creates of one handle succeeded, want 1", len(won))
		}
		won = race("one SKU", func(w int) catalog.CreateProductCommand {
			return catalog.CreateProductCommand{Title: fmt.Sprintf("SKU contender %d", w), Variants: []catalog.VariantInput{{SKU: "ONE-SKU"}}}
		}, "sku_taken")
		if len(won) != 1 {
			t.Errorf("%d creates of one SKU succeeded, want 1", len(won))
		}
		won = race("one title", func(int) catalog.CreateProductCommand {
			return catalog.CreateProductCommand{Title: "Bestseller"}
		}, "")
		handles := map[string]bool{}
		for _, p := range won {
			if handles[p.Handle] {
				t.Errorf("handle %q given twice", p.Handle)
			}
			handles[p.Handle] = true
		}
		if len(won) != workers {
			t.Errorf("%d of %d creates of one title succeeded, want all", len(won), workers)
		}
		if n, want := countRows(t, db, "catalog_products"), 2+workers; n != want {
			t.Errorf("%d product rows, want %d", n, want)
		}
	})
}

// TestStoreWrites checks the store below the service: conflicts are named,
// a batch is all or nothing, and events are written in the same
// transaction as the change (and the committed hook runs after it).
func TestStoreWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		commits := 0
		st := MustStore(t, db, func() { commits++ })
		svc := newService(st)

		a := catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "A", Variants: []catalog.VariantInput{{SKU: "A-1"}}})
		if commits != 1 || countRows(t, db, "catalog_outbox") != 1 {
			t.Fatalf("after a create: %d commits, %d outbox rows; want 1 and 1", commits, countRows(t, db, "catalog_outbox"))
		}
		// A batch whose second product conflicts writes nothing at all.
		b := catalog.Product{ID: "prod_01J00000000000000000000001", Handle: "b", Status: catalog.Draft, Version: 1,
			Variants: []catalog.Variant{{ID: "var_01J00000000000000000000001", SKU: "B-1"}}}
		c := catalog.Product{ID: "prod_01J00000000000000000000002", Handle: "c", Status: catalog.Draft, Version: 1,
			Variants: []catalog.Variant{{ID: "var_01J00000000000000000000002", SKU: "A-1"}}}
		e, err := event.New(catalog.Module, catalog.EventProductCreated, b.ID, b, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		err = st.InsertProducts(ctx, []catalog.Product{b, c}, []event.Event{e})
		errstest.Want(t, err, errs.Conflict, "sku_taken")
		if n := countRows(t, db, "catalog_products"); n != 1 {
			t.Errorf("%d products after a failed batch, want 1", n)
		}
		if n := countRows(t, db, "catalog_outbox"); n != 1 {
			t.Errorf("%d outbox rows after a failed batch, want 1", n)
		}
		if commits != 1 {
			t.Errorf("the committed hook ran for a rolled back write")
		}
		c.Variants[0].SKU = "C-1"
		c.Handle = a.Handle
		errstest.Want(t, st.InsertProducts(ctx, []catalog.Product{c}, nil), errs.Conflict, "handle_taken")
		c.Handle = "c"
		if err := st.InsertProducts(ctx, []catalog.Product{b, c}, []event.Event{e}); err != nil {
			t.Fatalf("InsertProducts: %v", err)
		}

		// A failing update function rolls back.
		_, err = st.UpdateProduct(ctx, a.ID, func(p *catalog.Product) ([]event.Event, error) {
			p.Handle = "changed"
			return nil, errs.E(errs.Invalid, "", "no")
		})
		errstest.Want(t, err, errs.Invalid, "")
		if _, err := st.GetProduct(ctx, "changed"); !errs.Is(err, errs.NotFound) {
			t.Errorf("a rolled back update is visible: %v", err)
		}

		// Categories and collections name their handle conflicts too.
		cat := catalogtest.MustCreateCategory(t, svc, catalog.CreateCategoryCommand{Name: "Shelves"})
		_, err = svc.CreateCategory(ctx, catalog.CreateCategoryCommand{Name: "Shelves"})
		errstest.Want(t, err, errs.Conflict, "handle_taken")
		catalogtest.MustCreateCollection(t, svc, catalog.CreateCollectionCommand{Title: "Shelves"})
		_, err = svc.CreateCollection(ctx, catalog.CreateCollectionCommand{Title: "Shelves"})
		errstest.Want(t, err, errs.Conflict, "handle_taken")
		// A category, a collection and a product may share a handle.
		catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "Shelves", Handle: cat.Handle})

		// Soft delete keeps the row, frees the handle and the SKU rows.
		if err := svc.DeleteProduct(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "catalog_variants"); n != 3 {
			t.Errorf("%d variant rows after the delete, want 3 (b, c and the last product)", n)
		}
		deleted, err := st.ListProducts(ctx, catalog.ListProductsQuery{Deleted: true, Limit: 10}, "")
		if err != nil || len(deleted.Data) != 1 || deleted.Data[0].ID != a.ID {
			t.Errorf("deleted products: %+v, %v", deleted.Data, err)
		}
		types := outboxTypes(t, db)
		want := []string{"product.created", "product.created", "category.created", "collection.created", "product.created", "product.deleted"}
		if !slices.Equal(types, want) {
			t.Errorf("outbox %v, want %v", types, want)
		}
	})
}

func outboxTypes(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT type FROM catalog_outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// seedAnalyzed seeds db through svc and then updates the planner's
// statistics, as a database that has run for a while has them (without,
// PostgreSQL plans the listing as a sort of the whole table).
func seedAnalyzed(tb testing.TB, db *sqldb.DB, svc catalog.Service, n int) ([]string, catalog.Category) {
	tb.Helper()
	handles, root := seed(tb, svc, n)
	if _, err := db.ExecContext(context.Background(), `ANALYZE`); err != nil {
		tb.Fatalf("analyze: %v", err)
	}
	return handles, root
}

// seed imports n published products into a small category tree, each with
// three variants priced in two currencies, and returns their handles and
// the root category.
func seed(tb testing.TB, svc catalog.Service, n int) ([]string, catalog.Category) {
	tb.Helper()
	ctx := context.Background()
	root := catalogtest.MustCreateCategory(tb, svc, catalog.CreateCategoryCommand{Name: "Furniture"})
	var leaves []string
	for i := range 4 {
		c := catalogtest.MustCreateCategory(tb, svc, catalog.CreateCategoryCommand{Name: fmt.Sprintf("Room %d", i), ParentID: root.ID})
		leaves = append(leaves, c.ID)
	}
	opts := []catalog.Option{{Name: "Size", Values: []string{"S", "M", "L"}}}
	cmds := make([]catalog.CreateProductCommand, n)
	for i := range cmds {
		vs := make([]catalog.VariantInput, 3)
		for j, size := range opts[0].Values {
			vs[j] = catalog.VariantInput{SKU: fmt.Sprintf("P%06d-%s", i, size), Options: map[string]string{"Size": size},
				Prices: []money.Money{{Amount: int64(1000 + i), Currency: "EUR"}, {Amount: int64(1100 + i), Currency: "USD"}}}
		}
		cmds[i] = catalog.CreateProductCommand{
			Title: fmt.Sprintf("Product %d", i), Description: "A product of the benchmark catalog, described in a sentence or two.",
			Status: catalog.Published, CategoryIDs: []string{leaves[i%len(leaves)]}, Options: opts, Variants: vs,
			Attributes:   map[string]string{"material": "oak", "color": "natural"},
			Media:        []catalog.Media{{URL: fmt.Sprintf("https://cdn.example.com/p/%d.jpg", i), Alt: "Product"}},
			Translations: map[string]catalog.Translation{"de": {Title: fmt.Sprintf("Produkt %d", i)}},
		}
	}
	res, err := svc.ImportProducts(ctx, catalog.ImportProductsCommand{Products: cmds})
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	handles := make([]string, 0, n)
	for _, pid := range res.IDs {
		handles = append(handles, catalogtest.MustGetProduct(tb, svc, pid).Handle)
	}
	return handles, root
}

// benchDBs runs fn on a fresh database of every configured dialect.
func benchDBs(b *testing.B, fn func(b *testing.B, db *sqldb.DB)) {
	for _, d := range catalogtest.Databases() {
		b.Run(d.Name, func(b *testing.B) {
			d.SkipUnlessConfigured(b)
			var db *sqldb.DB
			if d.Name == "sqlite" {
				// What production runs: durable commits.
				db = catalogtest.MustOpenSQLiteConfig(b, sqldb.DefaultConfig())
			} else {
				db = d.Open(b)
			}
			fn(b, db)
		})
	}
}

const benchProducts = 2000

// BenchmarkGetProduct reads a product page for the store by handle, with
// prices in one currency (B1 without HTTP).
func BenchmarkGetProduct(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *sqldb.DB) {
		svc := newService(MustStore(b, db, nil))
		handles, _ := seedAnalyzed(b, db, svc, benchProducts)
		ctx := context.Background()
		b.Run("serial", func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: handles[i%len(handles)], Currency: "EUR"}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run("parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: handles[i%len(handles)], Currency: "EUR"}); err != nil {
						b.Error(err)
						return
					}
					i += 7
				}
			})
		})
	})
}

// BenchmarkStoreProducts reads a listing page of 24 products of a category
// (with its sub-categories), priced in EUR (B2 without HTTP).
func BenchmarkStoreProducts(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *sqldb.DB) {
		svc := newService(MustStore(b, db, nil))
		_, root := seedAnalyzed(b, db, svc, benchProducts)
		ctx := context.Background()
		first, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Category: root.Handle, Currency: "EUR", Limit: 24})
		if err != nil || len(first.Data) != 24 || first.NextCursor == nil {
			b.Fatalf("first page: %d products, %v", len(first.Data), err)
		}
		for _, bc := range []struct {
			name   string
			cursor string
		}{{"first-page", ""}, {"second-page", *first.NextCursor}} {
			b.Run(bc.name, func(b *testing.B) {
				for b.Loop() {
					page, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Category: root.Handle, Currency: "EUR", Limit: 24, Cursor: bc.cursor})
					if err != nil || len(page.Data) != 24 {
						b.Fatalf("%d products, %v", len(page.Data), err)
					}
				}
			})
		}
		b.Run("no-category", func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.StoreProducts(ctx, catalog.StoreListQuery{Currency: "EUR", Limit: 24}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkCreateProduct creates products of three variants, one durable
// transaction each.
func BenchmarkCreateProduct(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *sqldb.DB) {
		svc := newService(MustStore(b, db, nil))
		cat := catalogtest.MustCreateCategory(b, svc, catalog.CreateCategoryCommand{Name: "Bench"})
		ctx := context.Background()
		i := 0
		for b.Loop() {
			vs := make([]catalog.VariantInput, 3)
			for j, size := range []string{"S", "M", "L"} {
				vs[j] = catalog.VariantInput{SKU: fmt.Sprintf("C%08d-%s", i, size), Options: map[string]string{"Size": size},
					Prices: []money.Money{{Amount: 1999, Currency: "EUR"}}}
			}
			if _, err := svc.CreateProduct(ctx, catalog.CreateProductCommand{
				Title: fmt.Sprintf("Created %d", i), Status: catalog.Published, CategoryIDs: []string{cat.ID},
				Options: []catalog.Option{{Name: "Size", Values: []string{"S", "M", "L"}}}, Variants: vs,
			}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
