package cataloghttp

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/httpx"
)

// encodedPagesBytes bounds the memory of encoded products,
// responsesBytes that of whole responses.
const (
	encodedPagesBytes = 32 << 20
	responsesBytes    = 32 << 20
	// responsesTTL bounds how long a whole response is cached even when
	// the service's version did not move (a safety net, like the
	// service's own cache TTL).
	responsesTTL = 5 * time.Minute
)

// storeVersions is implemented by a catalog service that can tell when
// its store answers may have changed (catalogsvc.Service with its cache):
// StoreVersion moves whenever any product page or listing may answer
// differently, and ok is false when the service cannot tell.
type storeVersions interface {
	StoreVersion() (v uint64, ok bool)
}

// encodedPages keeps the JSON of recently served store products by their
// view tag. The tag is made from everything the view is built of
// (viewTag: the product's id and version, which variants can be bought,
// currency and locale), so a view with the same tag is the same bytes: a
// product page or a listing is answered without encoding those products
// again, which was the largest cost of a cached store read. The key also
// holds the product id, so two products never share an entry even if
// their tags collided.
//
// With a service that tells its store version (storeVersions), it also
// caches whole responses — body, ETag and Surrogate-Key — by everything
// the request asks (route, channel, id or category, currency, locale,
// limit, cursor), valid while that version has not moved
// (httpx.ResponseCache): a repeated product page or listing is then
// answered without reading the service at all.
type encodedPages struct {
	api       huma.API
	cache     *otter.Cache[string, []byte]
	versions  storeVersions // nil: whole responses are not cached
	responses *httpx.ResponseCache[uint64]
}

func newEncodedPages(api huma.API, svc catalog.Service) *encodedPages {
	e := &encodedPages{api: api, cache: otter.Must(&otter.Options[string, []byte]{
		MaximumWeight: encodedPagesBytes,
		Weigher:       func(k string, v []byte) uint32 { return uint32(len(k) + len(v)) },
	})}
	if v, ok := svc.(storeVersions); ok {
		e.versions = v
		e.responses = httpx.NewResponseCache[uint64](responsesBytes, responsesTTL)
	}
	return e
}

// version is the service's store version now, and whether responses can
// be cached at all.
func (e *encodedPages) version() (uint64, bool) {
	if e.versions == nil {
		return 0, false
	}
	return e.versions.StoreVersion()
}

// responseKey identifies a store response by everything its request asks.
func responseKey(route, channel, subject, currency, locale string, limit int, cursor string) string {
	return route + "\x00" + channel + "\x00" + subject + "\x00" + currency + "\x00" + locale + "\x00" + strconv.Itoa(limit) + "\x00" + cursor
}

// cachedResponse returns the response cached for key at version v (ok:
// versions are known at all).
func (e *encodedPages) cachedResponse(key string, v uint64, ok bool) (httpx.CachedResponse, bool) {
	if !ok {
		return httpx.CachedResponse{}, false
	}
	return e.responses.Get(key, v)
}

// cacheResponse caches r for key, made at version v.
func (e *encodedPages) cacheResponse(key string, v uint64, ok bool, r httpx.CachedResponse) {
	if ok {
		e.responses.Set(key, v, r)
	}
}

// encode returns p encoded as the API encodes JSON answers (ending with
// the encoder's newline): the answer of a product page, shared by every
// request for it (never to be modified).
func (e *encodedPages) encode(p catalog.StoreProduct, currency, locale string) ([]byte, error) {
	key := p.ID + "\x00" + viewTag(currency, locale, nil, p)
	if b, ok := e.cache.GetIfPresent(key); ok {
		return b, nil
	}
	var buf bytes.Buffer
	if err := e.api.Marshal(&buf, "application/json", p); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	e.cache.Set(key, b)
	return b, nil
}

// product is p's encoding without the final newline, for a listing.
func (e *encodedPages) product(p catalog.StoreProduct, currency, locale string) ([]byte, error) {
	b, err := e.encode(p, currency, locale)
	return bytes.TrimSuffix(b, []byte("\n")), err
}

// encodePage is the answer of a listing: the page's products from their
// encodings, in the shape of catalog.Page.
func (e *encodedPages) encodePage(page catalog.Page[catalog.StoreProduct], currency, locale string) ([]byte, error) {
	out := make([]byte, 0, 1024*len(page.Data)+64)
	out = append(out, `{"data":[`...)
	for i, p := range page.Data {
		b, err := e.product(p, currency, locale)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	next, err := json.Marshal(page.NextCursor)
	if err != nil {
		return nil, err
	}
	out = append(out, `],"next_cursor":`...)
	out = append(out, next...)
	return append(out, "}\n"...), nil
}
