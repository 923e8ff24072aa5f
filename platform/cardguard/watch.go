package cardguard

import (
	"maps"

	"github.com/danielgtaylor/huma/v2"
)

// watchKey is the key of an operation's Metadata that marks it as a
// payment attempt the guard watches.
const watchKey = "agora.cardguard"

// Watch returns op marked as a payment attempt (a checkout): the guard
// counts its declines and refuses it from a blocked client. The operation
// that takes payments declares it where it is registered.
func Watch(op huma.Operation) huma.Operation {
	m := maps.Clone(op.Metadata)
	if m == nil {
		m = map[string]any{}
	}
	m[watchKey] = true
	op.Metadata = m
	return op
}

// Watched returns the route patterns ("POST /store/carts/{id}/checkout") of
// the operations of doc marked with Watch.
func Watched(doc *huma.OpenAPI) map[string]bool {
	out := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil && op.Metadata[watchKey] == true {
				out[method+" "+path] = true
			}
		}
	}
	return out
}
