// Package cataloghttp serves catalog.Service over HTTP (Register) and is a
// catalog.Service over HTTP (Client). Handlers only decode, call the service
// and encode; the routes and their schemas are the catalog's part of the
// OpenAPI document.
package cataloghttp

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
)

type idPath struct {
	ID string `path:"id" maxLength:"120" doc:"Id or handle"`
}

type productOut struct {
	Body catalog.Product
}

type productPageOut struct {
	Body catalog.Page[catalog.Product]
}

type createProductIn struct {
	Body catalog.CreateProductCommand
}

type updateProductIn struct {
	ID   string `path:"id" maxLength:"120"`
	Body catalog.UpdateProductCommand
}

type listProductsIn struct {
	Status   string `query:"status" enum:"draft,published,archived" doc:"Only products of this status (all when absent)"`
	Category string `query:"category" maxLength:"120" doc:"Category id or handle; includes sub-categories"`
	Q        string `query:"q" maxLength:"300" doc:"Case-insensitive part of the title"`
	SKU      string `query:"sku" maxLength:"100"`
	Deleted  bool   `query:"deleted" doc:"List soft-deleted products instead"`
	Limit    int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor   string `query:"cursor" maxLength:"200"`
}

type importIn struct {
	Body struct {
		Products []catalog.CreateProductCommand `json:"products" minItems:"1" maxItems:"1000"`
	}
}

type importOut struct {
	Body struct {
		Created int      `json:"created"`
		IDs     []string `json:"ids"`
	}
}

type storeProductIn struct {
	ID          string `path:"id" maxLength:"120" doc:"Product id or handle"`
	Currency    string `query:"currency" pattern:"^[A-Z]{3}$" doc:"Prices in this ISO 4217 currency"`
	Locale      string `query:"locale" maxLength:"35" doc:"BCP 47 locale of titles and descriptions"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"200"`
}

type storeProductOut struct {
	Status       int
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	SurrogateKey string `header:"Surrogate-Key"`
	ContentType  string `header:"Content-Type"`
	// ContentLength is set with the pre-encoded Body (no chunked framing).
	ContentLength string `header:"Content-Length"`
	// Body is a catalog.StoreProduct, encoded once per representation
	// (see encodedPages); the operation documents its schema.
	Body []byte
}

type storeListIn struct {
	Category    string `query:"category" maxLength:"120" doc:"Category id or handle; includes sub-categories"`
	Currency    string `query:"currency" pattern:"^[A-Z]{3}$"`
	Locale      string `query:"locale" maxLength:"35"`
	Limit       int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor      string `query:"cursor" maxLength:"200"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"200"`
}

type storeListOut struct {
	Status       int
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	SurrogateKey string `header:"Surrogate-Key"`
	ContentType  string `header:"Content-Type"`
	// ContentLength is set with the pre-encoded Body (no chunked framing).
	ContentLength string `header:"Content-Length"`
	// Body is a catalog.Page[catalog.StoreProduct] made of the products'
	// encodings (see encodedPages); the operation documents its schema.
	Body []byte
}

type categoryOut struct {
	Body catalog.Category
}

type createCategoryIn struct {
	Body catalog.CreateCategoryCommand
}

type updateCategoryIn struct {
	ID   string `path:"id" maxLength:"120"`
	Body catalog.UpdateCategoryCommand
}

type listCategoriesIn struct {
	ParentID string `query:"parent_id" maxLength:"40"`
	Limit    int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor   string `query:"cursor" maxLength:"200"`
}

type categoryPageOut struct {
	Body catalog.Page[catalog.Category]
}

type treeIn struct {
	Locale      string `query:"locale" maxLength:"35"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"200"`
}

type treeOut struct {
	Status       int
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	SurrogateKey string `header:"Surrogate-Key"`
	Body         struct {
		Data []catalog.CategoryNode `json:"data"`
	}
}

type collectionOut struct {
	Body catalog.Collection
}

type createCollectionIn struct {
	Body catalog.CreateCollectionCommand
}

type listCollectionsIn struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor string `query:"cursor" maxLength:"200"`
}

type collectionPageOut struct {
	Body catalog.Page[catalog.Collection]
}

// errorStatuses are the problem answers every catalog operation may give.
var (
	adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
	storeErrors = []int{http.StatusBadRequest, http.StatusNotFound}
)

// Tags of the catalog's operations.
const (
	adminTag = "Catalog (admin)"
	storeTag = "Catalog (store)"
)

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

func store(id, path, summary, description string) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Description: description, Tags: []string{storeTag},
		Errors: storeErrors, Responses: map[string]*huma.Response{"304": {Description: "Not modified (the ETag matches)"}},
	}
}

// Register adds the catalog's admin and store operations to api.
func Register(api huma.API, svc catalog.Service) {
	defer nullablePrice(api)
	doc := api.OpenAPI()
	doc.Tags = append(doc.Tags,
		&huma.Tag{Name: adminTag, Description: "Products, variants, categories and collections, for staff and integrations (secret API key)."},
		&huma.Tag{Name: storeTag, Description: "The published catalog, for shoppers (no key needed)."})
	huma.Register(api, admin(ProductsWrite, "createProduct", http.MethodPost, "/admin/products", "Create a product", "Creates a product with its options and variants. The handle defaults to a slug of the title (suffixed when taken); a taken explicit handle is 409 handle_taken, a taken SKU 409 sku_taken. Emits product.created.", http.StatusCreated),
		func(ctx context.Context, in *createProductIn) (*productOut, error) {
			p, err := svc.CreateProduct(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &productOut{Body: p}, nil
		})
	huma.Register(api, admin(ProductsWrite, "importProducts", http.MethodPost, "/admin/products/import", "Create up to 1,000 products at once", "Creates many products in batches of one transaction each; an invalid product fails its batch, with its index in the field names. Emits product.created for each.", http.StatusCreated),
		func(ctx context.Context, in *importIn) (*importOut, error) {
			res, err := svc.ImportProducts(ctx, catalog.ImportProductsCommand{Products: in.Body.Products})
			if err != nil {
				return nil, err
			}
			out := &importOut{}
			out.Body.Created, out.Body.IDs = res.Created, res.IDs
			return out, nil
		})
	huma.Register(api, admin(ProductsRead, "listProducts", http.MethodGet, "/admin/products", "List products, newest first", "Lists products of every status (or soft-deleted ones with deleted=true), newest first, with cursor pagination.", http.StatusOK),
		func(ctx context.Context, in *listProductsIn) (*productPageOut, error) {
			page, err := svc.ListProducts(ctx, catalog.ListProductsQuery{
				Status: catalog.Status(in.Status), Category: in.Category, Query: in.Q, SKU: in.SKU,
				Deleted: in.Deleted, Limit: in.Limit, Cursor: in.Cursor,
			})
			if err != nil {
				return nil, err
			}
			return &productPageOut{Body: page}, nil
		})
	huma.Register(api, admin(ProductsRead, "getProduct", http.MethodGet, "/admin/products/{id}", "Read a product by id or handle", "Reads a product, including drafts and archived ones; soft-deleted products are 404.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*productOut, error) {
			p, err := svc.GetProduct(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &productOut{Body: p}, nil
		})
	huma.Register(api, admin(ProductsWrite, "updateProduct", http.MethodPatch, "/admin/products/{id}", "Change a product", "Changes the fields that are present. Variants, when present, replace the list: a variant with an id updates it, one without is new, and those left out are removed. With version, a product changed since is 409 version_conflict. Emits product.updated.", http.StatusOK),
		func(ctx context.Context, in *updateProductIn) (*productOut, error) {
			in.Body.ID = in.ID
			p, err := svc.UpdateProduct(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &productOut{Body: p}, nil
		})
	huma.Register(api, admin(ProductsWrite, "deleteProduct", http.MethodDelete, "/admin/products/{id}", "Delete a product (soft)", "Soft-deletes a product: it leaves the store and the admin lists and frees its handle and SKUs. Emits product.deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeleteProduct(ctx, in.ID)
		})

	huma.Register(api, admin(CategoriesWrite, "createCategory", http.MethodPost, "/admin/categories", "Create a category", "Creates a category under parent_id (or a root). Emits category.created.", http.StatusCreated),
		func(ctx context.Context, in *createCategoryIn) (*categoryOut, error) {
			c, err := svc.CreateCategory(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &categoryOut{Body: c}, nil
		})
	huma.Register(api, admin(CategoriesRead, "listCategories", http.MethodGet, "/admin/categories", "List categories", "Lists categories by id, optionally only the children of parent_id.", http.StatusOK),
		func(ctx context.Context, in *listCategoriesIn) (*categoryPageOut, error) {
			page, err := svc.ListCategories(ctx, catalog.ListCategoriesQuery{ParentID: in.ParentID, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &categoryPageOut{Body: page}, nil
		})
	huma.Register(api, admin(CategoriesRead, "getCategory", http.MethodGet, "/admin/categories/{id}", "Read a category by id or handle", "Reads a category by id or handle.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*categoryOut, error) {
			c, err := svc.GetCategory(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &categoryOut{Body: c}, nil
		})
	huma.Register(api, admin(CategoriesWrite, "updateCategory", http.MethodPatch, "/admin/categories/{id}", "Change or move a category", "Changes or moves a category; moving it under itself or a descendant is 400. Emits category.updated.", http.StatusOK),
		func(ctx context.Context, in *updateCategoryIn) (*categoryOut, error) {
			in.Body.ID = in.ID
			c, err := svc.UpdateCategory(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &categoryOut{Body: c}, nil
		})
	huma.Register(api, admin(CategoriesWrite, "deleteCategory", http.MethodDelete, "/admin/categories/{id}", "Delete a category without sub-categories", "Deletes a category without sub-categories (else 409 category_has_children); its products lose it. Emits category.deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeleteCategory(ctx, in.ID)
		})

	huma.Register(api, admin(CollectionsWrite, "createCollection", http.MethodPost, "/admin/collections", "Create a collection", "Creates a collection; products join it through their collection_ids. Emits collection.created.", http.StatusCreated),
		func(ctx context.Context, in *createCollectionIn) (*collectionOut, error) {
			c, err := svc.CreateCollection(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &collectionOut{Body: c}, nil
		})
	huma.Register(api, admin(CollectionsRead, "listCollections", http.MethodGet, "/admin/collections", "List collections", "Lists collections by id.", http.StatusOK),
		func(ctx context.Context, in *listCollectionsIn) (*collectionPageOut, error) {
			page, err := svc.ListCollections(ctx, catalog.ListCollectionsQuery{Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &collectionPageOut{Body: page}, nil
		})
	huma.Register(api, admin(CollectionsRead, "getCollection", http.MethodGet, "/admin/collections/{id}", "Read a collection by id or handle", "Reads a collection by id or handle.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*collectionOut, error) {
			c, err := svc.GetCollection(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &collectionOut{Body: c}, nil
		})
	huma.Register(api, admin(CollectionsWrite, "deleteCollection", http.MethodDelete, "/admin/collections/{id}", "Delete a collection", "Deletes a collection; its products lose it. Emits collection.deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeleteCollection(ctx, in.ID)
		})

	pages := newEncodedPages(api, svc)
	listProducts := store("storeListProducts", "/store/products", "List published products", "Lists the published products of the sales channel (the default one, or the channel of the X-Publishable-Key), newest first; category includes sub-categories. Prices are in the requested currency. Cacheable: ETag, Cache-Control and Surrogate-Key.")
	httpx.DocumentJSONBody[catalog.Page[catalog.StoreProduct]](api, &listProducts)
	huma.Register(api, listProducts,
		func(ctx context.Context, in *storeListIn) (*storeListOut, error) {
			channel := httpx.SalesChannel(ctx)
			key := responseKey("list", channel, in.Category, in.Currency, in.Locale, in.Limit, in.Cursor)
			v, cacheable := pages.version()
			if a, ok := pages.cachedResponse(key, v, cacheable); ok {
				out := &storeListOut{Status: http.StatusOK, ETag: a.ETag, CacheControl: httpx.StoreCacheControl, SurrogateKey: a.SurrogateKey, ContentType: "application/json", Body: a.Body}
				if httpx.NotModified(in.IfNoneMatch, out.ETag) {
					out.Status, out.Body = http.StatusNotModified, nil
				}
				out.ContentLength = httpx.ContentLength(out.Body)
				return out, nil
			}
			page, err := svc.StoreProducts(ctx, catalog.StoreListQuery{
				Channel: channel, Category: in.Category, Currency: in.Currency, Locale: in.Locale, Limit: in.Limit, Cursor: in.Cursor,
			})
			if err != nil {
				return nil, err
			}
			keys := []string{"products"}
			for _, p := range page.Data {
				keys = append(keys, p.ID)
			}
			out := &storeListOut{Status: http.StatusOK, ETag: viewTag(in.Currency, in.Locale, page.NextCursor, page.Data...), CacheControl: httpx.StoreCacheControl, SurrogateKey: strings.Join(keys, " "), ContentType: "application/json"}
			if out.Body, err = pages.encodePage(page, in.Currency, in.Locale); err != nil {
				return nil, err
			}
			pages.cacheResponse(key, v, cacheable, httpx.CachedResponse{ETag: out.ETag, SurrogateKey: out.SurrogateKey, Body: out.Body})
			if httpx.NotModified(in.IfNoneMatch, out.ETag) {
				out.Status, out.Body = http.StatusNotModified, nil
			}
			out.ContentLength = httpx.ContentLength(out.Body)
			return out, nil
		})
	getProduct := store("storeGetProduct", "/store/products/{id}", "Read a published product by id or handle", "Reads a published product visible in the sales channel (the default one, or the channel of the X-Publishable-Key) by id or handle, translated to locale (falling back to its language, then the default text), each variant with its price in currency and whether it can be bought now. Drafts and deleted products are 404. Cacheable.")
	httpx.DocumentJSONBody[catalog.StoreProduct](api, &getProduct)
	huma.Register(api, getProduct,
		func(ctx context.Context, in *storeProductIn) (*storeProductOut, error) {
			channel := httpx.SalesChannel(ctx)
			key := responseKey("product", channel, in.ID, in.Currency, in.Locale, 0, "")
			v, cacheable := pages.version()
			if a, ok := pages.cachedResponse(key, v, cacheable); ok {
				out := &storeProductOut{Status: http.StatusOK, ETag: a.ETag, CacheControl: httpx.StoreCacheControl, SurrogateKey: a.SurrogateKey, ContentType: "application/json", Body: a.Body}
				if httpx.NotModified(in.IfNoneMatch, out.ETag) {
					out.Status, out.Body = http.StatusNotModified, nil // with the headers of a 200 (RFC 9110 15.4.5), no body
				}
				out.ContentLength = httpx.ContentLength(out.Body)
				return out, nil
			}
			p, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{Channel: channel, IDOrHandle: in.ID, Currency: in.Currency, Locale: in.Locale})
			if err != nil {
				return nil, err
			}
			out := &storeProductOut{Status: http.StatusOK, ETag: viewTag(in.Currency, in.Locale, nil, p), CacheControl: httpx.StoreCacheControl, SurrogateKey: p.ID, ContentType: "application/json"}
			if out.Body, err = pages.encode(p, in.Currency, in.Locale); err != nil {
				return nil, err
			}
			pages.cacheResponse(key, v, cacheable, httpx.CachedResponse{ETag: out.ETag, SurrogateKey: out.SurrogateKey, Body: out.Body})
			if httpx.NotModified(in.IfNoneMatch, out.ETag) {
				out.Status, out.Body = http.StatusNotModified, nil // with the headers of a 200 (RFC 9110 15.4.5), no body
			}
			out.ContentLength = httpx.ContentLength(out.Body)
			return out, nil
		})
	// Content-Type is set by these handlers for their pre-encoded bodies;
	// OpenAPI describes it through the media type, not as a header.
	for _, path := range []string{"/store/products", "/store/products/{id}"} {
		if pi := api.OpenAPI().Paths[path]; pi != nil && pi.Get != nil {
			delete(pi.Get.Responses["200"].Headers, "Content-Type")
			delete(pi.Get.Responses["200"].Headers, "Content-Length")
		}
	}
	huma.Register(api, store("storeCategoryTree", "/store/categories", "The category tree", "The whole category tree, translated to locale. Cacheable."),
		func(ctx context.Context, in *treeIn) (*treeOut, error) {
			tree, err := svc.CategoryTree(ctx, in.Locale)
			if err != nil {
				return nil, err
			}
			out := &treeOut{Status: http.StatusOK, CacheControl: httpx.StoreCacheControl, SurrogateKey: "categories"}
			out.Body.Data = tree
			out.ETag = httpx.ETag(out.Body)
			if httpx.NotModified(in.IfNoneMatch, out.ETag) {
				out.Status = http.StatusNotModified
			}
			return out, nil
		})
}

// nullablePrice documents that a store variant's price is null when it has
// none in the requested currency: huma cannot mark a field of an object
// type nullable, and without this the document contradicts the answers.
func nullablePrice(api huma.API) {
	s := api.OpenAPI().Components.Schemas.Map()[httpx.SchemaName(reflect.TypeFor[catalog.StoreVariant](), "")]
	if s == nil {
		return
	}
	if p := s.Properties["price"]; p != nil && p.Ref != "" {
		s.Properties["price"] = &huma.Schema{Description: p.Description, AnyOf: []*huma.Schema{{Ref: p.Ref}, {Type: "null"}}}
	}
}

// viewTag is the ETag of store views, made from what they are built of —
// each product's id and version (every change of a product moves its
// version), which of its variants can be bought now, the currency, the
// locale and the page's next cursor — so that an answer is not encoded
// once more just to tag it.
func viewTag(currency, locale string, next *string, ps ...catalog.StoreProduct) string {
	h := fnv.New64a()
	var buf [8]byte
	_, _ = io.WriteString(h, currency+"\x00"+locale+"\x00")
	if next != nil {
		_, _ = io.WriteString(h, *next)
	}
	for _, p := range ps {
		_, _ = io.WriteString(h, "\x01"+p.ID)
		binary.LittleEndian.PutUint64(buf[:], uint64(p.Version))
		_, _ = h.Write(buf[:])
		for _, v := range p.Variants {
			b := byte('0')
			if v.Available {
				b = '1'
			}
			_, _ = h.Write([]byte{b})
		}
	}
	return fmt.Sprintf(`"v%x"`, h.Sum64())
}
