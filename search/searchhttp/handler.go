// Package searchhttp serves search.Service over HTTP (Register) and is a
// search.Service over HTTP (Client). Handlers only decode, call the
// service and encode.
package searchhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/search"
)

// Tags of the search operations.
const (
	adminTag = "Search (admin)"
	storeTag = "Search (store)"
)

var (
	adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
	storeErrors = []int{http.StatusBadRequest}
)

type searchIn struct {
	Q           string `query:"q" maxLength:"200" doc:"Words to find; typo-tolerant (one typo from 5 letters, two from 9), the last word also as a prefix. Empty lists everything the filters keep."`
	Limit       int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor      string `query:"cursor" maxLength:"200" doc:"next_cursor of the previous page"`
	Sort        string `query:"sort" enum:"relevance,price_asc,price_desc,newest,popular" doc:"Order of the results (default relevance)"`
	Currency    string `query:"currency" pattern:"^[A-Z]{3}$" doc:"ISO 4217 currency of prices, price filters and the price facet"`
	Locale      string `query:"locale" maxLength:"35" doc:"Language of q (en, de, fr, es, …); default en"`
	Facets      string `query:"facets" maxLength:"1000" doc:"Comma-separated facets to count over all matches: category, price, available, attributes.<name>"`
	Category    string `query:"category" maxLength:"120" doc:"Category id or handle; includes sub-categories"`
	PriceMin    int64  `query:"price_min" minimum:"0" doc:"Lowest price, minor units of currency"`
	PriceMax    int64  `query:"price_max" minimum:"0" doc:"Highest price (inclusive), minor units of currency"`
	Available   string `query:"available" enum:"true,false," doc:"Only products that can (true) or cannot (false) be bought now"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"200"`

	attrs    map[string][]string
	hasMin   bool
	hasMax   bool
	tooMany  bool
	badAttrs []string
}

// Resolve reads what huma cannot declare: the repeatable
// attributes.<name>=<value> filters, and whether the price bounds were given.
func (in *searchIn) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	q := u.Query()
	_, in.hasMin = q["price_min"]
	_, in.hasMax = q["price_max"]
	n := 0
	for k, vs := range q {
		name, ok := strings.CutPrefix(k, search.AttributePrefix)
		if !ok {
			continue
		}
		if name == "" || len(name) > 100 {
			in.badAttrs = append(in.badAttrs, k)
			continue
		}
		for _, v := range vs {
			n++
			if n > search.MaxFilters {
				return []error{&huma.ErrorDetail{Location: "query.attributes", Message: fmt.Sprintf("at most %d attribute filters", search.MaxFilters)}}
			}
			if len(v) > 200 {
				return []error{&huma.ErrorDetail{Location: "query." + k, Message: "value longer than 200 bytes"}}
			}
			if in.attrs == nil {
				in.attrs = map[string][]string{}
			}
			in.attrs[name] = append(in.attrs[name], v)
		}
	}
	if len(in.badAttrs) > 0 {
		return []error{&huma.ErrorDetail{Location: "query.attributes", Message: "attribute filters are attributes.<name>=<value>"}}
	}
	return nil
}

type searchOut struct {
	Status       int
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	ContentType  string `header:"Content-Type"`
	// ContentLength is set with the pre-encoded Body (no chunked framing).
	ContentLength string `header:"Content-Length"`
	// Body is a search.Result, encoded once (and cached, see searchVersions);
	// the operation documents its schema.
	Body []byte
}

// searchVersions is implemented by a search service that can tell when
// its answers may have changed (searchsvc.Service): whole responses are
// then cached by their query while the version has not moved.
type searchVersions interface {
	SearchVersion() [2]uint64
}

// searchResponsesBytes bounds the memory of cached search responses;
// searchResponsesTTL is their safety net.
const (
	searchResponsesBytes = 16 << 20
	searchResponsesTTL   = 5 * time.Minute
)

type suggestIn struct {
	Q      string `query:"q" maxLength:"200" doc:"What the shopper has typed so far"`
	Limit  int    `query:"limit" minimum:"1" maximum:"10" default:"5"`
	Locale string `query:"locale" maxLength:"35"`
}

type suggestOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         search.Suggestions
}

type localeIn struct {
	Locale string `path:"locale" maxLength:"35" pattern:"^[A-Za-z0-9-]+$" doc:"BCP 47 locale (en, de, fr-CA, …)"`
}

type settingsOut struct {
	Body search.Settings
}

type putSettingsIn struct {
	Locale string `path:"locale" maxLength:"35" pattern:"^[A-Za-z0-9-]+$"`
	Body   search.PutSettingsCommand
}

type rulesOut struct {
	Body struct {
		Data []search.Rule `json:"data"`
	}
}

type putRuleIn struct {
	Body search.PutRuleCommand
}

type ruleOut struct {
	Body search.Rule
}

type ruleIDPath struct {
	ID string `path:"id" maxLength:"120"`
}

type reindexOut struct {
	Body search.ReindexStatus
}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

// Facets splits the facets parameter.
func Facets(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Register adds the search operations to api.
func Register(api huma.API, svc search.Service) {
	doc := api.OpenAPI()
	doc.Tags = append(doc.Tags,
		&huma.Tag{Name: storeTag, Description: "Product search and autocomplete, for shoppers (no key needed)."},
		&huma.Tag{Name: adminTag, Description: "Search settings (synonyms, stop words), merchandising rules and index rebuilds (secret API key)."})

	versions, _ := svc.(searchVersions)
	var responses *httpx.ResponseCache[[2]uint64]
	if versions != nil {
		responses = httpx.NewResponseCache[[2]uint64](searchResponsesBytes, searchResponsesTTL)
	}
	searchOp := huma.Operation{
		OperationID: "storeSearch", Method: http.MethodGet, Path: "/store/search", Tags: []string{storeTag},
		Summary: "Search published products",
		Description: "Full-text search over the published products of the sales channel (the default one, or the channel of the X-Publishable-Key), with typo tolerance, prefix matching on the last word, " +
			"stemming (en, de, fr, es), synonyms and merchandising rules. Filters: category (with sub-categories), price_min/price_max " +
			"(minor units of currency), available, and any number of `attributes.<name>=<value>` parameters (values of one attribute are " +
			"alternatives; different filters must all hold). `facets` asks for counts over all matches; a facet's counts ignore that facet's own filter " +
			"(disjunctive faceting: with attributes.color=red the other colors keep their counts), every other filter applies. Prices are the " +
			"channel's: the lowest active price-list price of a variant for buyers without a customer group, else its catalog list price. An empty result may carry " +
			"`did_you_mean`. Cacheable: ETag and Cache-Control.",
		Errors: storeErrors, Responses: map[string]*huma.Response{"304": {Description: "Not modified (the ETag matches)"}},
	}
	httpx.DocumentJSONBody[search.Result](api, &searchOp)
	huma.Register(api, searchOp, func(ctx context.Context, in *searchIn) (*searchOut, error) {
		q := search.Query{Q: in.Q, Limit: in.Limit, Cursor: in.Cursor, Sort: in.Sort, Currency: in.Currency, Locale: in.Locale, Facets: Facets(in.Facets), Channel: httpx.SalesChannel(ctx)}
		q.Filter.Category, q.Filter.Attributes = in.Category, in.attrs
		if in.hasMin {
			v := in.PriceMin
			q.Filter.PriceMin = &v
		}
		if in.hasMax {
			v := in.PriceMax
			q.Filter.PriceMax = &v
		}
		if in.Available != "" {
			v := in.Available == "true"
			q.Filter.Available = &v
		}
		out := &searchOut{Status: http.StatusOK, CacheControl: httpx.StoreCacheControl, ContentType: "application/json"}
		var key string
		var v [2]uint64
		if responses != nil {
			k, err := json.Marshal(q) // every field of the query, maps in key order
			if err != nil {
				return nil, err
			}
			key, v = string(k), versions.SearchVersion()
			if r, ok := responses.Get(key, v); ok {
				out.ETag, out.Body = r.ETag, r.Body
			}
		}
		if out.Body == nil {
			res, err := svc.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if err := api.Marshal(&buf, "application/json", res); err != nil {
				return nil, err
			}
			out.Body = buf.Bytes()
			out.ETag = httpx.ETagOf(out.Body)
			if responses != nil {
				responses.Set(key, v, httpx.CachedResponse{ETag: out.ETag, Body: out.Body})
			}
		}
		if httpx.NotModified(in.IfNoneMatch, out.ETag) {
			out.Status, out.Body = http.StatusNotModified, nil
		}
		out.ContentLength = httpx.ContentLength(out.Body)
		return out, nil
	})
	// Content-Type is set by the handler for its pre-encoded body; OpenAPI
	// describes it through the media type, not as a header.
	if pi := api.OpenAPI().Paths["/store/search"]; pi != nil && pi.Get != nil {
		delete(pi.Get.Responses["200"].Headers, "Content-Type")
		delete(pi.Get.Responses["200"].Headers, "Content-Length")
	}
	huma.Register(api, huma.Operation{
		OperationID: "storeSearchSuggest", Method: http.MethodGet, Path: "/store/search/suggest", Tags: []string{storeTag},
		Summary:     "Autocomplete a search",
		Description: "Completes what a shopper is typing, from the first letter: the most frequent words that start with the last word typed, and products of the sales channel whose titles match.",
		Errors:      storeErrors,
	}, func(ctx context.Context, in *suggestIn) (*suggestOut, error) {
		res, err := svc.Suggest(ctx, search.SuggestQuery{Q: in.Q, Limit: in.Limit, Locale: in.Locale, Channel: httpx.SalesChannel(ctx)})
		if err != nil {
			return nil, err
		}
		return &suggestOut{CacheControl: httpx.StoreCacheControl, Body: res}, nil
	})

	huma.Register(api, admin(SearchRead, "getSearchSettings", http.MethodGet, "/admin/search/settings/{locale}", "Read the search settings of a locale", "Reads the synonyms and stop words of a locale (empty lists when none were set).", http.StatusOK),
		func(ctx context.Context, in *localeIn) (*settingsOut, error) {
			st, err := svc.GetSettings(ctx, in.Locale)
			if err != nil {
				return nil, err
			}
			return &settingsOut{Body: st}, nil
		})
	huma.Register(api, admin(SearchWrite, "putSearchSettings", http.MethodPut, "/admin/search/settings/{locale}", "Replace the search settings of a locale", "Replaces the synonyms and stop words of a locale; queries use them at once.", http.StatusOK),
		func(ctx context.Context, in *putSettingsIn) (*settingsOut, error) {
			in.Body.Locale = in.Locale
			st, err := svc.PutSettings(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &settingsOut{Body: st}, nil
		})
	huma.Register(api, admin(SearchRead, "listSearchRules", http.MethodGet, "/admin/search/rules", "List merchandising rules", "Lists every merchandising rule (pins and boosts per query).", http.StatusOK),
		func(ctx context.Context, in *struct{}) (*rulesOut, error) {
			rules, err := svc.ListRules(ctx)
			if err != nil {
				return nil, err
			}
			out := &rulesOut{}
			out.Body.Data = rules
			return out, nil
		})
	huma.Register(api, admin(SearchWrite, "putSearchRule", http.MethodPut, "/admin/search/rules", "Create or replace the rule of a query", "Creates the merchandising rule of a query, or replaces the one it has (queries are compared without case, accents or punctuation). Pinned products come first in their order; boosted ones rank above the other matches.", http.StatusOK),
		func(ctx context.Context, in *putRuleIn) (*ruleOut, error) {
			r, err := svc.PutRule(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &ruleOut{Body: r}, nil
		})
	huma.Register(api, admin(SearchWrite, "deleteSearchRule", http.MethodDelete, "/admin/search/rules/{id}", "Delete a merchandising rule", "Deletes a merchandising rule.", http.StatusNoContent),
		func(ctx context.Context, in *ruleIDPath) (*struct{}, error) {
			return nil, svc.DeleteRule(ctx, in.ID)
		})
	huma.Register(api, admin(SearchWrite, "startSearchReindex", http.MethodPost, "/admin/search/reindex", "Rebuild the search index", "Starts rebuilding the search index from the catalog in the background; the current index keeps serving until the new one replaces it. A rebuild already running is 409 reindex_running.", http.StatusAccepted),
		func(ctx context.Context, in *struct{}) (*reindexOut, error) {
			st, err := svc.Reindex(ctx)
			if err != nil {
				return nil, err
			}
			return &reindexOut{Body: st}, nil
		})
	huma.Register(api, admin(SearchRead, "getSearchReindex", http.MethodGet, "/admin/search/reindex", "Progress of the index rebuild", "Says whether a rebuild runs, how many products it has read, and how many the index holds.", http.StatusOK),
		func(ctx context.Context, in *struct{}) (*reindexOut, error) {
			st, err := svc.ReindexStatus(ctx)
			if err != nil {
				return nil, err
			}
			return &reindexOut{Body: st}, nil
		})
}
