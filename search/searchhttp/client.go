package searchhttp

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/search"
)

// Client is a search.Service over HTTP. Admin calls need an admin key in
// the client's headers. Errors come back with the kinds and codes the
// server sent. Searches use the default sales channel.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the search served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

// Search implements search.Service.
func (c *Client) Search(ctx context.Context, q search.Query) (search.Result, error) {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", q.Q)
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	set("cursor", q.Cursor)
	set("sort", q.Sort)
	set("currency", q.Currency)
	set("locale", q.Locale)
	set("facets", strings.Join(q.Facets, ","))
	set("category", q.Filter.Category)
	if q.Filter.PriceMin != nil {
		v.Set("price_min", strconv.FormatInt(*q.Filter.PriceMin, 10))
	}
	if q.Filter.PriceMax != nil {
		v.Set("price_max", strconv.FormatInt(*q.Filter.PriceMax, 10))
	}
	if q.Filter.Available != nil {
		v.Set("available", strconv.FormatBool(*q.Filter.Available))
	}
	names := make([]string, 0, len(q.Filter.Attributes))
	for k := range q.Filter.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, val := range q.Filter.Attributes[k] {
			v.Add(search.AttributePrefix+k, val)
		}
	}
	var res search.Result
	path := "/store/search"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	err := c.c.Do(ctx, http.MethodGet, path, nil, &res)
	return res, err
}

// Suggest implements search.Service.
func (c *Client) Suggest(ctx context.Context, q search.SuggestQuery) (search.Suggestions, error) {
	v := url.Values{}
	v.Set("q", q.Q)
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Locale != "" {
		v.Set("locale", q.Locale)
	}
	var res search.Suggestions
	err := c.c.Do(ctx, http.MethodGet, "/store/search/suggest?"+v.Encode(), nil, &res)
	return res, err
}

func localePath(locale string) (string, error) {
	if locale == "" {
		return "", errs.Validation(errs.Field("locale", "is required"))
	}
	return "/admin/search/settings/" + url.PathEscape(locale), nil
}

// GetSettings implements search.Service.
func (c *Client) GetSettings(ctx context.Context, locale string) (search.Settings, error) {
	var st search.Settings
	p, err := localePath(locale)
	if err != nil {
		return st, err
	}
	err = c.c.Do(ctx, http.MethodGet, p, nil, &st)
	return st, err
}

// PutSettings implements search.Service.
func (c *Client) PutSettings(ctx context.Context, cmd search.PutSettingsCommand) (search.Settings, error) {
	var st search.Settings
	p, err := localePath(cmd.Locale)
	if err != nil {
		return st, err
	}
	if cmd.Synonyms == nil {
		cmd.Synonyms = []search.SynonymSet{}
	}
	if cmd.StopWords == nil {
		cmd.StopWords = []string{}
	}
	err = c.c.Do(ctx, http.MethodPut, p, cmd, &st)
	return st, err
}

// ListRules implements search.Service.
func (c *Client) ListRules(ctx context.Context) ([]search.Rule, error) {
	var out struct {
		Data []search.Rule `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/search/rules", nil, &out)
	return out.Data, err
}

// PutRule implements search.Service.
func (c *Client) PutRule(ctx context.Context, cmd search.PutRuleCommand) (search.Rule, error) {
	var r search.Rule
	err := c.c.Do(ctx, http.MethodPut, "/admin/search/rules", cmd, &r)
	return r, err
}

// DeleteRule implements search.Service.
func (c *Client) DeleteRule(ctx context.Context, id string) error {
	if id == "" {
		return errs.E(errs.NotFound, "not_found", "no such rule")
	}
	return c.c.Do(ctx, http.MethodDelete, "/admin/search/rules/"+url.PathEscape(id), nil, nil)
}

// Reindex implements search.Service.
func (c *Client) Reindex(ctx context.Context) (search.ReindexStatus, error) {
	var st search.ReindexStatus
	err := c.c.Do(ctx, http.MethodPost, "/admin/search/reindex", nil, &st)
	return st, err
}

// ReindexStatus implements search.Service.
func (c *Client) ReindexStatus(ctx context.Context) (search.ReindexStatus, error) {
	var st search.ReindexStatus
	err := c.c.Do(ctx, http.MethodGet, "/admin/search/reindex", nil, &st)
	return st, err
}

var _ search.Service = (*Client)(nil)
