package accesshttp

import (
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
)

// DocumentGuard completes the OpenAPI document with what the guard does
// outside the operations: every store operation takes X-Publishable-Key
// and may answer 401 for an unknown or revoked one. Call it once every
// route is registered.
func DocumentGuard(doc *huma.OpenAPI) {
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/store/") {
			continue
		}
		for _, op := range []*huma.Operation{item.Get, item.Head, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			if !slices.ContainsFunc(op.Parameters, func(p *huma.Param) bool { return strings.EqualFold(p.Name, auth.PublishableKeyHeader) }) {
				op.Parameters = append(op.Parameters, &huma.Param{
					Name: auth.PublishableKeyHeader, In: "header",
					Description: "Publishable key (pk_…) selecting a sales channel; without it, the default channel.",
					Schema:      &huma.Schema{Type: "string", MaxLength: ptr(100)},
				})
			}
			if op.Responses == nil || op.Responses["401"] != nil {
				continue
			}
			for _, code := range []string{"400", "404", "default"} {
				if r := op.Responses[code]; r != nil && r.Content != nil {
					op.Responses["401"] = &huma.Response{Description: "Unauthorized: an unknown or revoked publishable key", Content: r.Content}
					break
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
