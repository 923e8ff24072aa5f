package cataloghttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Client is a catalog.Service over HTTP. Admin calls need an admin key in
// the client's headers. Errors come back with the kinds and codes the
// server sent. The store calls use the default sales channel.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the catalog served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func pathID(prefix, idOrHandle string) (string, error) {
	if idOrHandle == "" {
		return "", errs.E(errs.NotFound, "not_found", "not found")
	}
	return prefix + url.PathEscape(idOrHandle), nil
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func limitStr(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(min(n, catalog.MaxListLimit))
}

// CreateProduct implements catalog.Service.
func (c *Client) CreateProduct(ctx context.Context, cmd catalog.CreateProductCommand) (catalog.Product, error) {
	var p catalog.Product
	err := c.c.Do(ctx, http.MethodPost, "/admin/products", cmd, &p)
	return p, err
}

// GetProduct implements catalog.Service.
func (c *Client) GetProduct(ctx context.Context, idOrHandle string) (catalog.Product, error) {
	var p catalog.Product
	path, err := pathID("/admin/products/", idOrHandle)
	if err != nil {
		return p, err
	}
	err = c.c.Do(ctx, http.MethodGet, path, nil, &p)
	return p, err
}

// UpdateProduct implements catalog.Service.
func (c *Client) UpdateProduct(ctx context.Context, cmd catalog.UpdateProductCommand) (catalog.Product, error) {
	var p catalog.Product
	path, err := pathID("/admin/products/", cmd.ID)
	if err != nil {
		return p, err
	}
	err = c.c.Do(ctx, http.MethodPatch, path, cmd, &p)
	return p, err
}

// DeleteProduct implements catalog.Service.
func (c *Client) DeleteProduct(ctx context.Context, id string) error {
	path, err := pathID("/admin/products/", id)
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, path, nil, nil)
}

// ListProducts implements catalog.Service.
func (c *Client) ListProducts(ctx context.Context, q catalog.ListProductsQuery) (catalog.Page[catalog.Product], error) {
	var page catalog.Page[catalog.Product]
	deleted := ""
	if q.Deleted {
		deleted = "true"
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/products"+query("status", string(q.Status), "category", q.Category, "q", q.Query,
		"sku", q.SKU, "deleted", deleted, "limit", limitStr(q.Limit), "cursor", q.Cursor), nil, &page)
	return page, err
}

// StoreProduct implements catalog.Service.
func (c *Client) StoreProduct(ctx context.Context, q catalog.StoreProductQuery) (catalog.StoreProduct, error) {
	var p catalog.StoreProduct
	path, err := pathID("/store/products/", q.IDOrHandle)
	if err != nil {
		return p, err
	}
	err = c.c.Do(ctx, http.MethodGet, path+query("currency", q.Currency, "locale", q.Locale), nil, &p)
	return p, err
}

// StoreProducts implements catalog.Service.
func (c *Client) StoreProducts(ctx context.Context, q catalog.StoreListQuery) (catalog.Page[catalog.StoreProduct], error) {
	var page catalog.Page[catalog.StoreProduct]
	err := c.c.Do(ctx, http.MethodGet, "/store/products"+query("category", q.Category, "currency", q.Currency, "locale", q.Locale,
		"limit", limitStr(q.Limit), "cursor", q.Cursor), nil, &page)
	return page, err
}

// CreateCategory implements catalog.Service.
func (c *Client) CreateCategory(ctx context.Context, cmd catalog.CreateCategoryCommand) (catalog.Category, error) {
	var out catalog.Category
	err := c.c.Do(ctx, http.MethodPost, "/admin/categories", cmd, &out)
	return out, err
}

// GetCategory implements catalog.Service.
func (c *Client) GetCategory(ctx context.Context, idOrHandle string) (catalog.Category, error) {
	var out catalog.Category
	path, err := pathID("/admin/categories/", idOrHandle)
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// UpdateCategory implements catalog.Service.
func (c *Client) UpdateCategory(ctx context.Context, cmd catalog.UpdateCategoryCommand) (catalog.Category, error) {
	var out catalog.Category
	path, err := pathID("/admin/categories/", cmd.ID)
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, http.MethodPatch, path, cmd, &out)
	return out, err
}

// DeleteCategory implements catalog.Service.
func (c *Client) DeleteCategory(ctx context.Context, id string) error {
	path, err := pathID("/admin/categories/", id)
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, path, nil, nil)
}

// ListCategories implements catalog.Service.
func (c *Client) ListCategories(ctx context.Context, q catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error) {
	var page catalog.Page[catalog.Category]
	err := c.c.Do(ctx, http.MethodGet, "/admin/categories"+query("parent_id", q.ParentID, "limit", limitStr(q.Limit), "cursor", q.Cursor), nil, &page)
	return page, err
}

// CategoryTree implements catalog.Service.
func (c *Client) CategoryTree(ctx context.Context, locale string) ([]catalog.CategoryNode, error) {
	var out struct {
		Data []catalog.CategoryNode `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/store/categories"+query("locale", locale), nil, &out)
	return out.Data, err
}

// CreateCollection implements catalog.Service.
func (c *Client) CreateCollection(ctx context.Context, cmd catalog.CreateCollectionCommand) (catalog.Collection, error) {
	var out catalog.Collection
	err := c.c.Do(ctx, http.MethodPost, "/admin/collections", cmd, &out)
	return out, err
}

// GetCollection implements catalog.Service.
func (c *Client) GetCollection(ctx context.Context, idOrHandle string) (catalog.Collection, error) {
	var out catalog.Collection
	path, err := pathID("/admin/collections/", idOrHandle)
	if err != nil {
		return out, err
	}
	err = c.c.Do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// DeleteCollection implements catalog.Service.
func (c *Client) DeleteCollection(ctx context.Context, id string) error {
	path, err := pathID("/admin/collections/", id)
	if err != nil {
		return err
	}
	return c.c.Do(ctx, http.MethodDelete, path, nil, nil)
}

// ListCollections implements catalog.Service.
func (c *Client) ListCollections(ctx context.Context, q catalog.ListCollectionsQuery) (catalog.Page[catalog.Collection], error) {
	var page catalog.Page[catalog.Collection]
	err := c.c.Do(ctx, http.MethodGet, "/admin/collections"+query("limit", limitStr(q.Limit), "cursor", q.Cursor), nil, &page)
	return page, err
}

// ImportProducts implements catalog.Service, 1,000 products per request.
func (c *Client) ImportProducts(ctx context.Context, cmd catalog.ImportProductsCommand) (catalog.ImportResult, error) {
	res := catalog.ImportResult{}
	for start := 0; start < len(cmd.Products); start += 1000 {
		in := map[string]any{"products": cmd.Products[start:min(start+1000, len(cmd.Products))]}
		var out struct {
			Created int      `json:"created"`
			IDs     []string `json:"ids"`
		}
		if err := c.c.Do(ctx, http.MethodPost, "/admin/products/import", in, &out); err != nil {
			return res, err
		}
		res.Created += out.Created
		res.IDs = append(res.IDs, out.IDs...)
	}
	return res, nil
}

var _ catalog.Service = (*Client)(nil)
