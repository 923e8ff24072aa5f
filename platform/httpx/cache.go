package httpx

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/cache"
)

// StoreCacheControl is the Cache-Control of cacheable store answers: shared
// caches may keep them briefly and serve them stale while they revalidate.
const StoreCacheControl = "public, max-age=30, stale-while-revalidate=300"

// ETag is a strong validator of an answer body: a hash of its JSON.
func ETag(v any) string {
	b, _ := json.Marshal(v)
	return ETagOf(b)
}

// ETagOf is the strong validator of an encoded answer body.
func ETagOf(body []byte) string {
	h := fnv.New64a()
	h.Write(body)
	return fmt.Sprintf(`"%x"`, h.Sum64())
}

// NotModified reports whether an If-None-Match header value matches tag
// (weak comparison, as RFC 9110 asks for If-None-Match; "*" matches all).
func NotModified(ifNoneMatch, tag string) bool {
	if ifNoneMatch == "" {
		return false
	}
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// CachedResponse is a whole encoded response of a cacheable GET, as sent.
type CachedResponse struct {
	ETag, SurrogateKey string
	Body               []byte
}

type versionedResponse[T comparable] struct {
	CachedResponse
	version T
}

// ResponseCache caches whole responses of cacheable GETs by a key made of
// everything their request asks, each valid while the version it was made
// at is still current. The version is whatever tells that the data a
// response is made of may have changed (a counter every change moves);
// the caller reads it *before* making the response, so a response made
// while something changed is cached under the older version and is never
// served as current. Memory is bounded by weight, and entries expire
// after a TTL as a safety net. It is safe for concurrent use.
type ResponseCache[T comparable] struct {
	c *cache.Versioned[string, versionedResponse[T]]
}

// NewResponseCache caches at most maxBytes of responses (keys included),
// each for at most ttl.
func NewResponseCache[T comparable](maxBytes int, ttl time.Duration) *ResponseCache[T] {
	return &ResponseCache[T]{c: cache.NewVersioned(cache.Options[string, versionedResponse[T]]{
		MaxSize: maxBytes,
		Weigher: func(k string, r versionedResponse[T]) uint32 {
			return uint32(len(k) + len(r.ETag) + len(r.SurrogateKey) + len(r.Body))
		},
		TTL: ttl,
	})}
}

// Get returns the response cached for key if it was made at version v.
func (rc *ResponseCache[T]) Get(key string, v T) (CachedResponse, bool) {
	r, ok := rc.c.Get(key)
	if !ok || r.version != v {
		return CachedResponse{}, false
	}
	return r.CachedResponse, true
}

// Set caches r for key, made at version v (read before it was made).
func (rc *ResponseCache[T]) Set(key string, v T, r CachedResponse) {
	rc.c.Put(key, versionedResponse[T]{CachedResponse: r, version: v})
}

// ContentLength is the Content-Length header of a pre-encoded body, empty
// without one (a 304), so that the answer is not sent in chunks.
func ContentLength(body []byte) string {
	if body == nil {
		return ""
	}
	return strconv.Itoa(len(body))
}

// DocumentJSONBody documents T as the JSON body of op's 200 answer, for an
// operation whose output body is pre-encoded bytes.
func DocumentJSONBody[T any](api huma.API, op *huma.Operation) {
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	op.Responses["200"] = &huma.Response{Description: "OK", Content: map[string]*huma.MediaType{
		"application/json": {Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[T](), true, "")},
	}}
}
