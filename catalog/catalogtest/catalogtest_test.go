package catalogtest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// TestEvents checks that every write writes its events to the outbox, in
// order, and that a failed write writes none.
func TestEvents(t *testing.T) {
	ctx := t.Context()
	svc, ob := catalogtest.MustServiceWithOutbox(t)
	want := func(step string, types ...string) {
		t.Helper()
		got := ob.EventTypes(t)
		if !slices.Equal(got, types) {
			t.Fatalf("%s: events %v, want %v", step, got, types)
		}
		for _, e := range ob.Events(t) {
			if err := e.Validate(); err != nil || e.Source != "agora/catalog" || e.Subject == "" {
				t.Fatalf("%s: event %+v: %v", step, e, err)
			}
		}
		ob.Reset(t)
	}

	cat := catalogtest.MustCreateCategory(t, svc, catalog.CreateCategoryCommand{Name: "Tables"})
	col := catalogtest.MustCreateCollection(t, svc, catalog.CreateCollectionCommand{Title: "New"})
	want("create category and collection", catalog.EventCategoryCreated, catalog.EventCollectionCreated)

	p := catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "Table", CategoryIDs: []string{cat.ID}, CollectionIDs: []string{col.ID}})
	want("create product", catalog.EventProductCreated)
	var data catalog.Product
	if evs := ob.Events(t); len(evs) != 0 {
		t.Fatal("Reset kept events")
	}

	_, err := svc.CreateProduct(ctx, catalog.CreateProductCommand{Title: "Table", Handle: p.Handle})
	errstest.Want(t, err, errs.Conflict, "handle_taken")
	_, err = svc.CreateProduct(ctx, catalog.CreateProductCommand{Title: ""})
	errstest.WantInvalid(t, err, "title")
	_, err = svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, ExpectedVersion: 9})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	errstest.Want(t, svc.DeleteCategory(ctx, "cat_nonsense"), errs.NotFound, "not_found")
	want("failed writes")

	title := "Walnut table"
	if _, err := svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, Title: &title}); err != nil {
		t.Fatal(err)
	}
	evs := ob.Events(t)
	want("update", catalog.EventProductUpdated)
	if err := evs[0].Decode(&data); err != nil || data.Title != title || data.Version != 2 || evs[0].Subject != p.ID {
		t.Errorf("product.updated carries %+v (%v), want the whole product at version 2", data, err)
	}

	name := "Dining tables"
	if _, err := svc.UpdateCategory(ctx, catalog.UpdateCategoryCommand{ID: cat.ID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	want("update category", catalog.EventCategoryUpdated)

	// Deleting a category or collection updates its products first.
	if err := svc.DeleteCategory(ctx, cat.ID); err != nil {
		t.Fatal(err)
	}
	want("delete category", catalog.EventProductUpdated, catalog.EventCategoryDeleted)
	if err := svc.DeleteCollection(ctx, col.ID); err != nil {
		t.Fatal(err)
	}
	evs = ob.Events(t)
	want("delete collection", catalog.EventProductUpdated, catalog.EventCollectionDeleted)
	if err := evs[0].Decode(&data); err != nil || len(data.CollectionIDs) != 0 || len(data.CategoryIDs) != 0 || data.Version != 4 {
		t.Errorf("product.updated after the deletes carries %+v (%v)", data, err)
	}

	if err := svc.DeleteProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	evs = ob.Events(t)
	want("delete product", catalog.EventProductDeleted)
	if err := evs[0].Decode(&data); err != nil || data.DeletedAt == nil {
		t.Errorf("product.deleted carries %+v (%v), want deleted_at set", data, err)
	}

	res, err := svc.ImportProducts(ctx, catalog.ImportProductsCommand{Products: []catalog.CreateProductCommand{{Title: "A"}, {Title: "B"}, {Title: "A"}}})
	if err != nil || res.Created != 3 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	want("import", catalog.EventProductCreated, catalog.EventProductCreated, catalog.EventProductCreated)
}

// TestConcurrent runs writers and readers at once (run with -race):
// versions never get lost and one explicit handle is given once.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	svc := catalogtest.MustService(t)
	p := catalogtest.MustCreateProduct(t, svc, catalog.CreateProductCommand{Title: "Hot item"})
	const workers, updates = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range updates {
				d := fmt.Sprintf("%d/%d", w, i)
				if _, err := svc.UpdateProduct(ctx, catalog.UpdateProductCommand{ID: p.ID, Description: &d}); err != nil {
					t.Errorf("update: %v", err)
					return
				}
				if _, err := svc.StoreProducts(ctx, catalog.StoreListQuery{}); err != nil {
					t.Errorf("list: %v", err)
					return
				}
			}
			if _, err := svc.CreateProduct(ctx, catalog.CreateProductCommand{Title: "Same", Handle: "same"}); err == nil {
				mu.Lock()
				created++
				mu.Unlock()
			} else if !errs.HasCode(err, "handle_taken") {
				t.Errorf("create: %v", err)
			}
		}()
	}
	wg.Wait()
	if got := catalogtest.MustGetProduct(t, svc, p.ID); got.Version != 1+workers*updates {
		t.Errorf("version %d after %d updates, want %d", got.Version, workers*updates, 1+workers*updates)
	}
	if created != 1 {
		t.Errorf("%d creates of one handle succeeded, want 1", created)
	}
}

func TestUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		u := catalogtest.Unique()
		if len(u) != 8 || seen[u] {
			t.Fatalf("Unique() = %q (seen before: %v)", u, seen[u])
		}
		seen[u] = true
	}
}
