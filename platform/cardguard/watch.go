package cardguard

import (
	"encoding/json"
	"maps"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// watchKey is the key of an operation's Metadata that marks it as a
// payment attempt the guard watches; Extension marks it so in the OpenAPI
// document, for a gateway in another process.
const (
	watchKey  = "agora.cardguard"
	Extension = "x-agora-payment-attempt"
)

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
	ext := maps.Clone(op.Extensions)
	if ext == nil {
		ext = map[string]any{}
	}
	ext[Extension] = true
	op.Extensions = ext
	return op
}

// WatchedIn returns the route patterns of the operations an OpenAPI
// document (as JSON) marks as payment attempts.
func WatchedIn(spec []byte) (map[string]bool, error) {
	var doc struct {
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op[Extension] == true {
				out[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	return out, nil
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
