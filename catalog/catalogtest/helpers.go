package catalogtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
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
		tb.Fatalf("CreateProduct(%q): %v", cmd.Title, describe(err))
	}
	return p
}

// MustCreateCategory creates a category or fails tb.
func MustCreateCategory(tb testing.TB, svc catalog.Service, cmd catalog.CreateCategoryCommand) catalog.Category {
	tb.Helper()
	c, err := svc.CreateCategory(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateCategory(%q): %v", cmd.Name, describe(err))
	}
	return c
}

// MustCreateCollection creates a collection or fails tb.
func MustCreateCollection(tb testing.TB, svc catalog.Service, cmd catalog.CreateCollectionCommand) catalog.Collection {
	tb.Helper()
	c, err := svc.CreateCollection(context.Background(), cmd)
	if err != nil {
		tb.Fatalf("CreateCollection(%q): %v", cmd.Title, describe(err))
	}
	return c
}

// MustGetProduct reads a product or fails tb.
func MustGetProduct(tb testing.TB, svc catalog.Service, idOrHandle string) catalog.Product {
	tb.Helper()
	p, err := svc.GetProduct(context.Background(), idOrHandle)
	if err != nil {
		tb.Fatalf("GetProduct(%q): %v", idOrHandle, describe(err))
	}
	return p
}

// describe renders err with its kind, code and fields, for failure messages.
func describe(err error) string {
	if err == nil {
		return "<nil>"
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error() + " (not an *errs.Error)"
	}
	s := e.Kind.String() + "/" + e.Code + ": " + err.Error()
	if len(e.Fields) > 0 {
		b, _ := json.Marshal(e.Fields)
		s += " fields=" + string(b)
	}
	return s
}

// WantErr fails tb unless err is of kind k with the stable code (any code
// when code is ""). It returns the error.
func WantErr(tb testing.TB, err error, k errs.Kind, code string) *errs.Error {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s/%s", k, code)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		tb.Fatalf("got %v, want an *errs.Error of kind %s", err, k)
	}
	if !errs.Is(err, k) || (code != "" && !errs.HasCode(err, code)) {
		tb.Fatalf("got %s, want %s/%s", describe(err), k, code)
	}
	return e
}

// WantInvalid fails tb unless err is Invalid validation_failed and names
// every one of fields. A field is named when a field error is the field
// itself or a part of it ("variants[0].prices[0]" is named by
// "variants[0].prices[0].currency"), so that the rule may be enforced by
// the service or by an HTTP schema in front of it.
func WantInvalid(tb testing.TB, err error, fields ...string) {
	tb.Helper()
	e := WantErr(tb, err, errs.Invalid, "validation_failed")
	for _, want := range fields {
		if !hasField(e.Fields, want) {
			tb.Errorf("error %s does not name field %q", describe(err), want)
		}
	}
}

func hasField(list []errs.FieldError, want string) bool {
	for _, f := range list {
		if f.Field == want || strings.HasPrefix(f.Field, want+".") || strings.HasPrefix(f.Field, want+"[") {
			return true
		}
	}
	return false
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
