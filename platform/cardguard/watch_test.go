package cardguard

import (
	"context"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/httpx"
)

// TestWatched: only the operations marked with Watch are watched, by their
// route pattern.
func TestWatched(t *testing.T) {
	api := httpx.NewAPI(http.NewServeMux(), "test", "1", "")
	h := func(context.Context, *struct{}) (*struct{}, error) { return nil, nil }
	huma.Register(api, Watch(huma.Operation{OperationID: "pay", Method: http.MethodPost, Path: "/store/carts/{id}/checkout"}), h)
	huma.Register(api, huma.Operation{OperationID: "other", Method: http.MethodPost, Path: "/store/carts/{id}/items"}, h)
	got := Watched(api.OpenAPI())
	if len(got) != 1 || !got["POST /store/carts/{id}/checkout"] {
		t.Fatalf("watched %v", got)
	}
}
