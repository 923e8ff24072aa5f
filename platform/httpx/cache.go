package httpx

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
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
