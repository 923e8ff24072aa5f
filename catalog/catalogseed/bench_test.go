package catalogseed

import (
	"context"
	"flag"
	"math/rand/v2"
	"testing"
	"time"
)

var (
	benchProducts = flag.Int("products", 2000, "products per BenchmarkGenerate iteration")
	sqliteSync    = flag.String("sqlite-sync", "full", "SQLite synchronous setting of the test catalogs: full or normal")
)

// BenchmarkGenerate seeds -products products (default 2,000) into a new
// SQLite catalog per iteration and reports products per second. The one-off
// timing of a large seed is
//
//	go test -run '^$' -bench 'Generate$' -benchtime 1x ./catalog/catalogseed -args -products=100000
func BenchmarkGenerate(b *testing.B) {
	ctx := context.Background()
	var products int
	var spent time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		svc := newService(b)
		b.StartTimer()
		start := time.Now()
		res, err := Generate(ctx, svc, Options{Products: *benchProducts, Seed: int64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
		products += res.Products
	}
	b.ReportMetric(float64(products)/spent.Seconds(), "products/s")
}

// BenchmarkProducts measures making product commands alone, without a
// catalog.
func BenchmarkProducts(b *testing.B) {
	tax, err := loadGoogle()
	if err != nil {
		b.Fatal(err)
	}
	r := &run{tax: tax, catIDs: map[int]string{}}
	picked := tax.pick(rand.New(rand.NewPCG(1, 1)), DefaultCategories, nil)
	for _, i := range picked {
		r.catIDs[i] = "cat_01JD3X8Q4W2N6M0Z5B7C9E1F3H"
	}
	gen := newGenerator(rand.New(rand.NewPCG(1, 2)), r.leaves(picked), DefaultCurrencies, "BNCH")
	for b.Loop() {
		gen.product()
	}
}
