package catalogtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs/errstest"
)

// Unique returns 8 random lower-case hex digits, to make titles, handles
// and SKUs that no other test uses (factories may share one database).
func Unique() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// MustCreateProduct creates a product or fails tb.
func MustCreateProduct(tb testing.TB, svc catalog.Service, cmd catalog.CreateProductCommand) catalog.Product {
	tb.Helper()
	p, err := svc.CreateProduct(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateProduct(%q): %v", cmd.Title, errstest.Describe(err))
	}
	return p
}

// MustCreateCategory creates a category or fails tb.
func MustCreateCategory(tb testing.TB, svc catalog.Service, cmd catalog.CreateCategoryCommand) catalog.Category {
	tb.Helper()
	c, err := svc.CreateCategory(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateCategory(%q): %v", cmd.Name, errstest.Describe(err))
	}
	return c
}

// MustCreateCollection creates a collection or fails tb.
func MustCreateCollection(tb testing.TB, svc catalog.Service, cmd catalog.CreateCollectionCommand) catalog.Collection {
	tb.Helper()
	c, err := svc.CreateCollection(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateCollection(%q): %v", cmd.Title, errstest.Describe(err))
	}
	return c
}

// MustGetProduct reads a product or fails tb.
func MustGetProduct(tb testing.TB, svc catalog.Service, idOrHandle string) catalog.Product {
	tb.Helper()
	p, err := svc.GetProduct(context.Background(), idOrHandle)
	if err != nil {
		tb.Fatalf("GetProduct(%q): %v", idOrHandle, errstest.Describe(err))
	}
	return p
}

func sameJSON(tb testing.TB, what string, got, want any) {
	tb.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		tb.Fatal(err)
	}
	if string(g) != string(w) {
		tb.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}

func ptr[T any](v T) *T { return &v }
