package httpx

import (
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/maypok86/otter/v2"
)

// Answer is a whole encoded answer of a cacheable GET, as sent.
type Answer struct {
	ETag, SurrogateKey string
	Body               []byte
}

type keptAnswer[V comparable] struct {
	Answer
	version V
}

// Answers keeps whole answers of cacheable GETs by a key made of
// everything their request asks, each valid while the version it was made
// at is still current. The version is whatever tells that the data an
// answer is made of may have changed (a counter every change moves); the
// caller reads it *before* making the answer, so an answer made while
// something changed is kept under the older version and is never served as
// current. Memory is bounded by weight, and entries expire after a TTL as
// a safety net.
type Answers[V comparable] struct {
	c *otter.Cache[string, keptAnswer[V]]
}

// NewAnswers keeps at most maxBytes of answers (keys included), each for
// at most ttl.
func NewAnswers[V comparable](maxBytes uint64, ttl time.Duration) *Answers[V] {
	return &Answers[V]{c: otter.Must(&otter.Options[string, keptAnswer[V]]{
		MaximumWeight: maxBytes,
		Weigher: func(k string, a keptAnswer[V]) uint32 {
			return uint32(len(k) + len(a.ETag) + len(a.SurrogateKey) + len(a.Body))
		},
		ExpiryCalculator: otter.ExpiryWriting[string, keptAnswer[V]](ttl),
	})}
}

// Get returns the answer kept for key if it was made at version v.
func (a *Answers[V]) Get(key string, v V) (Answer, bool) {
	k, ok := a.c.GetIfPresent(key)
	if !ok || k.version != v {
		return Answer{}, false
	}
	return k.Answer, true
}

// Keep keeps ans for key, made at version v (read before it was made).
func (a *Answers[V]) Keep(key string, v V, ans Answer) {
	a.c.Set(key, keptAnswer[V]{Answer: ans, version: v})
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
