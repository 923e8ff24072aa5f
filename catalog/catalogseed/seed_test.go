package catalogseed

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// newService returns the real catalog service on a new SQLite file, with
// the synchronous setting of -sqlite-sync.
func newService(tb testing.TB) catalog.Service {
	tb.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{Path: filepath.Join(tb.TempDir(), "catalog.db"), Synchronous: *sqliteSync})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	st := catalogsql.New(db, nil)
	if err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return catalogsvc.New(st, catalogsvc.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
}

// allProducts lists every product, oldest first, following the cursors.
func allProducts(t *testing.T, svc catalog.Service) []catalog.Product {
	t.Helper()
	var out []catalog.Product
	cursor := ""
	for {
		page, err := svc.ListProducts(context.Background(), catalog.ListProductsQuery{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Data...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	slices.Reverse(out)
	return out
}

func allCategories(t *testing.T, svc catalog.Service) []catalog.Category {
	t.Helper()
	var out []catalog.Category
	cursor := ""
	for {
		page, err := svc.ListCategories(context.Background(), catalog.ListCategoriesQuery{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Data...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

func TestGenerate(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	var progress strings.Builder
	res, err := Generate(ctx, svc, Options{Products: 300, Seed: 42, Categories: 80, Batch: 70, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if res.Products != 300 || res.Categories != 80 || res.Seed != 42 || res.Duration <= 0 {
		t.Fatalf("result %+v, want 300 products, 80 categories, seed 42", res)
	}
	if !strings.Contains(progress.String(), "300/300") {
		t.Errorf("progress does not show 300/300:\n%q", progress.String())
	}

	// The categories form one forest with valid, unique handles, and
	// products are in its leaves.
	cats := allCategories(t, svc)
	if len(cats) != 80 {
		t.Fatalf("%d categories listed, want 80", len(cats))
	}
	byID := map[string]catalog.Category{}
	handles := map[string]bool{}
	hasChild := map[string]bool{}
	for _, c := range cats {
		byID[c.ID] = c
		if !slug.Valid(c.Handle) || handles[c.Handle] {
			t.Errorf("category %q: handle %q invalid or repeated", c.Name, c.Handle)
		}
		handles[c.Handle] = true
		hasChild[c.ParentID] = true
	}
	for _, c := range cats {
		depth := 0
		for p := c.ParentID; p != ""; p = byID[p].ParentID {
			if _, ok := byID[p]; !ok {
				t.Fatalf("category %q: parent %s does not exist", c.Name, p)
			}
			if depth++; depth > catalog.MaxCategoryTree {
				t.Fatalf("category %q: parent chain is a cycle or too deep", c.Name)
			}
		}
	}
	tree, err := svc.CategoryTree(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var count func([]catalog.CategoryNode) int
	count = func(ns []catalog.CategoryNode) int {
		n := len(ns)
		for _, c := range ns {
			n += count(c.Children)
		}
		return n
	}
	if n := count(tree); n != 80 {
		t.Errorf("category tree has %d nodes, want 80", n)
	}

	// Every product is valid, complete and in a leaf; SKUs are unique.
	ps := allProducts(t, svc)
	if len(ps) != 300 {
		t.Fatalf("ListProducts pages add up to %d products, want 300", len(ps))
	}
	skus := map[string]bool{}
	productHandles := map[string]bool{}
	variants, drafts, translated := 0, 0, 0
	for _, p := range ps {
		if p.Title == "" || len(strings.Fields(p.Title)) < 2 || p.Description == "" || strings.Count(p.Description, ".") < 2 {
			t.Errorf("%s: title %q or description %q too thin", p.ID, p.Title, p.Description)
		}
		if !slug.Valid(p.Handle) || productHandles[p.Handle] {
			t.Errorf("%s: handle %q invalid or repeated", p.ID, p.Handle)
		}
		productHandles[p.Handle] = true
		switch p.Status {
		case catalog.Draft:
			drafts++
		case catalog.Published:
		default:
			t.Errorf("%s: status %q", p.ID, p.Status)
		}
		if len(p.CategoryIDs) != 1 {
			t.Errorf("%s: categories %v, want one", p.ID, p.CategoryIDs)
		} else if _, ok := byID[p.CategoryIDs[0]]; !ok || hasChild[p.CategoryIDs[0]] {
			t.Errorf("%s: category %s is not a leaf of the seeded tree", p.ID, p.CategoryIDs[0])
		}
		if p.Attributes["brand"] == "" || !strings.Contains(p.Title+" "+p.Description, p.Attributes["brand"]) {
			t.Errorf("%s: brand %q missing or not in the texts", p.ID, p.Attributes["brand"])
		}
		if len(p.Options) < 1 || len(p.Options) > 3 {
			t.Errorf("%s: %d options", p.ID, len(p.Options))
		}
		combos := 1
		for _, o := range p.Options {
			combos *= len(o.Values)
		}
		if len(p.Variants) != combos || combos > 12 {
			t.Errorf("%s: %d variants for %d combinations of options", p.ID, len(p.Variants), combos)
		}
		variants += len(p.Variants)
		for _, v := range p.Variants {
			if v.SKU == "" || skus[v.SKU] || !strings.Contains(v.SKU, "-"+res.SKUPrefix+"-") {
				t.Errorf("%s: SKU %q empty, repeated or without the run prefix %s", p.ID, v.SKU, res.SKUPrefix)
			}
			skus[v.SKU] = true
			if len(v.Prices) != len(DefaultCurrencies) {
				t.Errorf("%s: %d prices, want %d", v.SKU, len(v.Prices), len(DefaultCurrencies))
			}
			usd, _ := v.Price("USD")
			jpy, _ := v.Price("JPY")
			eur, _ := v.Price("EUR")
			if usd.Amount <= 0 || usd.Amount%100 != 99 && usd.Amount%1000 != 900 {
				t.Errorf("%s: USD price %v does not look like a list price", v.SKU, usd)
			}
			// 150 yen to the dollar: yen ≈ 1.5 × cents, not 150 × cents.
			if r := float64(jpy.Amount) / float64(usd.Amount); r < 1.2 || r > 1.8 || jpy.Amount%10 != 0 {
				t.Errorf("%s: JPY %v for USD %v", v.SKU, jpy, usd)
			}
			if r := float64(eur.Amount) / float64(usd.Amount); r < 0.8 || r > 1.05 {
				t.Errorf("%s: EUR %v for USD %v", v.SKU, eur, usd)
			}
			for _, pr := range v.Prices {
				if err := money.Validate(pr, false); err != nil {
					t.Errorf("%s: %v", v.SKU, err)
				}
			}
			if v.WeightGrams <= 0 {
				t.Errorf("%s: weight %d", v.SKU, v.WeightGrams)
			}
		}
		if len(p.Media) < 1 || len(p.Media) > 4 {
			t.Errorf("%s: %d images", p.ID, len(p.Media))
		}
		for _, m := range p.Media {
			if !strings.HasPrefix(m.URL, "https://images.example.com/") || m.Alt == "" {
				t.Errorf("%s: image %+v", p.ID, m)
			}
		}
		if len(p.Translations) > 0 {
			translated++
			for _, loc := range []string{"de", "fr"} {
				if tr := p.Translations[loc]; tr.Description == "" || tr.Description == p.Description {
					t.Errorf("%s: %s translation %+v", p.ID, loc, tr)
				}
			}
		}
	}
	if variants != res.Variants {
		t.Errorf("products have %d variants, Result says %d", variants, res.Variants)
	}
	if drafts == 0 || drafts > 45 {
		t.Errorf("%d drafts of 300, want a small fraction", drafts)
	}
	if translated < 30 || translated > 120 {
		t.Errorf("%d of 300 products translated, want about a quarter", translated)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	ctx := context.Background()
	texts := func(seed int64) (titles, rest []string, prefix string) {
		svc := newService(t)
		res, err := Generate(ctx, svc, Options{Products: 120, Seed: seed, Categories: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range allProducts(t, svc) {
			titles = append(titles, p.Title)
			s := []string{p.Handle, p.Description}
			for _, v := range p.Variants {
				s = append(s, strings.Replace(v.SKU, res.SKUPrefix, "", 1), v.Title, money.Format(v.Prices[0].Amount, v.Prices[0].Currency))
			}
			rest = append(rest, strings.Join(s, "|"))
		}
		return titles, rest, res.SKUPrefix
	}
	t1, r1, p1 := texts(7)
	t2, r2, p2 := texts(7)
	if !slices.Equal(t1, t2) || !slices.Equal(r1, r2) {
		t.Errorf("seed 7 twice gave different catalogs:\n%q\n%q", t1[:5], t2[:5])
	}
	if p1 == p2 {
		t.Errorf("two runs share the SKU prefix %s", p1)
	}
	t3, _, _ := texts(8)
	if slices.Equal(t1, t3) {
		t.Error("seeds 7 and 8 gave the same titles")
	}
}

// Seeding the same store twice with the same seed: the categories are
// reused, the products are all created again with free handles and SKUs.
func TestGenerateTwiceInOneStore(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	opt := Options{Products: 60, Seed: 3, Categories: 30, SKUPrefix: "TWICE"}
	first, err := Generate(ctx, svc, opt)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Generate(ctx, svc, opt)
	if err != nil {
		t.Fatal(err)
	}
	if first.Categories != 30 || second.Categories != 0 || second.Products != 60 {
		t.Errorf("first %+v, second %+v: want 30 categories reused and 60 more products", first, second)
	}
	if second.SKUPrefix == "TWICE" {
		t.Error("the second run kept the taken SKU prefix")
	}
	if n := len(allCategories(t, svc)); n != 30 {
		t.Errorf("%d categories after two runs, want 30", n)
	}
	ps := allProducts(t, svc)
	if len(ps) != 120 {
		t.Fatalf("%d products after two runs, want 120", len(ps))
	}
	if ps[0].Title != ps[60].Title || ps[0].Handle == ps[60].Handle {
		t.Errorf("second run's first product %q (%s), want the first run's title with another handle than %s", ps[60].Title, ps[60].Handle, ps[0].Handle)
	}
}

func TestDemo(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	res, err := Demo(ctx, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Products != 201 || res.Categories != 40 {
		t.Errorf("demo result %+v, want 201 products and 40 categories", res)
	}
	p, err := svc.GetProduct(ctx, "walnut-dining-table")
	if err != nil {
		t.Fatal(err)
	}
	var skus []string
	for _, v := range p.Variants {
		usd, okUSD := v.Price("USD")
		_, okEUR := v.Price("EUR")
		if !okUSD || !okEUR || usd.Amount <= 0 {
			t.Errorf("%s: prices %v, want USD and EUR", v.SKU, v.Prices)
		}
		skus = append(skus, v.SKU)
	}
	if p.Title != "Walnut dining table" || p.Status != catalog.Published || !slices.Equal(skus, []string{"WDT-180", "WDT-220"}) || len(p.CategoryIDs) != 1 {
		t.Errorf("walnut dining table: %+v", p)
	}
	sp, err := svc.StoreProduct(ctx, catalog.StoreProductQuery{IDOrHandle: "walnut-dining-table", Currency: "EUR"})
	if err != nil || !sp.Available || sp.Variants[0].Price.Amount != 119900 {
		t.Errorf("store view of the walnut table: %+v, %v", sp, err)
	}
	c, err := svc.GetCategory(ctx, p.CategoryIDs[0])
	if err != nil || c.Name != "Kitchen & Dining Room Tables" {
		t.Errorf("walnut table category %+v, %v", c, err)
	}

	// A second Demo on the loaded store changes nothing.
	again, err := Demo(ctx, svc, nil)
	if err != nil || again.Products != 0 {
		t.Errorf("second demo: %+v, %v", again, err)
	}
	if n := len(allProducts(t, svc)); n != 201 {
		t.Errorf("%d products after two demos, want 201", n)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	for _, opt := range []Options{
		{Products: -1},
		{Currencies: []string{"XYZ"}},
		{Currencies: []string{"usd", "XAU"}},
		{SKUPrefix: "no-lower"},
		{Batch: -5},
	} {
		if _, err := Generate(context.Background(), nil, opt); err == nil {
			t.Errorf("Generate(%+v) succeeded", opt)
		}
	}
}

// The picker takes exactly the number of categories asked for, as whole
// sub-trees (every leaf picked is a leaf of the taxonomy), parents first,
// never an excluded one.
func TestPick(t *testing.T) {
	tax, err := loadGoogle()
	if err != nil {
		t.Fatal(err)
	}
	if len(tax.nodes) != 5595 || len(tax.roots) != 21 {
		t.Fatalf("taxonomy has %d nodes and %d roots, want 5595 and 21", len(tax.nodes), len(tax.roots))
	}
	tables, ok := tax.find("Furniture > Tables")
	if !ok {
		t.Fatal("no Furniture > Tables")
	}
	for _, n := range []int{1, 2, 7, 40, 300, 1000, 5000} {
		for seed := range uint64(5) {
			picked := tax.pick(rand.New(rand.NewPCG(seed, 1)), n, []int{tables})
			if len(picked) != n && n >= 20 {
				t.Errorf("n=%d seed=%d: picked %d", n, seed, len(picked))
			}
			if len(picked) > max(n, 14) {
				t.Errorf("n=%d seed=%d: picked %d, more than asked", n, seed, len(picked))
			}
			in := map[int]bool{}
			roots := map[int]bool{}
			for _, i := range picked {
				nd := tax.nodes[i]
				if nd.parent >= 0 && !in[nd.parent] {
					t.Fatalf("n=%d: %q comes before its parent", n, tax.path(i))
				}
				if nd.excluded {
					t.Errorf("n=%d: excluded %q picked", n, tax.path(i))
				}
				in[i] = true
				roots[nd.root] = true
			}
			for _, i := range picked {
				hasPickedChild, hasChild := false, false
				for _, c := range tax.nodes[i].children {
					hasPickedChild = hasPickedChild || in[c]
					hasChild = hasChild || !tax.nodes[c].excluded
				}
				if hasChild && !hasPickedChild {
					t.Errorf("n=%d: %q is a leaf of the pick but not of the taxonomy", n, tax.path(i))
				}
			}
			if n >= 300 && len(roots) < 5 {
				t.Errorf("n=%d seed=%d: only %d departments", n, seed, len(roots))
			}
			if n >= 20 && !in[tables] {
				t.Errorf("n=%d: the required sub-tree is missing", n)
			}
		}
	}
	if all := tax.pick(rand.New(rand.NewPCG(1, 1)), 1_000_000, nil); len(all) < 5000 || len(all) >= 5595 {
		t.Errorf("picking everything gave %d categories", len(all))
	}
}

func TestProductNoun(t *testing.T) {
	for in, want := range map[string]string{
		"Bookcases & Standing Shelves":  "Bookcase",
		"Kitchen & Dining Room Tables":  "Dining Room Table",
		"Table & Bar Stools":            "Bar Stool",
		"Bird Cage Food & Water Dishes": "Water Dish",
		"Sunglasses":                    "Sunglasses",
		"Mattresses":                    "Mattress",
		"Baby Food":                     "Baby Food",
		"Boxes":                         "Box",
		"Batteries":                     "Battery",
		"Kitchen Knives":                "Kitchen Knife",
		"Wall Shelves & Ledges":         "Wall Shelf",
		"Electronics Accessories":       "Electronics Accessory Set",
		"Trousers":                      "Trousers",
		"Tennis":                        "Tennis",
	} {
		if got := productNoun(in, false); got != want {
			t.Errorf("productNoun(%q) = %q, want %q", in, got, want)
		}
	}
	if got := productNoun("Cookies", true); got != "Cookies" {
		t.Errorf("productNoun(Cookies, plural) = %q", got)
	}
}

func TestListPrice(t *testing.T) {
	for _, c := range []struct {
		usd  int64
		cur  string
		want int64
	}{
		{4999, "USD", 4999},
		{4950, "USD", 4999},
		{4999, "EUR", 4599}, // 45.99
		{1999, "EUR", 1899}, // 18.39
		{4999, "JPY", 7480}, // ¥7,498 → ¥7,480
		{350, "JPY", 580},   // ¥525 → ¥580
		{40, "JPY", 60},     // ¥60
		{250000, "JPY", 375000},
		{149900, "USD", 149900},
		{123400, "USD", 123900},
		{4999, "KWD", 15990}, // 3 decimals
	} {
		if got := listPrice(c.usd, c.cur); got != c.want {
			t.Errorf("listPrice(%d, %s) = %d, want %d", c.usd, c.cur, got, c.want)
		}
	}
}

func TestWithSuffix(t *testing.T) {
	long := "a" + strings.Repeat("é", 60) // 121 bytes: byte 118 is inside an é
	for _, c := range []struct{ handle, suffix string }{
		{"oak-chair", "-2"},
		{strings.Repeat("a", 120), "-k7q2"},
		{long, "-2"},
		{strings.Repeat("ab-", 40), "-10"},
	} {
		got := withSuffix(c.handle, c.suffix)
		if !slug.Valid(got) || !strings.HasSuffix(got, c.suffix) || !strings.HasPrefix(c.handle, strings.TrimSuffix(got, c.suffix)) {
			t.Errorf("withSuffix(%q, %q) = %q", c.handle, c.suffix, got)
		}
	}
}

// lossyService commits the products of its first import call but answers
// handle_taken without a count, like a remote call whose answer was lost
// after a partial commit; stop cancels the context at its nth call.
type lossyService struct {
	catalog.Service
	calls  int
	lossy  bool
	stopAt int
	stop   context.CancelFunc
}

func (s *lossyService) ImportProducts(ctx context.Context, cmd catalog.ImportProductsCommand) (catalog.ImportResult, error) {
	s.calls++
	if s.calls == s.stopAt {
		s.stop()
	}
	res, err := s.Service.ImportProducts(ctx, cmd)
	if s.lossy && s.calls == 1 && err == nil {
		return catalog.ImportResult{}, errs.E(errs.Conflict, "handle_taken", "lost answer")
	}
	return res, err
}

func TestGenerateRecognisesCommittedProducts(t *testing.T) {
	ctx := context.Background()
	svc := &lossyService{Service: newService(t), lossy: true}
	res, err := Generate(ctx, svc, Options{Products: 50, Categories: 20, Batch: 30})
	if err != nil {
		t.Fatal(err)
	}
	ps := allProducts(t, svc)
	if res.Products != 50 || len(ps) != 50 {
		t.Errorf("Result says %d products, the catalog has %d; want 50 and 50", res.Products, len(ps))
	}
	variants := 0
	for _, p := range ps {
		variants += len(p.Variants)
	}
	if variants != res.Variants {
		t.Errorf("Result says %d variants, the catalog has %d", res.Variants, variants)
	}
}

func TestGenerateStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := &lossyService{Service: newService(t), stopAt: 3, stop: cancel}
	res, err := Generate(ctx, svc, Options{Products: 1000, Categories: 20, Batch: 100})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n := len(allProducts(t, svc)); res.Products != n || n >= 1000 {
		t.Errorf("Result says %d products, the catalog has %d, of 1000", res.Products, n)
	}
}

func TestGenerateOnlyCategories(t *testing.T) {
	svc := newService(t)
	res, err := Generate(context.Background(), svc, Options{Categories: 12, Seed: 1})
	if err != nil || res.Categories != 12 || res.Products != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := len(allCategories(t, svc)); n != 12 {
		t.Errorf("%d categories, want 12", n)
	}
}
