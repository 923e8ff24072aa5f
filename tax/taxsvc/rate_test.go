package taxsvc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/tax"
	"github.com/agoracommerce/agora/tax/taxsvc"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		ppm  int64
		fail bool
	}{
		{"19", 190000, false},
		{"8.875", 88750, false},
		{"8.8750", 88750, false},
		{"0", 0, false},
		{"0.0001", 1, false},
		{"007", 70000, false},
		{"100", 1000000, false},
		{"100.0000", 1000000, false},
		{"5.5", 55000, false},
		{"100.0001", 0, true},
		{"101", 0, true},
		{"1000", 0, true},
		{"8.87501", 0, true},
		{"", 0, true},
		{".5", 0, true},
		{"5.", 0, true},
		{"-1", 0, true},
		{"+1", 0, true},
		{"1e2", 0, true},
		{"19%", 0, true},
		{" 19", 0, true},
		{"19,5", 0, true},
		{"99999999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := taxsvc.ParseRate(tt.in)
		if tt.fail != (err != nil) || got != tt.ppm {
			t.Errorf("ParseRate(%q) = %d, %v; want %d (fail %v)", tt.in, got, err, tt.ppm, tt.fail)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for ppm, want := range map[int64]string{0: "0", 1: "0.0001", 190000: "19", 88750: "8.875", 55000: "5.5", 1000000: "100", 10: "0.001", 123456: "12.3456"} {
		if got := taxsvc.FormatRate(ppm); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", ppm, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		ppm := rapid.Int64Range(0, tax.MaxRatePPM).Draw(t, "ppm")
		back, err := taxsvc.ParseRate(taxsvc.FormatRate(ppm))
		if err != nil || back != ppm {
			t.Fatalf("ParseRate(FormatRate(%d)) = %d, %v", ppm, back, err)
		}
	})
}

// TestSplitTable pins the rounding: banker's rounding on exact halves.
func TestSplitTable(t *testing.T) {
	tests := []struct {
		amount, ppm     int64
		inclusive       bool
		net, tax, gross int64
	}{
		{10000, 190000, false, 10000, 1900, 11900},
		{11900, 190000, true, 10000, 1900, 11900},
		{250, 10000, false, 250, 2, 252},      // 2.5 → 2
		{350, 10000, false, 350, 4, 354},      // 3.5 → 4
		{1200, 88750, false, 1200, 106, 1306}, // 106.5 → 106
		{5, 1000000, true, 2, 3, 5},           // 2.5 → 2
		{3, 1000000, true, 2, 1, 3},           // 1.5 → 2
		{105, 50000, true, 100, 5, 105},
		{1, 500000, false, 1, 0, 1}, // 0.5 → 0
		{3, 500000, false, 3, 2, 5}, // 1.5 → 2
		{0, 190000, true, 0, 0, 0},
		{money.MaxAmount, 1000000, false, money.MaxAmount, money.MaxAmount, 2 * money.MaxAmount},
	}
	for _, tt := range tests {
		net, tx, gross, err := taxsvc.Split(tt.amount, tt.ppm, tt.inclusive)
		if err != nil || net != tt.net || tx != tt.tax || gross != tt.gross {
			t.Errorf("Split(%d, %d, %v) = %d %d %d %v, want %d %d %d", tt.amount, tt.ppm, tt.inclusive, net, tx, gross, err, tt.net, tt.tax, tt.gross)
		}
	}
	for _, bad := range [][2]int64{{1, -1}, {1, tax.MaxRatePPM + 1}, {money.MaxAmount + 1, 0}} {
		if _, _, _, err := taxsvc.Split(bad[0], bad[1], false); err == nil {
			t.Errorf("Split(%d, %d) succeeded", bad[0], bad[1])
		}
	}
}

// TestSplitProperties checks, on random amounts and rates: net + tax =
// gross exactly; the tax is never negative nor above the amount at ≤ 100%;
// an exclusive amount's gross read as inclusive gives back the same net
// and tax; an inclusive amount's net read as exclusive gives a gross
// within one minor unit of the original.
func TestSplitProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount := rapid.OneOf(rapid.Int64Range(0, 10_000), rapid.Int64Range(0, money.MaxAmount/2)).Draw(t, "amount")
		ppm := rapid.OneOf(rapid.Int64Range(0, tax.MaxRatePPM), rapid.SampledFrom([]int64{0, 1, 50000, 70000, 88750, 190000, 200000, 1000000})).Draw(t, "ppm")
		for _, inclusive := range []bool{false, true} {
			net, tx, gross, err := taxsvc.Split(amount, ppm, inclusive)
			if err != nil {
				t.Fatalf("Split(%d, %d, %v): %v", amount, ppm, inclusive, err)
			}
			if net+tx != gross {
				t.Fatalf("Split(%d, %d, %v): %d + %d != %d", amount, ppm, inclusive, net, tx, gross)
			}
			if tx < 0 || net < 0 || (inclusive && gross != amount) || (!inclusive && net != amount) {
				t.Fatalf("Split(%d, %d, %v) = %d %d %d", amount, ppm, inclusive, net, tx, gross)
			}
		}
		// Exclusive → inclusive is exact.
		net, tx, gross, _ := taxsvc.Split(amount, ppm, false)
		n2, t2, g2, _ := taxsvc.Split(gross, ppm, true)
		if n2 != net || t2 != tx || g2 != gross {
			t.Fatalf("%d at %d ppm: exclusive %d+%d=%d, its gross as inclusive %d+%d=%d", amount, ppm, net, tx, gross, n2, t2, g2)
		}
		// Inclusive → exclusive agrees within one minor unit.
		net, _, gross, _ = taxsvc.Split(amount, ppm, true)
		_, _, g3, _ := taxsvc.Split(net, ppm, false)
		if d := g3 - gross; d < -1 || d > 1 {
			t.Fatalf("%d at %d ppm inclusive: net %d, as exclusive gross %d (off by %d)", amount, ppm, net, g3, d)
		}
	})
}

// TestNoFloat checks that no type of the contract has a floating-point
// field and that no source file of the module mentions a float type.
func TestNoFloat(t *testing.T) {
	var check func(path string, typ reflect.Type, seen map[reflect.Type]bool)
	check = func(path string, typ reflect.Type, seen map[reflect.Type]bool) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			t.Errorf("%s is a %s", path, typ)
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			check(path+"[]", typ.Elem(), seen)
		case reflect.Struct:
			for i := range typ.NumField() {
				check(path+"."+typ.Field(i).Name, typ.Field(i).Type, seen)
			}
		}
	}
	for _, v := range []any{tax.Region{}, tax.CalculateQuery{}, tax.Calculation{}, tax.CreateRegionCommand{}, tax.UpdateRegionCommand{}, tax.Class{}} {
		check(reflect.TypeOf(v).Name(), reflect.TypeOf(v), map[reflect.Type]bool{})
	}
	root := filepath.Join("..")
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && (id.Name == "float32" || id.Name == "float64") {
				t.Errorf("%s uses %s", path, id.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
