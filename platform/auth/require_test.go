package auth

import (
	"context"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/httpx"
)

const (
	productsRead  Permission = "products:read"
	productsWrite Permission = "products:write"
)

// TestRoutesOf: the permission an operation declares with Require is its
// route's entry; an operation that declares none has no entry.
func TestRoutesOf(t *testing.T) {
	api := httpx.NewAPI(http.NewServeMux(), "test", "1", "")
	handler := func(context.Context, *struct{}) (*struct{}, error) { return nil, nil }
	base := huma.Operation{OperationID: "readThing", Method: http.MethodGet, Path: "/admin/things/{id}", Metadata: map[string]any{"other": 1}}
	huma.Register(api, Require(productsRead, base), handler)
	huma.Register(api, Require(productsWrite, huma.Operation{OperationID: "changeThing", Method: http.MethodPatch, Path: "/admin/things/{id}"}), handler)
	huma.Register(api, huma.Operation{OperationID: "storeThing", Method: http.MethodGet, Path: "/store/things"}, handler)
	got := RoutesOf(api.OpenAPI())
	want := Routes{"GET /admin/things/{id}": productsRead, "PATCH /admin/things/{id}": productsWrite}
	if len(got) != len(want) || got["GET /admin/things/{id}"] != productsRead || got["PATCH /admin/things/{id}"] != productsWrite {
		t.Fatalf("routes %v, want %v", got, want)
	}
	if _, ok := base.Metadata[permissionKey]; ok {
		t.Fatal("Require changed the caller's metadata map")
	}
}
