package catalogsvc_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogsql"
	"github.com/agoracommerce/agora/catalog/catalogsvc"
	"github.com/agoracommerce/agora/catalog/catalogtest"
	"github.com/agoracommerce/agora/platform/errs/errstest"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/platform/sqldb"
)

// newSQLService returns the service over the SQL store on db, migrated.
func newSQLService(tb testing.TB, db *sqldb.DB) catalog.Service {
	tb.Helper()
	st := catalogsql.New(db, nil)
	if err := st.Migrate(tb.Context()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return catalogsvc.New(st, catalogsvc.DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
}

// TestServiceSQL runs the contract suite against the service on SQLite and,
// when AGORA_TEST_POSTGRES_URL is set, on PostgreSQL: a new database (or
// schema) per subtest.
func TestServiceSQL(t *testing.T) {
	for _, d := range catalogtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			d.SkipUnlessConfigured(t)
			catalogtest.TestService(t, func(t *testing.T) catalog.Service { return newSQLService(t, d.Open(t)) })
		})
	}
}

// TestServiceSmallBatches imports across several transactions.
func TestServiceSmallBatches(t *testing.T) {
	st := catalogtest.MustStore(t)
	svc := catalogsvc.New(st, catalogsvc.Config{ImportBatch: 2}, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	cmds := make([]catalog.CreateProductCommand, 5)
	for i := range cmds {
		cmds[i] = catalog.CreateProductCommand{Title: "Same"}
	}
	res, err := svc.ImportProducts(t.Context(), catalog.ImportProductsCommand{Products: cmds})
	if err != nil || res.Created != 5 || len(res.IDs) != 5 {
		t.Fatalf("import in batches of 2: %+v, %v", res, err)
	}
	handles := map[string]bool{}
	for _, pid := range res.IDs {
		p := catalogtest.MustGetProduct(t, svc, pid)
		if handles[p.Handle] {
			t.Errorf("handle %q given twice", p.Handle)
		}
		handles[p.Handle] = true
	}
	// A bad product in the third batch keeps the first two batches and
	// names its index in the whole import.
	cmds[4].Title = ""
	res, err = svc.ImportProducts(t.Context(), catalog.ImportProductsCommand{Products: cmds})
	errstest.WantInvalid(t, err, "products[4].title")
	if res.Created != 4 {
		t.Errorf("created %d before the bad batch, want 4", res.Created)
	}
}

func TestTranslate(t *testing.T) {
	tr := map[string]catalog.Translation{
		"de":    {Title: "Tisch", Description: "Massiv"},
		"de-CH": {Title: "Tisch (CH)"},
		"fr":    {Description: "Chêne massif"},
	}
	tests := []struct {
		locale, title, desc string
	}{
		{"", "Table", "Solid"},
		{"de", "Tisch", "Massiv"},
		{"de-AT", "Tisch", "Massiv"},
		{"de-CH", "Tisch (CH)", "Solid"}, // empty fields fall back to the product's own text
		{"fr", "Table", "Chêne massif"},
		{"fr-CA", "Table", "Chêne massif"},
		{"it", "Table", "Solid"},
	}
	for _, tt := range tests {
		title, desc := catalogsvc.Translate("Table", "Solid", tr, tt.locale)
		if title != tt.title || desc != tt.desc {
			t.Errorf("Translate(%q) = %q, %q; want %q, %q", tt.locale, title, desc, tt.title, tt.desc)
		}
	}
	if title, desc := catalogsvc.Translate("Table", "Solid", nil, "de"); title != "Table" || desc != "Solid" {
		t.Errorf("no translations: %q, %q", title, desc)
	}
}

func TestVisible(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name    string
		p       catalog.Product
		channel string
		want    bool
	}{
		{"published, all channels", catalog.Product{Status: catalog.Published}, "default", true},
		{"draft", catalog.Product{Status: catalog.Draft}, "default", false},
		{"archived", catalog.Product{Status: catalog.Archived}, "default", false},
		{"deleted", catalog.Product{Status: catalog.Published, DeletedAt: &now}, "default", false},
		{"in the channel", catalog.Product{Status: catalog.Published, Channels: []string{"pos", "web"}}, "web", true},
		{"not in the channel", catalog.Product{Status: catalog.Published, Channels: []string{"web"}}, "default", false},
		{"prefix of a channel", catalog.Product{Status: catalog.Published, Channels: []string{"web"}}, "we", false},
	}
	for _, tt := range tests {
		if got := catalogsvc.Visible(tt.p, tt.channel); got != tt.want {
			t.Errorf("%s: Visible = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestStoreView(t *testing.T) {
	p := catalog.Product{
		ID: "prod_1", Handle: "h", Title: "T", Version: 3,
		Variants: []catalog.Variant{
			{ID: "var_1", SKU: "A", Prices: []money.Money{{Amount: 100, Currency: "EUR"}, {Amount: 120, Currency: "USD"}}},
			{ID: "var_2", SKU: "B", Prices: []money.Money{{Amount: 90, Currency: "USD"}}},
		},
	}
	v := catalogsvc.StoreView(p, "EUR", "")
	if !v.Available || v.Version != 3 || v.Variants[0].Price == nil || v.Variants[0].Price.Amount != 100 || v.Variants[1].Price != nil || v.Variants[1].Available {
		t.Errorf("StoreView(EUR) = %+v", v)
	}
	if v := catalogsvc.StoreView(p, "GBP", ""); v.Available || v.Variants[0].Price != nil {
		t.Errorf("StoreView(GBP) = %+v", v)
	}
	if v := catalogsvc.StoreView(p, "", ""); v.Available {
		t.Errorf("StoreView without a currency is available: %+v", v)
	}
}
