package catalogtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
)

// Option adapts TestService to what an implementation can express.
type Option func(*options)

type options struct {
	defaultChannelOnly bool
}

// DefaultChannelOnly tells TestService that the implementation serves the
// store in the default sales channel only, whatever the query's Channel
// (the HTTP client: the channel is chosen by the publishable key of the
// request). Visibility in other channels is then not tested.
func DefaultChannelOnly() Option { return func(o *options) { o.defaultChannelOnly = true } }

type env struct {
	t   *testing.T
	svc catalog.Service
	ctx context.Context
	u   string // unique suffix of this subtest
	opt options
}

// TestService is the contract suite of catalog.Service. It runs every rule
// of the contract as a subtest against a service made by newService, which
// is called once per subtest and must return a service over an empty
// catalog (the subtests count and list what they created). Every subtest
// also uses titles, handles and SKUs of its own. It observes the service
// only through the interface, so it runs unchanged against the service on
// SQLite and PostgreSQL and through the HTTP client.
func TestService(t *testing.T, newService func(t *testing.T) catalog.Service, opts ...Option) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	tests := []struct {
		name string
		fn   func(e *env)
	}{
		{"CreateDefaults", testCreateDefaults},
		{"CreateAPIExample", testCreateAPIExample},
		{"HandleCollision", testHandleCollision},
		{"SKUCollision", testSKUCollision},
		{"CreateValidation", testCreateValidation},
		{"Get", testGet},
		{"UpdatePartial", testUpdatePartial},
		{"UpdateExpectedVersion", testUpdateExpectedVersion},
		{"UpdateVariants", testUpdateVariants},
		{"UpdateInvalid", testUpdateInvalid},
		{"SoftDelete", testSoftDelete},
		{"ListStatus", testListStatus},
		{"ListCategory", testListCategory},
		{"ListPagination", testListPagination},
		{"ListQuerySKUDeleted", testListQuerySKUDeleted},
		{"StoreVisibility", testStoreVisibility},
		{"StorePrices", testStorePrices},
		{"StoreTranslations", testStoreTranslations},
		{"StoreChannels", testStoreChannels},
		{"StoreList", testStoreList},
		{"CategoryTree", testCategoryTree},
		{"CategoryRules", testCategoryRules},
		{"CategoryDelete", testCategoryDelete},
		{"ListCategories", testListCategories},
		{"Collections", testCollections},
		{"Import", testImport},
		{"ImportInvalid", testImportInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(&env{t: t, svc: newService(t), ctx: t.Context(), u: Unique(), opt: o})
		})
	}
}

// countProducts counts the products that are not deleted.
func (e *env) countProducts() int {
	e.t.Helper()
	return len(e.listAll(catalog.ListProductsQuery{}))
}

// listAll follows the cursor through every page of q.
func (e *env) listAll(q catalog.ListProductsQuery) []catalog.Product {
	e.t.Helper()
	var all []catalog.Product
	q.Limit = catalog.MaxListLimit
	for range 10_000 {
		page, err := e.svc.ListProducts(e.ctx, q)
		if err != nil {
			e.t.Fatalf("ListProducts(%+v): %s", q, errstest.Describe(err))
		}
		all = append(all, page.Data...)
		if page.NextCursor == nil {
			return all
		}
		q.Cursor = *page.NextCursor
	}
	e.t.Fatal("ListProducts never ends")
	return nil
}

func ids[T any](list []T, idOf func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = idOf(v)
	}
	return out
}

func productIDs(ps []catalog.Product) []string {
	return ids(ps, func(p catalog.Product) string { return p.ID })
}

func storeIDs(ps []catalog.StoreProduct) []string {
	return ids(ps, func(p catalog.StoreProduct) string { return p.ID })
}

func (e *env) create(cmd catalog.CreateProductCommand) catalog.Product {
	e.t.Helper()
	return MustCreateProduct(e.t, e.svc, cmd)
}

func usd(amount int64) money.Money { return money.Money{Amount: amount, Currency: "USD"} }
func eur(amount int64) money.Money { return money.Money{Amount: amount, Currency: "EUR"} }

func testCreateDefaults(e *env) {
	t := e.t
	title := "  Oak Side Table " + e.u + " "
	before := e.countProducts()
	p := e.create(catalog.CreateProductCommand{Title: title})
	if !id.Valid("prod", p.ID) {
		t.Errorf("ID = %q, want a prod_ id", p.ID)
	}
	if want := "oak-side-table-" + e.u; p.Handle != want {
		t.Errorf("Handle = %q, want %q", p.Handle, want)
	}
	if want := strings.TrimSpace(title); p.Title != want {
		t.Errorf("Title = %q, want %q (trimmed)", p.Title, want)
	}
	if p.Status != catalog.Draft {
		t.Errorf("Status = %q, want draft", p.Status)
	}
	if p.Version != 1 {
		t.Errorf("Version = %d, want 1", p.Version)
	}
	if p.CreatedAt.IsZero() || !p.UpdatedAt.Equal(p.CreatedAt) {
		t.Errorf("CreatedAt %v, UpdatedAt %v: want both set and equal", p.CreatedAt, p.UpdatedAt)
	}
	if p.DeletedAt != nil {
		t.Errorf("DeletedAt = %v, want nil", p.DeletedAt)
	}
	if len(p.CategoryIDs) != 0 || len(p.CollectionIDs) != 0 || len(p.Options) != 0 || len(p.Media) != 0 || len(p.Channels) != 0 {
		t.Errorf("new product has categories, collections, options, media or channels: %+v", p)
	}
	if len(p.Variants) != 1 {
		t.Fatalf("got %d variants, want the one default variant", len(p.Variants))
	}
	v := p.Variants[0]
	if !id.Valid("var", v.ID) || v.Title != "Default" || v.SKU != "" || !v.ManageInventory || len(v.Prices) != 0 || len(v.Options) != 0 {
		t.Errorf("default variant = %+v, want var_ id, title Default, no SKU, managed inventory, no prices or options", v)
	}
	if n := e.countProducts(); n != before+1 {
		t.Errorf("product count %d after create, want %d", n, before+1)
	}
	// What was returned is what is stored.
	sameJSON(t, "GetProduct after CreateProduct", MustGetProduct(t, e.svc, p.ID), p)

	// A title without a letter or digit still gets a valid handle.
	q := e.create(catalog.CreateProductCommand{Title: "★★★"})
	if q.Handle == "" || strings.ContainsAny(q.Handle, " ★") {
		t.Errorf("handle of a title without letters = %q, want a valid handle", q.Handle)
	}
}

// apiExample is the product body of API.md.
const apiExample = `{
  "title": "Walnut dining table",
  "handle": "walnut-dining-table",
  "description": "Solid walnut, seats six.",
  "status": "published",
  "category_ids": [],
  "attributes": {"material": "walnut", "seats": "6"},
  "options": [{"name": "Size", "values": ["180 cm", "220 cm"]}],
  "variants": [
    {"sku": "WDT-180", "title": "180 cm", "options": {"Size": "180 cm"},
     "prices": [{"amount": 129900, "currency": "USD"}, {"amount": 119900, "currency": "EUR"}],
     "manage_inventory": true}
  ]
}`

// APIExample returns the product body of API.md as a command, with suffix
// appended to its handle and SKU (so that many tests can create it).
func APIExample(tb testing.TB, suffix string) catalog.CreateProductCommand {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(apiExample))
	dec.DisallowUnknownFields()
	var cmd catalog.CreateProductCommand
	if err := dec.Decode(&cmd); err != nil {
		tb.Fatalf("the API.md example does not decode: %v", err)
	}
	if suffix != "" {
		cmd.Handle += "-" + suffix
		cmd.Variants[0].SKU += "-" + strings.ToUpper(suffix)
	}
	return cmd
}

// APIExampleJSON is the product body of API.md, verbatim.
func APIExampleJSON() string { return apiExample }

func testCreateAPIExample(e *env) {
	t := e.t
	cmd := APIExample(t, e.u)
	p := e.create(cmd)
	if p.Handle != cmd.Handle || p.Title != "Walnut dining table" || p.Description != "Solid walnut, seats six." || p.Status != catalog.Published {
		t.Errorf("product = %q %q %q %q, want the example's handle, title, description and status", p.Handle, p.Title, p.Description, p.Status)
	}
	if p.Attributes["material"] != "walnut" || p.Attributes["seats"] != "6" || len(p.Attributes) != 2 {
		t.Errorf("Attributes = %v", p.Attributes)
	}
	sameJSON(t, "Options", p.Options, []catalog.Option{{Name: "Size", Values: []string{"180 cm", "220 cm"}}})
	if len(p.Variants) != 1 {
		t.Fatalf("got %d variants, want 1", len(p.Variants))
	}
	v := p.Variants[0]
	if !id.Valid("var", v.ID) || v.SKU != cmd.Variants[0].SKU || v.Title != "180 cm" || v.Options["Size"] != "180 cm" || !v.ManageInventory {
		t.Errorf("variant = %+v", v)
	}
	if price, ok := v.Price("USD"); !ok || price.Amount != 129900 {
		t.Errorf("USD price = %v %v, want 129900", price, ok)
	}
	if price, ok := v.Price("EUR"); !ok || price.Amount != 119900 {
		t.Errorf("EUR price = %v %v, want 119900", price, ok)
	}
	sameJSON(t, "stored product", MustGetProduct(t, e.svc, cmd.Handle), p)
	// It is published: the store shows it.
	sp, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: cmd.Handle, Currency: "EUR"})
	if err != nil {
		t.Fatalf("StoreProduct: %s", errstest.Describe(err))
	}
	if sp.ID != p.ID || sp.Variants[0].Price == nil || *sp.Variants[0].Price != eur(119900) {
		t.Errorf("store product = %+v", sp)
	}
}

func testHandleCollision(e *env) {
	t := e.t
	h := "table-" + e.u
	first := e.create(catalog.CreateProductCommand{Title: "Table " + e.u, Handle: h})
	// An explicit handle that is taken is a conflict.
	_, err := e.svc.CreateProduct(e.ctx, catalog.CreateProductCommand{Title: "Other " + e.u, Handle: h})
	errstest.Want(t, err, errs.Conflict, "handle_taken")
	// A handle derived from the title is made unique instead.
	second := e.create(catalog.CreateProductCommand{Title: "Table " + e.u})
	third := e.create(catalog.CreateProductCommand{Title: "table  " + strings.ToUpper(e.u)})
	seen := map[string]bool{first.Handle: true}
	for _, p := range []catalog.Product{second, third} {
		if seen[p.Handle] || !strings.HasPrefix(p.Handle, h+"-") {
			t.Errorf("derived handle %q: want a new handle that starts with %q", p.Handle, h+"-")
		}
		seen[p.Handle] = true
		if got := MustGetProduct(t, e.svc, p.Handle); got.ID != p.ID {
			t.Errorf("GetProduct(%q) = %s, want %s", p.Handle, got.ID, p.ID)
		}
	}
	if n := e.countProducts(); n != 3 {
		t.Errorf("%d products, want 3 (the conflict created nothing)", n)
	}
	// A long title in letters of several bytes still gives valid handles
	// when a suffix has to be made room for.
	long := "x" + strings.Repeat("д", slug.MaxLen) // 119 bytes of handle
	a := e.create(catalog.CreateProductCommand{Title: long})
	b := e.create(catalog.CreateProductCommand{Title: long})
	for _, p := range []catalog.Product{a, b} {
		if !slug.Valid(p.Handle) || !utf8.ValidString(p.Handle) {
			t.Errorf("handle %q of a long title is not valid", p.Handle)
		}
		if got, err := e.svc.GetProduct(e.ctx, p.Handle); err != nil || got.ID != p.ID {
			t.Errorf("GetProduct(%q) = %s, %s; want %s", p.Handle, got.ID, errstest.Describe(err), p.ID)
		}
	}
	if a.Handle == b.Handle {
		t.Errorf("two products got the handle %q", a.Handle)
	}
	// An explicit handle must be a valid handle.
	_, err = e.svc.CreateProduct(e.ctx, catalog.CreateProductCommand{Title: "Bad " + e.u, Handle: "Not A Handle"})
	errstest.WantInvalid(t, err, "handle")
	// Another product cannot take a handle by update either.
	_, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: second.ID, Handle: &h})
	errstest.Want(t, err, errs.Conflict, "handle_taken")
	if got := MustGetProduct(t, e.svc, second.ID); got.Handle != second.Handle || got.Version != 1 {
		t.Errorf("after the failed update: handle %q version %d, want %q and 1", got.Handle, got.Version, second.Handle)
	}
}

func testSKUCollision(e *env) {
	t := e.t
	sku := "SKU-" + strings.ToUpper(e.u)
	a := e.create(catalog.CreateProductCommand{Title: "A " + e.u, Variants: []catalog.VariantInput{{SKU: sku}}})
	_, err := e.svc.CreateProduct(e.ctx, catalog.CreateProductCommand{Title: "B " + e.u, Variants: []catalog.VariantInput{{SKU: "OTHER-" + e.u}, {SKU: sku}}})
	errstest.Want(t, err, errs.Conflict, "sku_taken")
	if n := e.countProducts(); n != 1 {
		t.Errorf("%d products, want 1 (the conflict created nothing)", n)
	}
	// The other SKU of the failed product was not kept either.
	e.create(catalog.CreateProductCommand{Title: "C " + e.u, Variants: []catalog.VariantInput{{SKU: "OTHER-" + e.u}}})
	// Two variants of one product cannot share a SKU.
	_, err = e.svc.CreateProduct(e.ctx, catalog.CreateProductCommand{
		Title:    "D " + e.u,
		Options:  []catalog.Option{{Name: "Size", Values: []string{"S", "M"}}},
		Variants: []catalog.VariantInput{{SKU: "D-" + e.u, Options: map[string]string{"Size": "S"}}, {SKU: "D-" + e.u, Options: map[string]string{"Size": "M"}}},
	})
	errstest.WantInvalid(t, err, "variants[1].sku")
	// Variants without SKUs never collide.
	e.create(catalog.CreateProductCommand{Title: "E " + e.u})
	e.create(catalog.CreateProductCommand{Title: "F " + e.u})
	// A deleted product frees its SKUs.
	if err := e.svc.DeleteProduct(e.ctx, a.ID); err != nil {
		t.Fatalf("DeleteProduct: %s", errstest.Describe(err))
	}
	g := e.create(catalog.CreateProductCommand{Title: "G " + e.u, Variants: []catalog.VariantInput{{SKU: sku}}})
	if g.Variants[0].SKU != sku {
		t.Errorf("SKU = %q, want %q", g.Variants[0].SKU, sku)
	}
}

func testCreateValidation(e *env) {
	u := e.u
	opts := []catalog.Option{{Name: "Size", Values: []string{"S", "M"}}}
	manyVariants := make([]catalog.VariantInput, catalog.MaxVariants+1)
	tests := []struct {
		name   string
		cmd    catalog.CreateProductCommand
		fields []string
	}{
		{"empty title", catalog.CreateProductCommand{Title: ""}, []string{"title"}},
		{"bad currency", catalog.CreateProductCommand{Title: "T " + u, Variants: []catalog.VariantInput{{Prices: []money.Money{{Amount: 100, Currency: "usd"}}}}}, []string{"variants[0].prices[0]"}},
		{"unknown currency", catalog.CreateProductCommand{Title: "T " + u, Variants: []catalog.VariantInput{{Prices: []money.Money{usd(1), {Amount: 100, Currency: "ABC"}}}}}, []string{"variants[0].prices[1]"}},
		{"negative price", catalog.CreateProductCommand{Title: "T " + u, Variants: []catalog.VariantInput{{Prices: []money.Money{usd(-1)}}}}, []string{"variants[0].prices[0]"}},
		{"repeated currency", catalog.CreateProductCommand{Title: "T " + u, Variants: []catalog.VariantInput{{Prices: []money.Money{usd(1), usd(2)}}}}, []string{"variants[0].prices[1]"}},
		{"variant options not the product's", catalog.CreateProductCommand{Title: "T " + u, Options: opts, Variants: []catalog.VariantInput{{Options: map[string]string{"Color": "Red"}}}}, []string{"variants[0].options"}},
		{"variant option value unknown", catalog.CreateProductCommand{Title: "T " + u, Options: opts, Variants: []catalog.VariantInput{{Options: map[string]string{"Size": "XXL"}}}}, []string{"variants[0].options"}},
		{"options without variants", catalog.CreateProductCommand{Title: "T " + u, Options: opts}, []string{"variants"}},
		{"repeated variant options", catalog.CreateProductCommand{Title: "T " + u, Options: opts, Variants: []catalog.VariantInput{{Options: map[string]string{"Size": "S"}}, {Options: map[string]string{"Size": "S"}}}}, []string{"variants[1].options"}},
		{"duplicate option values", catalog.CreateProductCommand{Title: "T " + u, Options: []catalog.Option{{Name: "Size", Values: []string{"S", "S"}}}, Variants: []catalog.VariantInput{{Options: map[string]string{"Size": "S"}}}}, []string{"options[0].values"}},
		{"bad media URL", catalog.CreateProductCommand{Title: "T " + u, Media: []catalog.Media{{URL: "https://cdn.example.com/a.jpg"}, {URL: "javascript:alert(1)"}}}, []string{"media[1].url"}},
		{"unknown category", catalog.CreateProductCommand{Title: "T " + u, CategoryIDs: []string{id.New("cat")}}, []string{"category_ids"}},
		{"malformed category id", catalog.CreateProductCommand{Title: "T " + u, CategoryIDs: []string{"furniture"}}, []string{"category_ids"}},
		{"unknown collection", catalog.CreateProductCommand{Title: "T " + u, CollectionIDs: []string{id.New("col")}}, []string{"collection_ids"}},
		{"too many variants", catalog.CreateProductCommand{Title: "T " + u, Variants: manyVariants}, []string{"variants"}},
		{"bad status", catalog.CreateProductCommand{Title: "T " + u, Status: "live"}, []string{"status"}},
		{"bad channel", catalog.CreateProductCommand{Title: "T " + u, Channels: []string{"Web Shop"}}, []string{"channels"}},
		{"bad locale", catalog.CreateProductCommand{Title: "T " + u, Translations: map[string]catalog.Translation{"not a locale!": {Title: "x"}}}, []string{"translations"}},
		{"control characters", catalog.CreateProductCommand{Title: "T\x00" + u}, []string{"title"}},
		{"title too long", catalog.CreateProductCommand{Title: strings.Repeat("x", catalog.MaxTitle+1)}, []string{"title"}},
		{"several at once", catalog.CreateProductCommand{Title: "   ", Media: []catalog.Media{{URL: "ftp://x"}}}, []string{"title", "media[0].url"}},
	}
	for _, tt := range tests {
		e.t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			before := e.countProducts()
			_, err := e.svc.CreateProduct(e.ctx, tt.cmd)
			errstest.WantInvalid(t, err, tt.fields...)
			if n := e.countProducts(); n != before {
				t.Errorf("%d products after a failed create, want %d", n, before)
			}
		})
	}
}

func testGet(e *env) {
	t := e.t
	p := e.create(catalog.CreateProductCommand{Title: "Lamp " + e.u, Status: catalog.Archived})
	for _, key := range []string{p.ID, p.Handle} {
		got, err := e.svc.GetProduct(e.ctx, key)
		if err != nil {
			t.Fatalf("GetProduct(%q): %s", key, errstest.Describe(err))
		}
		sameJSON(t, "GetProduct("+key+")", got, p)
	}
	for _, key := range []string{"", id.New("prod"), "no-such-handle-" + e.u, "prod_nonsense", "Bad Handle"} {
		_, err := e.svc.GetProduct(e.ctx, key)
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
}

func testUpdatePartial(e *env) {
	t := e.t
	p := e.create(catalog.CreateProductCommand{
		Title: "Chair " + e.u, Description: "Old", Attributes: map[string]string{"material": "oak"},
		Variants: []catalog.VariantInput{{SKU: "CH-" + e.u, Prices: []money.Money{usd(5000)}}},
	})
	desc := "New description"
	got, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Description: &desc})
	if err != nil {
		t.Fatalf("UpdateProduct: %s", errstest.Describe(err))
	}
	if got.Description != desc || got.Title != p.Title || got.Handle != p.Handle || got.Status != p.Status || got.Attributes["material"] != "oak" {
		t.Errorf("after updating the description: %+v", got)
	}
	if got.Version != 2 {
		t.Errorf("Version = %d, want 2", got.Version)
	}
	if got.UpdatedAt.Before(p.UpdatedAt) || !got.CreatedAt.Equal(p.CreatedAt) {
		t.Errorf("times: created %v → %v, updated %v → %v", p.CreatedAt, got.CreatedAt, p.UpdatedAt, got.UpdatedAt)
	}
	sameJSON(t, "variants kept", got.Variants, p.Variants)
	sameJSON(t, "stored", MustGetProduct(t, e.svc, p.ID), got)

	// Several fields at once, by the new handle afterwards.
	title, handle, status := "Armchair "+e.u, "armchair-"+e.u, catalog.Published
	attrs := map[string]string{"material": "walnut", "color": "brown"}
	got, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Title: &title, Handle: &handle, Status: &status, Attributes: &attrs})
	if err != nil {
		t.Fatalf("UpdateProduct: %s", errstest.Describe(err))
	}
	if got.Title != title || got.Handle != handle || got.Status != status || got.Description != desc || len(got.Attributes) != 2 || got.Version != 3 {
		t.Errorf("after the second update: %+v", got)
	}
	if g := MustGetProduct(t, e.svc, handle); g.ID != p.ID {
		t.Errorf("GetProduct(new handle) = %s", g.ID)
	}
	// The old handle is free.
	_, err = e.svc.GetProduct(e.ctx, p.Handle)
	errstest.Want(t, err, errs.NotFound, "not_found")
	e.create(catalog.CreateProductCommand{Title: "x", Handle: p.Handle})
}

func testUpdateExpectedVersion(e *env) {
	t := e.t
	p := e.create(catalog.CreateProductCommand{Title: "Desk " + e.u})
	d1, d2 := "first", "second"
	got, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, ExpectedVersion: 1, Description: &d1})
	if err != nil || got.Version != 2 {
		t.Fatalf("update at the expected version: version %d, %s", got.Version, errstest.Describe(err))
	}
	// A second writer that read version 1 loses.
	_, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, ExpectedVersion: 1, Description: &d2})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	_, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, ExpectedVersion: 3, Description: &d2})
	errstest.Want(t, err, errs.Conflict, "version_conflict")
	if g := MustGetProduct(t, e.svc, p.ID); g.Description != d1 || g.Version != 2 {
		t.Errorf("after the conflicts: %q version %d, want %q version 2", g.Description, g.Version, d1)
	}
	got, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, ExpectedVersion: 2, Description: &d2})
	if err != nil || got.Version != 3 || got.Description != d2 {
		t.Errorf("update at version 2: %+v, %s", got, errstest.Describe(err))
	}
}

func testUpdateVariants(e *env) {
	t := e.t
	size := []catalog.Option{{Name: "Size", Values: []string{"S", "M"}}}
	p := e.create(catalog.CreateProductCommand{
		Title: "Shirt " + e.u, Options: size,
		Variants: []catalog.VariantInput{
			{SKU: "SH-S-" + e.u, Options: map[string]string{"Size": "S"}, Prices: []money.Money{usd(1000)}},
			{SKU: "SH-M-" + e.u, Options: map[string]string{"Size": "M"}, Prices: []money.Money{usd(1100)}},
		},
	})
	if len(p.Variants) != 2 || p.Variants[0].Title != "S" || p.Variants[1].Title != "M" {
		t.Fatalf("variants = %+v, want S and M (titles from the options)", p.Variants)
	}
	vs, vm := p.Variants[0], p.Variants[1]

	// Add a value, keep S (changed), drop M, add L.
	newOpts := []catalog.Option{{Name: "Size", Values: []string{"S", "M", "L"}}}
	newVariants := []catalog.VariantInput{
		{ID: vs.ID, SKU: "SH-S2-" + e.u, Options: map[string]string{"Size": "S"}, Prices: []money.Money{usd(900)}},
		{SKU: "SH-L-" + e.u, Options: map[string]string{"Size": "L"}, Prices: []money.Money{usd(1200)}},
	}
	got, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Options: &newOpts, Variants: &newVariants})
	if err != nil {
		t.Fatalf("UpdateProduct: %s", errstest.Describe(err))
	}
	if len(got.Variants) != 2 {
		t.Fatalf("variants = %+v, want 2", got.Variants)
	}
	if k := got.Variants[0]; k.ID != vs.ID || k.SKU != "SH-S2-"+e.u || len(k.Prices) != 1 || k.Prices[0] != usd(900) {
		t.Errorf("kept variant = %+v, want id %s with the new SKU and price", got.Variants[0], vs.ID)
	}
	if l := got.Variants[1]; !id.Valid("var", l.ID) || l.ID == vs.ID || l.ID == vm.ID || l.Options["Size"] != "L" {
		t.Errorf("new variant = %+v, want a new var_ id", l)
	}
	if got.Version != 2 {
		t.Errorf("Version = %d, want 2", got.Version)
	}
	sameJSON(t, "stored", MustGetProduct(t, e.svc, p.ID), got)
	// The removed variant's SKU and the old SKU of the kept one are free.
	e.create(catalog.CreateProductCommand{Title: "Other " + e.u, Variants: []catalog.VariantInput{{SKU: "SH-M-" + e.u}, {SKU: "SH-S-" + e.u}}})

	// Changing only the options re-checks the variants kept.
	fewer := []catalog.Option{{Name: "Size", Values: []string{"S"}}}
	_, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Options: &fewer})
	errstest.WantInvalid(t, err, "variants[1].options")

	// A variant id of another product, or an unknown one, is refused.
	other := e.create(catalog.CreateProductCommand{Title: "Third " + e.u})
	bad := []catalog.VariantInput{{ID: other.Variants[0].ID, Options: map[string]string{"Size": "S"}}}
	_, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Variants: &bad})
	errstest.WantInvalid(t, err, "variants[0].id")

	// A SKU of another product is a conflict.
	taken := []catalog.VariantInput{{ID: vs.ID, SKU: "SH-M-" + e.u, Options: map[string]string{"Size": "S"}}}
	_, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Variants: &taken})
	errstest.Want(t, err, errs.Conflict, "sku_taken")
	sameJSON(t, "after the failed updates", MustGetProduct(t, e.svc, p.ID), got)

	// Dropping the options needs variants without options.
	none := []catalog.Option{}
	plain := []catalog.VariantInput{{ID: vs.ID, SKU: "SH-S2-" + e.u}}
	got, err = e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Options: &none, Variants: &plain})
	if err != nil {
		t.Fatalf("UpdateProduct: %s", errstest.Describe(err))
	}
	if len(got.Options) != 0 || len(got.Variants) != 1 || got.Variants[0].ID != vs.ID {
		t.Errorf("after dropping the options: options %+v variants %+v", got.Options, got.Variants)
	}
}

func testUpdateInvalid(e *env) {
	t := e.t
	p := e.create(catalog.CreateProductCommand{Title: "Sofa " + e.u})
	empty, badStatus := "", catalog.Status("gone")
	badMedia := []catalog.Media{{URL: "javascript:alert(1)"}}
	unknownCat := []string{id.New("cat")}
	tests := []struct {
		name  string
		cmd   catalog.UpdateProductCommand
		field string
	}{
		{"empty title", catalog.UpdateProductCommand{Title: &empty}, "title"},
		{"bad status", catalog.UpdateProductCommand{Status: &badStatus}, "status"},
		{"bad media", catalog.UpdateProductCommand{Media: &badMedia}, "media[0].url"},
		{"unknown category", catalog.UpdateProductCommand{CategoryIDs: &unknownCat}, "category_ids"},
		{"bad handle", catalog.UpdateProductCommand{Handle: ptr("No Good")}, "handle"},
	}
	for _, tt := range tests {
		tt.cmd.ID = p.ID
		_, err := e.svc.UpdateProduct(e.ctx, tt.cmd)
		errstest.WantInvalid(t, err, tt.field)
	}
	sameJSON(t, "after the failed updates", MustGetProduct(t, e.svc, p.ID), p)

	for _, pid := range []string{id.New("prod"), "", "nonsense"} {
		_, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: pid, Title: ptr("x")})
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
}

func testSoftDelete(e *env) {
	t := e.t
	h := "stool-" + e.u
	p := e.create(catalog.CreateProductCommand{Title: "Stool " + e.u, Handle: h, Status: catalog.Published})
	if err := e.svc.DeleteProduct(e.ctx, p.ID); err != nil {
		t.Fatalf("DeleteProduct: %s", errstest.Describe(err))
	}
	for _, key := range []string{p.ID, h} {
		_, err := e.svc.GetProduct(e.ctx, key)
		errstest.Want(t, err, errs.NotFound, "not_found")
		_, err = e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: key})
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
	if slices.Contains(productIDs(e.listAll(catalog.ListProductsQuery{})), p.ID) {
		t.Error("a deleted product is still listed")
	}
	deleted := e.listAll(catalog.ListProductsQuery{Deleted: true})
	if i := slices.Index(productIDs(deleted), p.ID); i < 0 {
		t.Error("the deleted product is not in the list of deleted products")
	} else if d := deleted[i]; d.DeletedAt == nil || d.Version != 2 {
		t.Errorf("deleted product: deleted_at %v version %d, want set and 2", d.DeletedAt, d.Version)
	}
	// Deleting again, or updating, is NotFound.
	errstest.Want(t, e.svc.DeleteProduct(e.ctx, p.ID), errs.NotFound, "not_found")
	_, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: p.ID, Title: ptr("back")})
	errstest.Want(t, err, errs.NotFound, "not_found")
	errstest.Want(t, e.svc.DeleteProduct(e.ctx, id.New("prod")), errs.NotFound, "not_found")
	// The handle is free again.
	q := e.create(catalog.CreateProductCommand{Title: "New stool " + e.u, Handle: h})
	if got := MustGetProduct(t, e.svc, h); got.ID != q.ID {
		t.Errorf("GetProduct(%q) = %s, want the new product %s", h, got.ID, q.ID)
	}
}

func testListStatus(e *env) {
	t := e.t
	byStatus := map[catalog.Status][]string{}
	for i, st := range []catalog.Status{catalog.Draft, catalog.Published, catalog.Archived, catalog.Published, catalog.Draft} {
		p := e.create(catalog.CreateProductCommand{Title: fmt.Sprintf("P%d %s", i, e.u), Status: st})
		byStatus[st] = append(byStatus[st], p.ID)
	}
	for st, want := range byStatus {
		got := productIDs(e.listAll(catalog.ListProductsQuery{Status: st}))
		slices.Reverse(want) // newest first
		if !slices.Equal(got, want) {
			t.Errorf("status %s: got %v, want %v", st, got, want)
		}
		slices.Reverse(want)
	}
	if n := e.countProducts(); n != 5 {
		t.Errorf("%d products without a filter, want 5", n)
	}
	_, err := e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Status: "bogus"})
	errstest.WantInvalid(t, err, "status")
}

func testListCategory(e *env) {
	t := e.t
	root := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Furniture " + e.u})
	child := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Tables " + e.u, ParentID: root.ID})
	grand := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Dining tables " + e.u, ParentID: child.ID})
	other := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Garden " + e.u})

	inRoot := e.create(catalog.CreateProductCommand{Title: "Cabinet " + e.u, CategoryIDs: []string{root.ID}})
	inGrand := e.create(catalog.CreateProductCommand{Title: "Table " + e.u, CategoryIDs: []string{grand.ID}})
	inBoth := e.create(catalog.CreateProductCommand{Title: "Bench " + e.u, CategoryIDs: []string{other.ID, child.ID}})
	e.create(catalog.CreateProductCommand{Title: "Loose " + e.u})

	tests := []struct {
		category string
		want     []string
	}{
		{root.ID, []string{inBoth.ID, inGrand.ID, inRoot.ID}},
		{root.Handle, []string{inBoth.ID, inGrand.ID, inRoot.ID}},
		{child.ID, []string{inBoth.ID, inGrand.ID}},
		{grand.Handle, []string{inGrand.ID}},
		{other.ID, []string{inBoth.ID}},
	}
	for _, tt := range tests {
		got := productIDs(e.listAll(catalog.ListProductsQuery{Category: tt.category}))
		if !slices.Equal(got, tt.want) {
			t.Errorf("category %s: got %v, want %v", tt.category, got, tt.want)
		}
	}
	// Page through a category too.
	page, err := e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Category: root.ID, Limit: 2})
	if err != nil || len(page.Data) != 2 || page.NextCursor == nil {
		t.Fatalf("first page of 2: %v, %s", productIDs(page.Data), errstest.Describe(err))
	}
	page, err = e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Category: root.ID, Limit: 2, Cursor: *page.NextCursor})
	if err != nil || !slices.Equal(productIDs(page.Data), []string{inRoot.ID}) || page.NextCursor != nil {
		t.Errorf("second page: %v next %v, %s", productIDs(page.Data), page.NextCursor, errstest.Describe(err))
	}
	_, err = e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Category: "no-such-category-" + e.u})
	errstest.WantInvalid(t, err, "category")

	// The listings follow the tree and the products: a sub-tree moved to
	// another parent takes its products along, a product moved to another
	// category leaves the old one's ancestors.
	if _, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: child.ID, ParentID: &other.ID}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	cats := []string{root.ID, child.ID, grand.ID, other.ID}
	listings := func() map[string][]string {
		out := map[string][]string{}
		for _, c := range cats {
			out[c] = productIDs(e.listAll(catalog.ListProductsQuery{Category: c}))
		}
		return out
	}
	want := map[string][]string{root.ID: {inRoot.ID}, child.ID: {inBoth.ID, inGrand.ID}, grand.ID: {inGrand.ID}, other.ID: {inBoth.ID, inGrand.ID}}
	if got := listings(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("after moving %s under %s: %v, want %v", child.ID, other.ID, got, want)
	}
	if _, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: inGrand.ID, CategoryIDs: &[]string{root.ID}}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	want = map[string][]string{root.ID: {inGrand.ID, inRoot.ID}, child.ID: {inBoth.ID}, grand.ID: {}, other.ID: {inBoth.ID}}
	if got := listings(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("after moving %s to %s: %v, want %v", inGrand.ID, root.ID, got, want)
	}
	if _, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: other.ID, ParentID: &root.ID}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	want = map[string][]string{root.ID: {inBoth.ID, inGrand.ID, inRoot.ID}, child.ID: {inBoth.ID}, grand.ID: {}, other.ID: {inBoth.ID}}
	if got := listings(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("after moving %s under %s: %v, want %v", other.ID, root.ID, got, want)
	}
}

func testListPagination(e *env) {
	t := e.t
	const n = 25
	var created []string
	for i := range n {
		p := e.create(catalog.CreateProductCommand{Title: fmt.Sprintf("Item %02d %s", i, e.u)})
		created = append(created, p.ID)
	}
	slices.Reverse(created) // newest first
	var got []string
	var pages []int
	cursor := ""
	for range n {
		page, err := e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Limit: 10, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListProducts: %s", errstest.Describe(err))
		}
		pages = append(pages, len(page.Data))
		got = append(got, productIDs(page.Data)...)
		if page.NextCursor == nil {
			break
		}
		if *page.NextCursor == "" || *page.NextCursor == cursor {
			t.Fatalf("next cursor %q after cursor %q", *page.NextCursor, cursor)
		}
		cursor = *page.NextCursor
	}
	if !slices.Equal(pages, []int{10, 10, 5}) {
		t.Errorf("page sizes %v, want [10 10 5]", pages)
	}
	if !slices.Equal(got, created) {
		t.Errorf("pages visited\n %v\nwant every product once, newest first\n %v", got, created)
	}
	// A page that ends exactly at the last product has no next cursor, or
	// an empty page after it.
	page, err := e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Limit: n})
	if err != nil || len(page.Data) != n {
		t.Fatalf("one page of %d: %d, %s", n, len(page.Data), errstest.Describe(err))
	}
	if page.NextCursor != nil {
		rest, err := e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Limit: n, Cursor: *page.NextCursor})
		if err != nil || len(rest.Data) != 0 || rest.NextCursor != nil {
			t.Errorf("after the last page: %d products, next %v, %s", len(rest.Data), rest.NextCursor, errstest.Describe(err))
		}
	}
	// Limits: zero is the default, too large is capped.
	page, err = e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{})
	if err != nil || len(page.Data) != catalog.DefaultLimit {
		t.Errorf("default limit: %d products, %s; want %d", len(page.Data), errstest.Describe(err), catalog.DefaultLimit)
	}
	_, err = e.svc.ListProducts(e.ctx, catalog.ListProductsQuery{Cursor: "not a cursor!"})
	errstest.WantInvalid(t, err, "cursor")
}

func testListQuerySKUDeleted(e *env) {
	t := e.t
	a := e.create(catalog.CreateProductCommand{Title: "Blue Vase " + e.u, Variants: []catalog.VariantInput{{SKU: "VASE-" + e.u}}})
	b := e.create(catalog.CreateProductCommand{Title: "blue 100% cotton_towel " + e.u})
	c := e.create(catalog.CreateProductCommand{Title: "Red Vase " + e.u})
	tests := []struct {
		q    catalog.ListProductsQuery
		want []string
	}{
		{catalog.ListProductsQuery{Query: "BLUE"}, []string{b.ID, a.ID}},
		{catalog.ListProductsQuery{Query: "vase " + e.u}, []string{c.ID, a.ID}},
		{catalog.ListProductsQuery{Query: "100%"}, []string{b.ID}},
		{catalog.ListProductsQuery{Query: "e_v"}, nil}, // _ and % are no wildcards
		{catalog.ListProductsQuery{Query: "e%v"}, nil},
		{catalog.ListProductsQuery{Query: "nothing like it"}, nil},
		{catalog.ListProductsQuery{SKU: "VASE-" + e.u}, []string{a.ID}},
		{catalog.ListProductsQuery{SKU: "VASE"}, nil},
		{catalog.ListProductsQuery{Deleted: true}, nil},
	}
	for _, tt := range tests {
		if got := productIDs(e.listAll(tt.q)); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.q, got, tt.want)
		}
	}
	if err := e.svc.DeleteProduct(e.ctx, c.ID); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if got := productIDs(e.listAll(catalog.ListProductsQuery{Deleted: true})); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("deleted: %v, want [%s]", got, c.ID)
	}
	if got := productIDs(e.listAll(catalog.ListProductsQuery{Query: "vase"})); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("query after the delete: %v, want [%s]", got, a.ID)
	}
}

func testStoreVisibility(e *env) {
	t := e.t
	draft := e.create(catalog.CreateProductCommand{Title: "Draft " + e.u})
	archived := e.create(catalog.CreateProductCommand{Title: "Archived " + e.u, Status: catalog.Archived})
	deleted := e.create(catalog.CreateProductCommand{Title: "Deleted " + e.u, Status: catalog.Published})
	live := e.create(catalog.CreateProductCommand{Title: "Live " + e.u, Status: catalog.Published})
	if err := e.svc.DeleteProduct(e.ctx, deleted.ID); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	for _, p := range []catalog.Product{draft, archived, deleted} {
		for _, key := range []string{p.ID, p.Handle} {
			_, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: key})
			errstest.Want(t, err, errs.NotFound, "not_found")
		}
	}
	for _, key := range []string{live.ID, live.Handle} {
		sp, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: key})
		if err != nil || sp.ID != live.ID || sp.Title != live.Title || sp.Version != 1 {
			t.Errorf("StoreProduct(%s) = %+v, %s", key, sp, errstest.Describe(err))
		}
	}
	for _, key := range []string{"", id.New("prod"), "no-such-" + e.u} {
		_, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: key})
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
	page, err := e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Limit: 100})
	if err != nil || !slices.Equal(storeIDs(page.Data), []string{live.ID}) {
		t.Errorf("StoreProducts = %v, %s; want only %s", storeIDs(page.Data), errstest.Describe(err), live.ID)
	}
	// Publishing a draft shows it; archiving hides it again.
	pub, arch := catalog.Published, catalog.Archived
	if _, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: draft.ID, Status: &pub}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if _, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: draft.Handle}); err != nil {
		t.Errorf("published draft: %s", errstest.Describe(err))
	}
	if _, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: draft.ID, Status: &arch}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	_, err = e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: draft.Handle})
	errstest.Want(t, err, errs.NotFound, "not_found")
}

func testStorePrices(e *env) {
	t := e.t
	opts := []catalog.Option{{Name: "Size", Values: []string{"S", "M", "L"}}}
	p := e.create(catalog.CreateProductCommand{
		Title: "Hoodie " + e.u, Status: catalog.Published, Options: opts,
		Variants: []catalog.VariantInput{
			{SKU: "H-S-" + e.u, Options: map[string]string{"Size": "S"}, Prices: []money.Money{usd(4000), eur(3700)}},
			{SKU: "H-M-" + e.u, Options: map[string]string{"Size": "M"}, Prices: []money.Money{usd(4200)}},
			{SKU: "H-L-" + e.u, Options: map[string]string{"Size": "L"}},
		},
	})
	type want struct {
		prices    []*money.Money
		available []bool
		any       bool
	}
	m := func(v money.Money) *money.Money { return &v }
	tests := []struct {
		currency string
		want     want
	}{
		{"USD", want{[]*money.Money{m(usd(4000)), m(usd(4200)), nil}, []bool{true, true, false}, true}},
		{"EUR", want{[]*money.Money{m(eur(3700)), nil, nil}, []bool{true, false, false}, true}},
		{"JPY", want{[]*money.Money{nil, nil, nil}, []bool{false, false, false}, false}},
		{"", want{[]*money.Money{nil, nil, nil}, []bool{false, false, false}, false}},
	}
	for _, tt := range tests {
		sp, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.Handle, Currency: tt.currency})
		if err != nil {
			t.Fatalf("StoreProduct(%s): %s", tt.currency, errstest.Describe(err))
		}
		if len(sp.Variants) != 3 {
			t.Fatalf("%d variants, want 3", len(sp.Variants))
		}
		for i, v := range sp.Variants {
			if v.ID != p.Variants[i].ID || v.SKU != p.Variants[i].SKU || v.Options["Size"] != p.Variants[i].Options["Size"] {
				t.Errorf("%s: variant %d = %+v, want %+v", tt.currency, i, v, p.Variants[i])
			}
			if (v.Price == nil) != (tt.want.prices[i] == nil) || (v.Price != nil && *v.Price != *tt.want.prices[i]) {
				t.Errorf("%s: variant %d price %v, want %v", tt.currency, i, v.Price, tt.want.prices[i])
			}
			if v.Available != tt.want.available[i] {
				t.Errorf("%s: variant %d available %v, want %v", tt.currency, i, v.Available, tt.want.available[i])
			}
		}
		if sp.Available != tt.want.any {
			t.Errorf("%s: product available %v, want %v", tt.currency, sp.Available, tt.want.any)
		}
		page, err := e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Currency: tt.currency})
		if err != nil || len(page.Data) != 1 {
			t.Fatalf("StoreProducts(%s): %d products, %s", tt.currency, len(page.Data), errstest.Describe(err))
		}
		sameJSON(t, "StoreProducts("+tt.currency+")", page.Data[0], sp)
	}
	// A price answer is JSON null, not missing, when there is none.
	sp, _ := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Currency: "EUR"})
	if b, _ := json.Marshal(sp.Variants[1]); !strings.Contains(string(b), `"price":null`) {
		t.Errorf("variant without a EUR price encodes as %s, want \"price\":null", b)
	}
	for _, bad := range []string{"usd", "EURO", "XYZ"} {
		_, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Currency: bad})
		errstest.WantInvalid(t, err, "currency")
		_, err = e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Currency: bad})
		errstest.WantInvalid(t, err, "currency")
	}
}

func testStoreTranslations(e *env) {
	t := e.t
	p := e.create(catalog.CreateProductCommand{
		Title: "Table " + e.u, Description: "Solid oak.", Status: catalog.Published,
		Translations: map[string]catalog.Translation{
			"de":    {Title: "Tisch " + e.u, Description: "Massive Eiche."},
			"fr-CA": {Title: "Table québécoise " + e.u},
		},
	})
	tests := []struct {
		locale, title, description string
	}{
		{"", p.Title, "Solid oak."},
		{"de", "Tisch " + e.u, "Massive Eiche."},
		{"de-CH", "Tisch " + e.u, "Massive Eiche."}, // falls back to the base language
		{"de-ch", "Tisch " + e.u, "Massive Eiche."}, // tags are case-insensitive
		{"fr-CA", "Table québécoise " + e.u, "Solid oak."},
		{"fr", p.Title, "Solid oak."}, // no fr: the product's own text
		{"it-IT", p.Title, "Solid oak."},
	}
	for _, tt := range tests {
		sp, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Locale: tt.locale})
		if err != nil {
			t.Fatalf("StoreProduct(%q): %s", tt.locale, errstest.Describe(err))
		}
		if sp.Title != tt.title || sp.Description != tt.description {
			t.Errorf("locale %q: %q / %q, want %q / %q", tt.locale, sp.Title, sp.Description, tt.title, tt.description)
		}
		page, err := e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Locale: tt.locale})
		if err != nil || len(page.Data) != 1 || page.Data[0].Title != tt.title {
			t.Errorf("StoreProducts(locale %q): %+v, %s", tt.locale, page.Data, errstest.Describe(err))
		}
	}
	// The admin read keeps every translation, with normalized tags.
	got := MustGetProduct(t, e.svc, p.ID)
	if len(got.Translations) != 2 || got.Translations["fr-CA"].Title == "" || got.Translations["de"].Description != "Massive Eiche." {
		t.Errorf("Translations = %+v", got.Translations)
	}
	_, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Locale: "not a locale!"})
	errstest.WantInvalid(t, err, "locale")
}

func testStoreChannels(e *env) {
	t := e.t
	webOnly := e.create(catalog.CreateProductCommand{Title: "Web only " + e.u, Status: catalog.Published, Channels: []string{"web"}})
	both := e.create(catalog.CreateProductCommand{Title: "Both " + e.u, Status: catalog.Published, Channels: []string{"web", catalog.DefaultChannel}})
	everywhere := e.create(catalog.CreateProductCommand{Title: "Everywhere " + e.u, Status: catalog.Published})
	if !slices.Equal(webOnly.Channels, []string{"web"}) || !slices.Equal(both.Channels, []string{catalog.DefaultChannel, "web"}) {
		t.Errorf("channels %v and %v", webOnly.Channels, both.Channels)
	}

	// The default channel (Channel "") does not show a product that is
	// only in another channel.
	_, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: webOnly.Handle})
	errstest.Want(t, err, errs.NotFound, "not_found")
	for _, p := range []catalog.Product{both, everywhere} {
		if _, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.Handle}); err != nil {
			t.Errorf("StoreProduct(%s) in the default channel: %s", p.Handle, errstest.Describe(err))
		}
	}
	page, err := e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{})
	if want := []string{everywhere.ID, both.ID}; err != nil || !slices.Equal(storeIDs(page.Data), want) {
		t.Errorf("default channel lists %v, %s; want %v", storeIDs(page.Data), errstest.Describe(err), want)
	}
	// Moving the product into the default channel shows it.
	chs := []string{"web", catalog.DefaultChannel}
	if _, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: webOnly.ID, Channels: &chs}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if _, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: webOnly.Handle}); err != nil {
		t.Errorf("after adding the default channel: %s", errstest.Describe(err))
	}
	if e.opt.defaultChannelOnly {
		return
	}
	// Other channels (in-process implementations only).
	only := []string{"web"}
	if _, err := e.svc.UpdateProduct(e.ctx, catalog.UpdateProductCommand{ID: webOnly.ID, Channels: &only}); err != nil {
		t.Fatal(errstest.Describe(err))
	}
	for _, p := range []catalog.Product{webOnly, both, everywhere} {
		if _, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Channel: "web"}); err != nil {
			t.Errorf("StoreProduct(%s) in channel web: %s", p.Handle, errstest.Describe(err))
		}
	}
	page, err = e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Channel: "web"})
	if want := []string{everywhere.ID, both.ID, webOnly.ID}; err != nil || !slices.Equal(storeIDs(page.Data), want) {
		t.Errorf("channel web lists %v, %s; want %v", storeIDs(page.Data), errstest.Describe(err), want)
	}
	for _, p := range []catalog.Product{webOnly, both} {
		_, err := e.svc.StoreProduct(e.ctx, catalog.StoreProductQuery{IDOrHandle: p.ID, Channel: "pos"})
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
	page, err = e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Channel: "pos"})
	if want := []string{everywhere.ID}; err != nil || !slices.Equal(storeIDs(page.Data), want) {
		t.Errorf("channel pos lists %v, %s; want %v", storeIDs(page.Data), errstest.Describe(err), want)
	}
	// A channel name is matched whole, not as a part of another.
	page, err = e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Channel: "we"})
	if want := []string{everywhere.ID}; err != nil || !slices.Equal(storeIDs(page.Data), want) {
		t.Errorf("channel we lists %v, %s; want %v", storeIDs(page.Data), errstest.Describe(err), want)
	}
}

func testStoreList(e *env) {
	t := e.t
	root := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Kitchen " + e.u})
	sub := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Knives " + e.u, ParentID: root.ID})
	var inSub []string
	for i := range 7 {
		p := e.create(catalog.CreateProductCommand{Title: fmt.Sprintf("Knife %d %s", i, e.u), Status: catalog.Published, CategoryIDs: []string{sub.ID}})
		inSub = append(inSub, p.ID)
	}
	e.create(catalog.CreateProductCommand{Title: "Draft knife " + e.u, CategoryIDs: []string{sub.ID}})
	loose := e.create(catalog.CreateProductCommand{Title: "Loose " + e.u, Status: catalog.Published})
	slices.Reverse(inSub)

	var got []string
	cursor := ""
	for range 10 {
		page, err := e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Category: root.Handle, Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatalf("StoreProducts: %s", errstest.Describe(err))
		}
		if len(page.Data) > 3 {
			t.Fatalf("page of %d products, limit 3", len(page.Data))
		}
		got = append(got, storeIDs(page.Data)...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if !slices.Equal(got, inSub) {
		t.Errorf("store pages of the category visited %v, want %v", got, inSub)
	}
	page, err := e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Limit: 100})
	if want := append([]string{loose.ID}, inSub...); err != nil || !slices.Equal(storeIDs(page.Data), want) {
		t.Errorf("every published product: %v, %s; want %v", storeIDs(page.Data), errstest.Describe(err), want)
	}
	_, err = e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Category: "no-such-" + e.u})
	errstest.WantInvalid(t, err, "category")
	_, err = e.svc.StoreProducts(e.ctx, catalog.StoreListQuery{Cursor: "garbage!"})
	errstest.WantInvalid(t, err, "cursor")
}

// findNode returns the node with id in the forest, or nil.
func findNode(nodes []catalog.CategoryNode, id string) *catalog.CategoryNode {
	for i := range nodes {
		if nodes[i].ID == id {
			return &nodes[i]
		}
		if n := findNode(nodes[i].Children, id); n != nil {
			return n
		}
	}
	return nil
}

func testCategoryTree(e *env) {
	t := e.t
	root := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{
		Name: "Furniture " + e.u, Handle: "furniture-" + e.u, Description: "All of it",
		Translations: map[string]catalog.Translation{"de": {Title: "Möbel " + e.u}},
	})
	if !id.Valid("cat", root.ID) || root.Handle != "furniture-"+e.u || root.ParentID != "" || root.Version != 1 || root.CreatedAt.IsZero() {
		t.Errorf("root = %+v", root)
	}
	second := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Chairs " + e.u, ParentID: root.ID, Position: 2})
	first := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Tables " + e.u, ParentID: root.ID, Position: 1})
	grand := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Dining tables " + e.u, ParentID: first.ID})
	if first.Handle != "tables-"+e.u || first.ParentID != root.ID {
		t.Errorf("child = %+v", first)
	}
	for _, key := range []string{root.ID, root.Handle} {
		got, err := e.svc.GetCategory(e.ctx, key)
		if err != nil {
			t.Fatalf("GetCategory(%q): %s", key, errstest.Describe(err))
		}
		sameJSON(t, "GetCategory("+key+")", got, root)
	}
	for _, key := range []string{"", id.New("cat"), "no-such-" + e.u} {
		_, err := e.svc.GetCategory(e.ctx, key)
		errstest.Want(t, err, errs.NotFound, "not_found")
	}

	tree, err := e.svc.CategoryTree(e.ctx, "")
	if err != nil {
		t.Fatalf("CategoryTree: %s", errstest.Describe(err))
	}
	r := findNode(tree, root.ID)
	if r == nil || !slices.ContainsFunc(tree, func(n catalog.CategoryNode) bool { return n.ID == root.ID }) {
		t.Fatalf("the root %s is not a root of the tree %+v", root.ID, tree)
	}
	if r.Name != root.Name || r.Handle != root.Handle {
		t.Errorf("root node = %+v", r)
	}
	kids := ids(r.Children, func(n catalog.CategoryNode) string { return n.ID })
	if !slices.Equal(kids, []string{first.ID, second.ID}) {
		t.Errorf("children of the root %v, want %v (by position)", kids, []string{first.ID, second.ID})
	}
	if len(r.Children) == 2 {
		g := r.Children[0].Children
		if len(g) != 1 || g[0].ID != grand.ID || g[0].Name != grand.Name || len(g[0].Children) != 0 {
			t.Errorf("grandchildren = %+v, want [%s]", g, grand.ID)
		}
	}
	for _, loc := range []string{"de", "de-AT"} {
		tree, err := e.svc.CategoryTree(e.ctx, loc)
		if err != nil {
			t.Fatalf("CategoryTree(%s): %s", loc, errstest.Describe(err))
		}
		if r := findNode(tree, root.ID); r == nil || r.Name != "Möbel "+e.u {
			t.Errorf("CategoryTree(%s) root = %+v, want the German name", loc, r)
		}
		if g := findNode(tree, grand.ID); g == nil || g.Name != grand.Name {
			t.Errorf("CategoryTree(%s) untranslated node = %+v, want its own name", loc, g)
		}
	}
	_, err = e.svc.CategoryTree(e.ctx, "not a locale!")
	errstest.WantInvalid(t, err, "locale")
}

func testCategoryRules(e *env) {
	t := e.t
	root := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Root " + e.u})
	child := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Child " + e.u, ParentID: root.ID})
	grand := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Grand " + e.u, ParentID: child.ID})
	other := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Other " + e.u})

	// A category cannot move under itself or one of its descendants.
	for _, parent := range []string{root.ID, child.ID, grand.ID} {
		_, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: root.ID, ParentID: &parent})
		errstest.WantInvalid(t, err, "parent_id")
	}
	_, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: child.ID, ParentID: &grand.ID})
	errstest.WantInvalid(t, err, "parent_id")
	// Unknown or malformed parents are invalid.
	for _, parent := range []string{id.New("cat"), "nonsense"} {
		_, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: child.ID, ParentID: &parent})
		errstest.WantInvalid(t, err, "parent_id")
		_, err = e.svc.CreateCategory(e.ctx, catalog.CreateCategoryCommand{Name: "Orphan " + e.u, ParentID: parent})
		errstest.WantInvalid(t, err, "parent_id")
	}
	// A real move, and back to a root.
	moved, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: grand.ID, ParentID: &other.ID})
	if err != nil || moved.ParentID != other.ID || moved.Version != 2 || moved.Name != grand.Name {
		t.Errorf("move: %+v, %s", moved, errstest.Describe(err))
	}
	empty := ""
	moved, err = e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: grand.ID, ParentID: &empty})
	if err != nil || moved.ParentID != "" || moved.Version != 3 {
		t.Errorf("move to the roots: %+v, %s", moved, errstest.Describe(err))
	}
	name := "Renamed " + e.u
	renamed, err := e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: child.ID, Name: &name})
	if err != nil || renamed.Name != name || renamed.ParentID != root.ID || renamed.Handle != child.Handle {
		t.Errorf("rename: %+v, %s", renamed, errstest.Describe(err))
	}
	got, err := e.svc.GetCategory(e.ctx, child.ID)
	if err != nil {
		t.Fatal(errstest.Describe(err))
	}
	sameJSON(t, "stored category", got, renamed)

	// Validation and handles.
	_, err = e.svc.CreateCategory(e.ctx, catalog.CreateCategoryCommand{Name: ""})
	errstest.WantInvalid(t, err, "name")
	_, err = e.svc.CreateCategory(e.ctx, catalog.CreateCategoryCommand{Name: "Copy " + e.u, Handle: root.Handle})
	errstest.Want(t, err, errs.Conflict, "handle_taken")
	_, err = e.svc.CreateCategory(e.ctx, catalog.CreateCategoryCommand{Name: "Bad " + e.u, Handle: "Bad Handle"})
	errstest.WantInvalid(t, err, "handle")
	_, err = e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: other.ID, Handle: &root.Handle})
	errstest.Want(t, err, errs.Conflict, "handle_taken")
	_, err = e.svc.UpdateCategory(e.ctx, catalog.UpdateCategoryCommand{ID: id.New("cat"), Name: &name})
	errstest.Want(t, err, errs.NotFound, "not_found")
}

func testCategoryDelete(e *env) {
	t := e.t
	root := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Root " + e.u})
	leaf := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Leaf " + e.u, ParentID: root.ID})
	keep := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Keep " + e.u})
	p := e.create(catalog.CreateProductCommand{Title: "Linked " + e.u, CategoryIDs: []string{leaf.ID, keep.ID}})
	q := e.create(catalog.CreateProductCommand{Title: "Unlinked " + e.u, CategoryIDs: []string{keep.ID}})

	err := e.svc.DeleteCategory(e.ctx, root.ID)
	errstest.Want(t, err, errs.Conflict, "category_has_children")
	if _, err := e.svc.GetCategory(e.ctx, root.ID); err != nil {
		t.Errorf("the refused delete removed the root: %s", errstest.Describe(err))
	}

	if err := e.svc.DeleteCategory(e.ctx, leaf.ID); err != nil {
		t.Fatalf("DeleteCategory(leaf): %s", errstest.Describe(err))
	}
	_, err = e.svc.GetCategory(e.ctx, leaf.ID)
	errstest.Want(t, err, errs.NotFound, "not_found")
	got := MustGetProduct(t, e.svc, p.ID)
	if !slices.Equal(got.CategoryIDs, []string{keep.ID}) || got.Version != 2 {
		t.Errorf("linked product after the delete: categories %v version %d, want [%s] and 2", got.CategoryIDs, got.Version, keep.ID)
	}
	if got := MustGetProduct(t, e.svc, q.ID); got.Version != 1 {
		t.Errorf("unlinked product changed: version %d", got.Version)
	}
	if got := productIDs(e.listAll(catalog.ListProductsQuery{Category: keep.ID})); !slices.Equal(got, []string{q.ID, p.ID}) {
		t.Errorf("products of the kept category: %v", got)
	}
	if got := productIDs(e.listAll(catalog.ListProductsQuery{Category: root.ID})); len(got) != 0 {
		t.Errorf("products under the root after its only sub-category went: %v", got)
	}
	// Now the root has no children and can go; its handle is free again.
	if err := e.svc.DeleteCategory(e.ctx, root.ID); err != nil {
		t.Fatalf("DeleteCategory(root): %s", errstest.Describe(err))
	}
	errstest.Want(t, e.svc.DeleteCategory(e.ctx, root.ID), errs.NotFound, "not_found")
	errstest.Want(t, e.svc.DeleteCategory(e.ctx, id.New("cat")), errs.NotFound, "not_found")
	MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Again " + e.u, Handle: root.Handle})
	tree, err := e.svc.CategoryTree(e.ctx, "")
	if err != nil {
		t.Fatal(errstest.Describe(err))
	}
	if findNode(tree, leaf.ID) != nil || findNode(tree, root.ID) != nil {
		t.Error("deleted categories are still in the tree")
	}
	// A product cannot be linked to the deleted category.
	_, err = e.svc.CreateProduct(e.ctx, catalog.CreateProductCommand{Title: "Late " + e.u, CategoryIDs: []string{leaf.ID}})
	errstest.WantInvalid(t, err, "category_ids")
}

func testListCategories(e *env) {
	t := e.t
	root := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Root " + e.u})
	var children []string
	for i := range 5 {
		c := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: fmt.Sprintf("Child %d %s", i, e.u), ParentID: root.ID})
		children = append(children, c.ID)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, err := e.svc.ListCategories(e.ctx, catalog.ListCategoriesQuery{ParentID: root.ID, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListCategories: %s", errstest.Describe(err))
		}
		got = append(got, ids(page.Data, func(c catalog.Category) string { return c.ID })...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if !slices.Equal(got, children) {
		t.Errorf("children by id: %v, want %v", got, children)
	}
	page, err := e.svc.ListCategories(e.ctx, catalog.ListCategoriesQuery{Limit: 100})
	all := ids(page.Data, func(c catalog.Category) string { return c.ID })
	if err != nil || !slices.Contains(all, root.ID) || !slices.IsSorted(all) || len(all) < 6 {
		t.Errorf("all categories: %v, %s", all, errstest.Describe(err))
	}
	_, err = e.svc.ListCategories(e.ctx, catalog.ListCategoriesQuery{ParentID: "nonsense"})
	errstest.WantInvalid(t, err, "parent_id")
	_, err = e.svc.ListCategories(e.ctx, catalog.ListCategoriesQuery{Cursor: "garbage!"})
	errstest.WantInvalid(t, err, "cursor")
}

func testCollections(e *env) {
	t := e.t
	c := MustCreateCollection(t, e.svc, catalog.CreateCollectionCommand{Title: "Summer Sale " + e.u, Description: "Hot"})
	if !id.Valid("col", c.ID) || c.Handle != "summer-sale-"+e.u || c.Version != 1 || c.Description != "Hot" || c.CreatedAt.IsZero() {
		t.Errorf("collection = %+v", c)
	}
	d := MustCreateCollection(t, e.svc, catalog.CreateCollectionCommand{Title: "Winter " + e.u, Handle: "winter-" + e.u})
	for _, key := range []string{c.ID, c.Handle} {
		got, err := e.svc.GetCollection(e.ctx, key)
		if err != nil {
			t.Fatalf("GetCollection(%q): %s", key, errstest.Describe(err))
		}
		sameJSON(t, "GetCollection("+key+")", got, c)
	}
	page, err := e.svc.ListCollections(e.ctx, catalog.ListCollectionsQuery{Limit: 1})
	if err != nil || len(page.Data) != 1 || page.NextCursor == nil {
		t.Fatalf("first page: %+v, %s", page, errstest.Describe(err))
	}
	listed := []string{page.Data[0].ID}
	page, err = e.svc.ListCollections(e.ctx, catalog.ListCollectionsQuery{Limit: 100, Cursor: *page.NextCursor})
	if err != nil {
		t.Fatal(errstest.Describe(err))
	}
	listed = append(listed, ids(page.Data, func(c catalog.Collection) string { return c.ID })...)
	if !slices.Contains(listed, c.ID) || !slices.Contains(listed, d.ID) || !slices.IsSorted(listed) {
		t.Errorf("listed %v, want both %s and %s, by id", listed, c.ID, d.ID)
	}

	_, err = e.svc.CreateCollection(e.ctx, catalog.CreateCollectionCommand{Title: "Copy " + e.u, Handle: c.Handle})
	errstest.Want(t, err, errs.Conflict, "handle_taken")
	_, err = e.svc.CreateCollection(e.ctx, catalog.CreateCollectionCommand{Title: ""})
	errstest.WantInvalid(t, err, "title")

	p := e.create(catalog.CreateProductCommand{Title: "Sandals " + e.u, CollectionIDs: []string{c.ID, d.ID}})
	if !slices.Equal(p.CollectionIDs, []string{c.ID, d.ID}) {
		t.Errorf("CollectionIDs = %v", p.CollectionIDs)
	}
	if err := e.svc.DeleteCollection(e.ctx, c.ID); err != nil {
		t.Fatalf("DeleteCollection: %s", errstest.Describe(err))
	}
	for _, key := range []string{c.ID, c.Handle} {
		_, err := e.svc.GetCollection(e.ctx, key)
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
	got := MustGetProduct(t, e.svc, p.ID)
	if !slices.Equal(got.CollectionIDs, []string{d.ID}) || got.Version != 2 {
		t.Errorf("product after the delete: collections %v version %d, want [%s] and 2", got.CollectionIDs, got.Version, d.ID)
	}
	errstest.Want(t, e.svc.DeleteCollection(e.ctx, c.ID), errs.NotFound, "not_found")
	errstest.Want(t, e.svc.DeleteCollection(e.ctx, "nonsense"), errs.NotFound, "not_found")
	for _, key := range []string{"", id.New("col")} {
		_, err := e.svc.GetCollection(e.ctx, key)
		errstest.Want(t, err, errs.NotFound, "not_found")
	}
	_, err = e.svc.CreateProduct(e.ctx, catalog.CreateProductCommand{Title: "Late " + e.u, CollectionIDs: []string{c.ID}})
	errstest.WantInvalid(t, err, "collection_ids")
}

func testImport(e *env) {
	t := e.t
	cat := MustCreateCategory(t, e.svc, catalog.CreateCategoryCommand{Name: "Imported " + e.u})
	var cmds []catalog.CreateProductCommand
	for i := range 6 {
		cmds = append(cmds, catalog.CreateProductCommand{
			Title: fmt.Sprintf("Import %d %s", i%4, e.u), Status: catalog.Published, CategoryIDs: []string{cat.ID},
			Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("IMP-%d-%s", i, e.u), Prices: []money.Money{usd(int64(100 + i))}}},
		})
	}
	res, err := e.svc.ImportProducts(e.ctx, catalog.ImportProductsCommand{Products: cmds})
	if err != nil {
		t.Fatalf("ImportProducts: %s", errstest.Describe(err))
	}
	if res.Created != len(cmds) || len(res.IDs) != len(cmds) {
		t.Fatalf("import result %+v, want %d products", res, len(cmds))
	}
	handles := map[string]bool{}
	for i, pid := range res.IDs {
		p := MustGetProduct(t, e.svc, pid)
		if p.Title != cmds[i].Title || p.Variants[0].SKU != cmds[i].Variants[0].SKU || p.Status != catalog.Published {
			t.Errorf("imported product %d = %+v", i, p)
		}
		if handles[p.Handle] {
			t.Errorf("handle %q given twice", p.Handle)
		}
		handles[p.Handle] = true
	}
	if got := e.listAll(catalog.ListProductsQuery{Category: cat.ID}); len(got) != len(cmds) {
		t.Errorf("%d products in the category, want %d", len(got), len(cmds))
	}
	// Importing the same titles again suffixes the derived handles.
	for i := range cmds {
		cmds[i].Variants[0].SKU += "-2"
	}
	res, err = e.svc.ImportProducts(e.ctx, catalog.ImportProductsCommand{Products: cmds})
	if err != nil || res.Created != len(cmds) {
		t.Fatalf("second import: %+v, %s", res, errstest.Describe(err))
	}
	if n := e.countProducts(); n != 2*len(cmds) {
		t.Errorf("%d products, want %d", n, 2*len(cmds))
	}
	for _, pid := range res.IDs {
		p := MustGetProduct(t, e.svc, pid)
		if handles[p.Handle] {
			t.Errorf("handle %q given twice", p.Handle)
		}
		handles[p.Handle] = true
	}
	// Many products of one title in one import all get handles of their own.
	same := make([]catalog.CreateProductCommand, 5)
	for i := range same {
		same[i] = catalog.CreateProductCommand{Title: "Triple " + e.u}
	}
	res, err = e.svc.ImportProducts(e.ctx, catalog.ImportProductsCommand{Products: same})
	if err != nil || res.Created != len(same) {
		t.Fatalf("import of one title %d times: %+v, %s", len(same), res, errstest.Describe(err))
	}
	for _, pid := range res.IDs {
		p := MustGetProduct(t, e.svc, pid)
		if handles[p.Handle] || !strings.HasPrefix(p.Handle, "triple-"+e.u) {
			t.Errorf("handle %q: given twice, or not from the title", p.Handle)
		}
		handles[p.Handle] = true
	}
	res, err = e.svc.ImportProducts(e.ctx, catalog.ImportProductsCommand{})
	if err != nil || res.Created != 0 {
		t.Errorf("empty import: %+v, %s", res, errstest.Describe(err))
	}
}

func testImportInvalid(e *env) {
	t := e.t
	good := func(i int) catalog.CreateProductCommand {
		return catalog.CreateProductCommand{Title: fmt.Sprintf("Good %d %s", i, e.u)}
	}
	tests := []struct {
		name   string
		cmds   []catalog.CreateProductCommand
		fields []string
	}{
		{"empty title", []catalog.CreateProductCommand{good(0), good(1), {Title: ""}, good(3)}, []string{"products[2].title"}},
		{"bad price", []catalog.CreateProductCommand{good(0), {Title: "x", Variants: []catalog.VariantInput{{Prices: []money.Money{usd(-5)}}}}}, []string{"products[1].variants[0].prices[0]"}},
		{"repeated handle", []catalog.CreateProductCommand{{Title: "a", Handle: "same-" + e.u}, {Title: "b", Handle: "same-" + e.u}}, []string{"products[1].handle"}},
		{"unknown category", []catalog.CreateProductCommand{good(0), {Title: "x", CategoryIDs: []string{id.New("cat")}}}, []string{"products[1].category_ids"}},
		{"unknown collection", []catalog.CreateProductCommand{{Title: "x", CollectionIDs: []string{id.New("col")}}, good(1)}, []string{"products[0].collection_ids"}},
	}
	for _, tt := range tests {
		before := e.countProducts()
		_, err := e.svc.ImportProducts(e.ctx, catalog.ImportProductsCommand{Products: tt.cmds})
		errstest.WantInvalid(t, err, tt.fields...)
		if n := e.countProducts(); n != before {
			t.Errorf("%s: %d products after a failed import, want %d", tt.name, n, before)
		}
	}
	// A taken SKU fails the batch as a conflict, and keeps nothing.
	sku := "TAKEN-" + e.u
	e.create(catalog.CreateProductCommand{Title: "Holder " + e.u, Variants: []catalog.VariantInput{{SKU: sku}}})
	_, err := e.svc.ImportProducts(e.ctx, catalog.ImportProductsCommand{Products: []catalog.CreateProductCommand{good(0), {Title: "y", Variants: []catalog.VariantInput{{SKU: sku}}}}})
	errstest.Want(t, err, errs.Conflict, "sku_taken")
	if n := e.countProducts(); n != 1 {
		t.Errorf("%d products after the failed import, want 1", n)
	}
}
