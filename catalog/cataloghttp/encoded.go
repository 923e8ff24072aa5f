package cataloghttp

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/catalog"
)

// encodedPagesBytes bounds the memory of encoded products.
const encodedPagesBytes = 32 << 20

// encodedPages keeps the JSON of recently served store products by their
// view tag. The tag is made from everything the view is built of
// (viewTag: the product's id and version, which variants can be bought,
// currency and locale), so a view with the same tag is the same bytes: a
// product page or a listing is answered without encoding those products
// again, which was the largest cost of a cached store read. The key also
// holds the product id, so two products never share an entry even if
// their tags collided.
type encodedPages struct {
	api   huma.API
	cache *otter.Cache[string, []byte]
}

func newEncodedPages(api huma.API) *encodedPages {
	return &encodedPages{api: api, cache: otter.Must(&otter.Options[string, []byte]{
		MaximumWeight: encodedPagesBytes,
		Weigher:       func(k string, v []byte) uint32 { return uint32(len(k) + len(v)) },
	})}
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

// documentJSON documents T as the JSON body of op's 200 answer, for an
// operation whose output body is pre-encoded bytes.
func documentJSON[T any](api huma.API, op *huma.Operation) {
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	op.Responses["200"] = &huma.Response{Description: "OK", Content: map[string]*huma.MediaType{
		"application/json": {Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[T](), true, "")},
	}}
}
