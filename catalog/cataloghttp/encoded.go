package cataloghttp

import (
	"bytes"

	"github.com/danielgtaylor/huma/v2"
	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/catalog"
)

// encodedPagesBytes bounds the memory of encoded product pages.
const encodedPagesBytes = 32 << 20

// encodedPages keeps the JSON of recent product pages by their ETag. The
// tag is made from everything a page is built of (viewTag), so a page
// with the same tag is the same bytes: a product page asked again is
// answered without encoding it again, which was the largest cost of a
// cached product page. The key also holds the product id, so two products
// never share an entry even if their tags collided.
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

// encode returns p encoded as the API encodes JSON answers.
func (e *encodedPages) encode(p catalog.StoreProduct, tag string) ([]byte, error) {
	key := p.ID + "\x00" + tag
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
