// Package catalogseed fills a catalog with a realistic generated catalog:
// categories taken from Google's product taxonomy (shipped inside the
// binary), and products with brands, materials, options, variants, prices
// in several currencies, images and translations, for demos, screenshots
// and benchmarks (`agora seed`, `agora serve --demo`).
//
// It works only through catalog.Service, so it seeds a local service and
// a remote one (over HTTP) alike.
package catalogseed

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/slug"
)

// Defaults of Options.
const (
	DefaultCategories = 300
	DefaultBatch      = 500
)

// DefaultCurrencies are the currencies products are priced in by default.
var DefaultCurrencies = []string{"USD", "EUR", "GBP", "JPY"}

// Options say what Generate makes. A zero field means its default, except
// Products.
type Options struct {
	// Products is how many products to create; 0 creates only categories.
	Products int
	// Seed makes a run reproducible: in an empty store, the same Seed,
	// Categories and Currencies give the same categories and the same
	// products (titles, handles, texts, options, prices) in the same order;
	// only ids and the SKU prefix differ. 0 picks a random seed, reported
	// in Result.Seed.
	Seed int64
	// Categories is how many categories to create (default
	// DefaultCategories): whole sub-trees of the taxonomy with their
	// ancestors, spread over many departments. Products go into the leaves.
	Categories int
	// Currencies are the ISO 4217 codes every variant gets a list price in
	// (default DefaultCurrencies). Each must be one Generate has a
	// reference rate for (the major currencies).
	Currencies []string
	// Progress, when not nil, shows progress bars (counts and rates).
	Progress io.Writer
	// Batch is how many products go to the service per ImportProducts
	// call (default DefaultBatch). Keep it no larger than the service's
	// transaction size (catalogsvc's ImportBatch, 500 by default), so that
	// a call that fails has committed nothing; otherwise Generate can
	// recognise the products a failed call did commit only when the SKU
	// prefix is its own (random).
	Batch int
	// SKUPrefix, when set, is the run prefix of every SKU: 1 to 12 upper
	// case ASCII letters and digits. Empty picks a random one, so that
	// runs into the same store never share SKUs.
	SKUPrefix string
}

// Result says what a run made.
type Result struct {
	// Categories is the number of categories created; categories reused
	// from an earlier run (same handle, name and parent) are not counted.
	Categories int
	Products   int
	Variants   int
	Duration   time.Duration
	// Seed is the seed used (Options.Seed, or the random one picked).
	Seed int64
	// SKUPrefix is the run prefix of this run's SKUs.
	SKUPrefix string
}

// Generate creates categories and then opt.Products products in svc.
//
// Categories are created one by one, parents first, with unique handles
// made by slug.Make from the names (a name whose handle is taken gets its
// parent's name or a number added). A category that already exists with
// the same handle, name and parent, from an earlier run, is reused.
//
// Products are made in batches while the previous batch is being imported
// with svc.ImportProducts. Every product is valid for the catalog: unique
// handle within the run, unique SKUs ("NOR-K7Q2-0001F3-02": brand, run
// prefix, product number, variant number), 1 to 3 options and at most 12
// variants, list prices in every currency, 1 to 4 images, about 6% drafts
// and about 25% with German and French texts. A handle taken by a product
// of an earlier run gets the run prefix added; an SKU taken (a reused
// prefix) makes Generate pick a new prefix for the rest of the run.
//
// On error, Result counts what was created before it.
func Generate(ctx context.Context, svc catalog.Service, opt Options) (Result, error) {
	r, err := generate(ctx, svc, opt, nil)
	return r.res, err
}

// Demo loads the demo catalog of `agora serve --demo`: 40 categories and
// 200 products from a fixed seed, plus the product of the API examples,
// "Walnut dining table" (handle walnut-dining-table, options Size 180 cm and
// 220 cm, SKUs WDT-180 and WDT-220, prices in USD and EUR). When that
// product exists already, the demo is taken as loaded: Demo does nothing
// and returns a zero Result.
func Demo(ctx context.Context, svc catalog.Service, progress io.Writer) (Result, error) {
	start := time.Now()
	switch _, err := svc.GetProduct(ctx, walnutHandle); {
	case err == nil:
		return Result{}, nil
	case !errs.Is(err, errs.NotFound):
		return Result{}, err
	}
	r, err := generate(ctx, svc, Options{Products: 200, Seed: demoSeed, Categories: 40, Progress: progress}, []string{"Furniture > Tables"})
	res := r.res
	if err != nil {
		return res, err
	}
	catID, ok := r.categoryID(walnutCategory)
	if !ok {
		return res, fmt.Errorf("catalogseed: demo: category %q was not created", walnutCategory)
	}
	p, err := svc.CreateProduct(ctx, walnutTable(catID))
	if err != nil {
		return res, fmt.Errorf("catalogseed: demo: %w", err)
	}
	res.Products++
	res.Variants += len(p.Variants)
	res.Duration = time.Since(start)
	return res, nil
}

const (
	demoSeed       = 20_251_125
	walnutHandle   = "walnut-dining-table"
	walnutCategory = "Furniture > Tables > Kitchen & Dining Room Tables"
)

// walnutTable is the product of the examples in API.md.
func walnutTable(categoryID string) catalog.CreateProductCommand {
	manage := true
	return catalog.CreateProductCommand{
		Title:       "Walnut dining table",
		Handle:      walnutHandle,
		Description: "Solid walnut, seats six.",
		Status:      catalog.Published,
		CategoryIDs: []string{categoryID},
		Attributes:  map[string]string{"material": "walnut", "seats": "6"},
		Options:     []catalog.Option{{Name: "Size", Values: []string{"180 cm", "220 cm"}}},
		Variants: []catalog.VariantInput{
			{SKU: "WDT-180", Title: "180 cm", Options: map[string]string{"Size": "180 cm"}, ManageInventory: &manage, WeightGrams: 52_000,
				Prices: []money.Money{{Amount: 129900, Currency: "USD"}, {Amount: 119900, Currency: "EUR"}}},
			{SKU: "WDT-220", Title: "220 cm", Options: map[string]string{"Size": "220 cm"}, ManageInventory: &manage, WeightGrams: 63_000,
				Prices: []money.Money{{Amount: 149900, Currency: "USD"}, {Amount: 139900, Currency: "EUR"}}},
		},
		Media: []catalog.Media{
			{URL: "https://images.example.com/products/walnut-dining-table/1.jpg", Alt: "Walnut dining table"},
			{URL: "https://images.example.com/products/walnut-dining-table/2.jpg", Alt: "Walnut dining table, detail of the grain"},
		},
		Translations: map[string]catalog.Translation{
			"de": {Title: "Esstisch aus Nussbaum", Description: "Massiver Nussbaum, für sechs Personen."},
			"fr": {Title: "Table à manger en noyer", Description: "Noyer massif, six couverts."},
		},
	}
}

// run is the state of one Generate.
type run struct {
	svc     catalog.Service
	opt     Options
	tax     *taxonomy
	res     Result
	catIDs  map[int]string // taxonomy node → category id
	prefix  string         // current SKU prefix
	genPref string         // the prefix the generator writes
	// ownPrefix is set when prefix was picked at random by this run, so
	// that an SKU with it was made by this run.
	ownPrefix bool
}

func (r *run) categoryID(path string) (string, bool) {
	i, ok := r.tax.find(path)
	if !ok {
		return "", false
	}
	id, ok := r.catIDs[i]
	return id, ok
}

// withDefaults checks opt and fills in defaults.
func withDefaults(opt Options) (Options, error) {
	v := &errs.Validator{}
	v.Check(opt.Products >= 0, "products", "must not be negative")
	v.Check(opt.Categories >= 0, "categories", "must not be negative")
	v.Check(opt.Batch >= 0, "batch", "must not be negative")
	if opt.Categories == 0 {
		opt.Categories = DefaultCategories
	}
	if opt.Batch == 0 {
		opt.Batch = DefaultBatch
	}
	if len(opt.Currencies) == 0 {
		opt.Currencies = DefaultCurrencies
	}
	var curs []string
	for _, c := range opt.Currencies {
		c = strings.ToUpper(strings.TrimSpace(c))
		if _, ok := usdRates[c]; !ok || money.CheckCurrency(c) != nil {
			v.Add("currencies", "%q is not a currency with a reference rate (%s)", c, strings.Join(slices.Sorted(maps.Keys(usdRates)), ", "))
			continue
		}
		if !slices.Contains(curs, c) {
			curs = append(curs, c)
		}
	}
	opt.Currencies = curs
	if opt.SKUPrefix != "" {
		ok := len(opt.SKUPrefix) <= 12
		for _, c := range opt.SKUPrefix {
			ok = ok && (c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
		}
		v.Check(ok, "sku_prefix", "must be 1 to 12 upper-case ASCII letters and digits")
	}
	return opt, v.Err()
}

// randomPrefix returns 4 random characters of Crockford's base 32.
func randomPrefix() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [4]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return string(b[:])
}

func randomSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	if s == 0 {
		s = 1
	}
	return s
}

// generate is Generate, taking the sub-trees under the must paths first.
func generate(ctx context.Context, svc catalog.Service, opt Options, must []string) (*run, error) {
	start := time.Now()
	r := &run{svc: svc, catIDs: map[int]string{}}
	opt, err := withDefaults(opt)
	if err != nil {
		return r, err
	}
	if opt.Seed == 0 {
		opt.Seed = randomSeed()
	}
	r.opt = opt
	r.prefix = opt.SKUPrefix
	if r.prefix == "" {
		r.prefix, r.ownPrefix = randomPrefix(), true
	}
	r.genPref = r.prefix
	r.res.Seed, r.res.SKUPrefix = opt.Seed, r.prefix
	defer func() { r.res.Duration = time.Since(start) }()

	r.tax, err = loadGoogle()
	if err != nil {
		return r, err
	}
	var mustNodes []int
	for _, p := range must {
		i, ok := r.tax.find(p)
		if !ok {
			return r, fmt.Errorf("catalogseed: no category %q in the taxonomy", p)
		}
		mustNodes = append(mustNodes, i)
	}
	picked := r.tax.pick(mrand.New(mrand.NewPCG(uint64(opt.Seed), 1)), opt.Categories, mustNodes)
	if err := r.createCategories(ctx, picked); err != nil {
		return r, err
	}
	if opt.Products == 0 {
		return r, nil
	}
	leaves := r.leaves(picked)
	if len(leaves) == 0 {
		return r, fmt.Errorf("catalogseed: no categories to put products in")
	}
	gen := newGenerator(mrand.New(mrand.NewPCG(uint64(opt.Seed), 2)), leaves, opt.Currencies, r.genPref)
	return r, r.importProducts(ctx, gen)
}

// leaves returns the picked categories without picked children.
func (r *run) leaves(picked []int) []leaf {
	parent := map[int]bool{}
	for _, i := range picked {
		if p := r.tax.nodes[i].parent; p >= 0 {
			parent[p] = true
		}
	}
	var out []leaf
	for _, i := range picked {
		if parent[i] {
			continue
		}
		n := r.tax.nodes[i]
		prof, ok := profiles[profileOf[r.tax.nodes[n.root].title]]
		if !ok {
			prof = profiles["home"]
		}
		noun := productNoun(n.title, prof.plural)
		out = append(out, leaf{categoryID: r.catIDs[i], noun: noun, prof: prof, level: priceLevel(noun)})
	}
	return out
}

// createCategories creates the picked nodes (in pre-order, so parents
// first) and records their ids in r.catIDs.
func (r *run) createCategories(ctx context.Context, picked []int) error {
	bar := newBar(r.opt.Progress, len(picked), "categories")
	defer bar.exit()
	used := map[string]bool{}
	position := map[int]int{} // parent → children so far
	for _, i := range picked {
		n := r.tax.nodes[i]
		parentID, parentTitle := "", ""
		if n.parent >= 0 {
			parentID, parentTitle = r.catIDs[n.parent], r.tax.nodes[n.parent].title
		}
		cmd := catalog.CreateCategoryCommand{
			Name:        n.title,
			Description: categoryDescription(r.tax, i),
			ParentID:    parentID,
			Position:    position[n.parent],
		}
		position[n.parent]++
		id, created, err := r.createCategory(ctx, cmd, handleCandidates(n.title, parentTitle, r.prefix), used)
		if err != nil {
			return fmt.Errorf("catalogseed: category %q: %w", r.tax.path(i), err)
		}
		r.catIDs[i] = id
		if created {
			r.res.Categories++
		}
		bar.add(1)
	}
	return nil
}

// createCategory tries the handle candidates in turn, skipping those used in
// this run. A candidate taken by a category with the same name and parent is
// that category (from an earlier run), reused.
func (r *run) createCategory(ctx context.Context, cmd catalog.CreateCategoryCommand, candidates []string, used map[string]bool) (id string, created bool, err error) {
	for _, h := range candidates {
		if used[h] {
			continue
		}
		used[h] = true
		cmd.Handle = h
		c, err := r.svc.CreateCategory(ctx, cmd)
		if err == nil {
			return c.ID, true, nil
		}
		if !errs.HasCode(err, "handle_taken") {
			return "", false, err
		}
		old, err := r.svc.GetCategory(ctx, h)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return "", false, err
		}
		if err == nil && old.Name == cmd.Name && old.ParentID == cmd.ParentID {
			return old.ID, false, nil
		}
	}
	return "", false, errs.E(errs.Conflict, "handle_taken", "every handle tried is taken")
}

// handleCandidates lists handles for a category, best first: its name,
// its parent's name and its name, then numbered, then with the run prefix.
func handleCandidates(name, parent, prefix string) []string {
	base := slug.Make(name)
	if base == "" {
		base = "category"
	}
	out := []string{base}
	if parent != "" {
		if h := slug.Make(parent + " " + name); h != "" {
			out = append(out, h)
		}
	}
	for n := 2; n <= 9; n++ {
		out = append(out, withSuffix(base, fmt.Sprintf("-%d", n)))
	}
	return append(out, withSuffix(base, "-"+strings.ToLower(prefix)))
}

// categoryDescription is one sentence naming where a category sits.
func categoryDescription(t *taxonomy, i int) string {
	n := t.nodes[i]
	if n.parent < 0 {
		return "Everything in " + n.title + ", from everyday essentials to the special finds."
	}
	return fmt.Sprintf("%s from our %s range.", n.title, t.nodes[n.parent].title)
}

// importProducts makes the products on one goroutine and imports them on
// this one, a batch at a time.
func (r *run) importProducts(ctx context.Context, gen *generator) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []catalog.CreateProductCommand, 1)
	go func() {
		defer close(batches)
		for made := 0; made < r.opt.Products; {
			b := make([]catalog.CreateProductCommand, min(r.opt.Batch, r.opt.Products-made))
			for i := range b {
				b[i] = gen.product()
			}
			made += len(b)
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	bar := newBar(r.opt.Progress, r.opt.Products, "products")
	defer bar.exit()
	for b := range batches {
		created, variants, err := r.importBatch(ctx, b)
		r.res.Products += created
		r.res.Variants += variants
		bar.add(created)
		if err != nil {
			return err
		}
	}
	if r.res.Products < r.opt.Products {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("catalogseed: created %d of %d products", r.res.Products, r.opt.Products)
	}
	return nil
}

// importBatch imports cmds, recovering from handles taken by products of an
// earlier run and from SKUs taken (a reused prefix). It returns how many
// products and variants it created.
func (r *run) importBatch(ctx context.Context, cmds []catalog.CreateProductCommand) (products, variants int, err error) {
	if r.prefix != r.genPref {
		r.rewriteSKUs(cmds)
	}
	handleRounds, skuRounds := 0, 0
	for len(cmds) > 0 {
		res, err := r.svc.ImportProducts(ctx, catalog.ImportProductsCommand{Products: cmds})
		n := min(max(res.Created, 0), len(cmds))
		products += n
		variants += countVariants(cmds[:n])
		cmds = cmds[n:]
		switch {
		case err == nil && len(cmds) == 0:
			return products, variants, nil
		case err == nil:
			return products, variants, fmt.Errorf("catalogseed: the catalog imported %d of %d products without an error", n, n+len(cmds))
		case errs.HasCode(err, "handle_taken") && handleRounds < 2:
			handleRounds++
			var done []catalog.CreateProductCommand
			cmds, done, err = r.freeHandles(ctx, cmds)
			products += len(done)
			variants += countVariants(done)
			if err != nil {
				return products, variants, err
			}
		case errs.HasCode(err, "sku_taken") && skuRounds < 3:
			skuRounds++
			r.prefix, r.ownPrefix = randomPrefix(), true
			r.res.SKUPrefix = r.prefix
			r.rewriteSKUs(cmds)
		default:
			return products, variants, fmt.Errorf("catalogseed: import: %w", err)
		}
	}
	return products, variants, nil
}

// freeHandles gives every product of cmds whose handle is taken a free one
// (its handle with the run prefix added). When the prefix is this run's own
// (random), a product already there with the same first SKU was imported
// by this run, by a failed call that committed part of its work: it is
// moved from cmds to done.
func (r *run) freeHandles(ctx context.Context, cmds []catalog.CreateProductCommand) (rest, done []catalog.CreateProductCommand, err error) {
	rest = cmds[:0:0]
	for _, c := range cmds {
		ours := false
		base := c.Handle
		for n := 1; ; n++ {
			p, err := r.svc.GetProduct(ctx, c.Handle)
			if errs.Is(err, errs.NotFound) {
				break
			}
			if err != nil {
				return nil, done, err
			}
			if r.ownPrefix && len(c.Variants) > 0 && slices.ContainsFunc(p.Variants, func(v catalog.Variant) bool { return v.SKU == c.Variants[0].SKU }) {
				ours = true
				break
			}
			if n > 5 {
				return nil, done, errs.E(errs.Conflict, "handle_taken", "no free handle for %q", base)
			}
			suffix := "-" + strings.ToLower(r.prefix)
			if n > 1 {
				suffix += fmt.Sprintf("-%d", n)
			}
			c.Handle = withSuffix(base, suffix)
		}
		if ours {
			done = append(done, c)
			continue
		}
		rest = append(rest, c)
	}
	return rest, done, nil
}

// rewriteSKUs puts the current prefix in place of the generator's in every
// SKU of cmds (SKUs are "CODE-PREFIX-SERIAL-NN").
func (r *run) rewriteSKUs(cmds []catalog.CreateProductCommand) {
	old, cur := "-"+r.genPref+"-", "-"+r.prefix+"-"
	for i := range cmds {
		for j := range cmds[i].Variants {
			cmds[i].Variants[j].SKU = strings.Replace(cmds[i].Variants[j].SKU, old, cur, 1)
		}
	}
}

func countVariants(cmds []catalog.CreateProductCommand) int {
	n := 0
	for _, c := range cmds {
		n += max(len(c.Variants), 1)
	}
	return n
}

// bar is a progress bar, or nothing when there is no writer.
type bar struct{ b *progressbar.ProgressBar }

func newBar(w io.Writer, total int, what string) bar {
	if w == nil || total <= 0 {
		return bar{}
	}
	return bar{progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(fmt.Sprintf("%-10s", what)),
		progressbar.OptionSetItsString(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

func (b bar) add(n int) {
	if b.b != nil {
		_ = b.b.Add(n)
	}
}

// exit leaves an unfinished bar where it is (after an error).
func (b bar) exit() {
	if b.b != nil && !b.b.IsFinished() {
		_ = b.b.Exit()
	}
}
