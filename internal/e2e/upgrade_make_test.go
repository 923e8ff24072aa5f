package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

var makeUpgradeFixtures = flag.Bool("make-upgrade-fixtures", false, "make testdata/upgrade with the agora of upgradeCommit (TestMakeUpgradeFixtures)")

// TestMakeUpgradeFixtures makes the fixtures of TestUpgrade with the agora
// of upgradeCommit. It runs only with -make-upgrade-fixtures; the
// PostgreSQL fixture also needs AGORA_TEST_POSTGRES_URL and pg_dump on the
// PATH:
//
//	AGORA_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./internal/e2e -run TestMakeUpgradeFixtures -make-upgrade-fixtures -count=1 -v -timeout 20m
//
// It builds the old binary from `git archive` of the commit, runs
// upgradeScenario on a fresh store, records the answers of the requests
// the scenario lists once the store is quiet, stops the server with
// SIGTERM and writes the store and the answers to
// testdata/upgrade/<backend>. It then starts the old binary again on the
// written files, restored as TestUpgrade restores them, and fails if any
// answer changed: the recorded answers depend on the stored data only.
//
// The fixtures are made once, by the old code; rerunning this rewrites
// them with new ids.
func TestMakeUpgradeFixtures(t *testing.T) {
	if !*makeUpgradeFixtures {
		t.Skipf("-make-upgrade-fixtures makes the upgrade fixtures with the agora of %.7s", upgradeCommit)
	}
	old := buildAt(t, upgradeCommit)
	t.Run("sqlite", func(t *testing.T) { makeUpgradeFixture(t, old, "sqlite") })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(sqldbtest.PostgresEnv) == "" {
			t.Skipf("set %s to make the PostgreSQL fixture", sqldbtest.PostgresEnv)
		}
		if _, err := exec.LookPath("pg_dump"); err != nil {
			t.Skip("pg_dump is not on the PATH")
		}
		makeUpgradeFixture(t, old, "postgres")
	})
}

// buildAt builds cmd/agora of commit from `git archive` of this repository.
func buildAt(t *testing.T, commit string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	archive := exec.Command("git", "archive", "--format=tar", commit)
	archive.Dir = strings.TrimSpace(string(top)) // from a sub-directory it archives only that
	untar := exec.Command("tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	untar.Stdin = pipe
	var errOut bytes.Buffer
	archive.Stderr, untar.Stderr = &errOut, &errOut
	if err := untar.Start(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", commit, err, errOut.String())
	}
	if err := untar.Wait(); err != nil {
		t.Fatalf("untar: %v\n%s", err, errOut.String())
	}
	bin := filepath.Join(dir, "agora-old")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "./cmd/agora")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build at %s: %v\n%s", commit, err, out)
	}
	return bin
}

func makeUpgradeFixture(t *testing.T, old, backend string) {
	out := filepath.Join("testdata", "upgrade", backend)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var extra []string
	base := os.Getenv(sqldbtest.PostgresEnv)
	if backend == "postgres" {
		extra = []string{"--postgres-url", fixtureSchemaURL(t, base)}
	}
	// A larger body limit than the default: the seed imports 500
	// products a request.
	p, err := launch(t, old, time.Minute, data, append([]string{"--max-body", "33554432"}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	facts, reqs := upgradeScenario(t, old, p)
	answers := settle(t, p, reqs)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err != nil {
		t.Fatalf("old agora exited with %v after SIGTERM:\n%s", err, tail(logOf(p), 30))
	}
	p.done <- nil // for the cleanup

	if backend == "postgres" {
		dump := exec.Command("pg_dump", "--no-owner", "--schema="+upgradeSchema, base)
		sqlText, err := dump.Output()
		if err != nil {
			t.Fatalf("pg_dump: %v", err)
		}
		writeGzip(t, filepath.Join(out, "dump.sql.gz"), sqlText)
	}
	archive := tarData(t, data)
	writeCompressed(t, filepath.Join(out, "data.tar.zst"), archive)

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(upgradeAnswers{Commit: upgradeCommit, Backend: backend, Facts: facts, Answers: answers}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "answers.json"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// The old binary answers the same on what was written, restored as
	// TestUpgrade restores it.
	again := t.TempDir()
	untarData(t, readCompressed(t, filepath.Join(out, "data.tar.zst")), again)
	if backend == "postgres" {
		pgURL := sqldbtest.SchemaURL(t, base)
		restoreDump(t, pgURL, filepath.Join(out, "dump.sql.gz"))
		extra = []string{"--postgres-url", pgURL}
	}
	p2, err := launch(t, old, time.Minute, again, extra...)
	if err != nil {
		t.Fatal(err)
	}
	for path, d := range compareAnswers(p2.addr, answers) {
		t.Errorf("the old agora answers GET %s differently after a restart: %v", path, d)
	}
	t.Logf("%s: %d answers recorded; fixture files:", backend, len(answers))
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		info, _ := e.Info()
		t.Logf("  %s: %d bytes", filepath.Join(out, e.Name()), info.Size())
	}
}

// fixtureSchemaURL makes the schema upgradeSchema afresh in the database
// at base (dropped when the test ends) and returns base with it as the
// search path.
func fixtureSchemaURL(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA IF EXISTS ` + upgradeSchema + ` CASCADE`)
		admin.Close()
	})
	for _, q := range []string{`DROP SCHEMA IF EXISTS ` + upgradeSchema + ` CASCADE`, `CREATE SCHEMA ` + upgradeSchema} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", upgradeSchema)
	u.RawQuery = q.Encode()
	return u.String()
}

// settle waits until the store is quiet — no outbox row waiting and every
// request answering the same twice in a row, a second apart (the search
// index and the read models caught up) — and returns the answers.
func settle(t *testing.T, p *proc, reqs []upgradeAnswer) []upgradeAnswer {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var prev []upgradeAnswer
	for {
		status, metrics, err := shop(p.addr, "GET", "/metrics", "", false)
		if err != nil || status != 200 {
			t.Fatalf("metrics: %d %v", status, err)
		}
		quiet := true
		for _, line := range strings.Split(string(metrics), "\n") {
			if strings.HasPrefix(line, "agora_outbox_pending{") && !strings.HasSuffix(line, " 0") {
				quiet = false
			}
		}
		var cur []upgradeAnswer
		if quiet {
			cur = recordAnswers(t, p.addr, reqs)
			if prev != nil && len(compareRecorded(prev, cur)) == 0 {
				return cur
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not settle in 2 minutes: %v", compareRecorded(prev, cur))
		}
		prev = cur
		time.Sleep(time.Second)
	}
}

// recordAnswers sends every request and keeps its status and JSON body.
func recordAnswers(t *testing.T, addr string, reqs []upgradeAnswer) []upgradeAnswer {
	t.Helper()
	out := make([]upgradeAnswer, len(reqs))
	for i, r := range reqs {
		status, body, err := upgradeGet(addr, r.Path, r.Auth)
		if err != nil {
			t.Fatalf("GET %s: %v", r.Path, err)
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, body, "", "  "); err != nil {
			t.Fatalf("GET %s: the answer is not JSON: %v\n%.300s", r.Path, err, body)
		}
		out[i] = upgradeAnswer{Path: r.Path, Auth: r.Auth, Status: status, Body: ind.Bytes()}
	}
	return out
}

// compareRecorded names the answers of a that differ in b.
func compareRecorded(a, b []upgradeAnswer) []string {
	if len(a) != len(b) {
		return []string{"different numbers of answers"}
	}
	var diffs []string
	for i := range a {
		if a[i].Status != b[i].Status {
			diffs = append(diffs, fmt.Sprintf("%s: status %d, then %d", a[i].Path, a[i].Status, b[i].Status))
			continue
		}
		for _, d := range jsonDiff(a[i].Body, b[i].Body) {
			diffs = append(diffs, a[i].Path+": "+d)
		}
	}
	return diffs
}

// tarData is a tar archive of the files under dir.
func tarData(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeGzip writes b gzipped to path.
func writeGzip(t *testing.T, path string, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The scenario.

const (
	upgradeSeed       = "20261126"
	upgradeCustomer   = "ada.lovelace@example.com"
	upgradePassword   = "analytical-engine-1843"
	upgradeGuestEmail = "grace@example.com"
)

// seededProduct is what the scenario reads of a product.
type seededProduct struct {
	ID           string            `json:"id"`
	Handle       string            `json:"handle"`
	Status       string            `json:"status"`
	CategoryIDs  []string          `json:"category_ids"`
	Attributes   map[string]string `json:"attributes"`
	Translations map[string]any    `json:"translations"`
	Variants     []struct {
		ID     string `json:"id"`
		SKU    string `json:"sku"`
		Prices []struct {
			Amount   int64  `json:"amount"`
			Currency string `json:"currency"`
		} `json:"prices"`
	} `json:"variants"`
}

// stocked reports whether the i-th product in handle order has stock.
func stocked(i int) bool { return i%6 == 0 }

// fixtureStock is the stock of a stocked SKU: 0 to 40, about one in ten sold
// out.
func fixtureStock(sku string) int64 {
	h := fnv.New32a()
	h.Write([]byte(sku))
	if n := int64(h.Sum32() % 41); n >= 4 {
		return n
	}
	return 0
}

// upgradeScenario fills the store of p through its API as a shop would:
// a seeded catalog of 1,000 products with stock for a sixth of them, tax
// regions, shipping zones, price lists, a customer in a group, admin
// keys, a role, a staff member, search rules and settings, a collection, a
// deleted product, and orders placed through carts and checkouts, then
// captured, refunded, canceled and fulfilled. It returns what the upgrade
// test needs and the requests whose answers are recorded.
func upgradeScenario(t *testing.T, old string, p *proc) (upgradeFacts, []upgradeAnswer) {
	t.Helper()
	addr := p.addr
	seed := exec.Command(old, "seed", "--products", "1000", "--categories", "60", "--seed", upgradeSeed, "--target", "http://"+addr)
	seed.Env = append(os.Environ(), "AGORA_ADMIN_KEY="+adminKey)
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, tail(string(out), 10))
	}

	var products []seededProduct
	for cursor := ""; ; {
		var page struct {
			Data       []seededProduct `json:"data"`
			NextCursor *string         `json:"next_cursor"`
		}
		mustShop(t, addr, "GET", "/admin/products?limit=100&cursor="+url.QueryEscape(cursor), "", 200, &page)
		products = append(products, page.Data...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(products) != 1000 {
		t.Fatalf("%d products after the seed, want 1000", len(products))
	}
	slices.SortFunc(products, func(a, b seededProduct) int { return strings.Compare(a.Handle, b.Handle) })

	// Stock for the SKUs of every sixth product (in handle order), eight
	// requests at a time; the others are not tracked by inventory, so
	// they cannot be bought. Stock for all 6,000 SKUs would double the
	// fixture's size (ledger, audit log, events) and test nothing more.
	skus := make(chan string)
	var wg sync.WaitGroup
	var stockErr sync.Once
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sku := range skus {
				status, body, err := shop(addr, "PUT", "/admin/inventory/"+url.PathEscape(sku), fmt.Sprintf(`{"on_hand":%d}`, fixtureStock(sku)), true)
				if err != nil || status != 200 {
					stockErr.Do(func() { t.Errorf("stock %s: %d %v %s", sku, status, err, body) })
				}
			}
		}()
	}
	for i, pr := range products {
		if stocked(i) {
			for _, v := range pr.Variants {
				skus <- v.SKU
			}
		}
	}
	close(skus)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// The products the orders buy: published, with a USD, EUR and GBP
	// price and at least 10 units, taken in handle order.
	type pick struct {
		product seededProduct
		sku     string
		variant string
	}
	var picks []pick
	for i, pr := range products {
		if !stocked(i) || pr.Status != "published" || len(picks) == 8 {
			continue
		}
		v := pr.Variants[0]
		cur := map[string]bool{}
		for _, pc := range v.Prices {
			cur[pc.Currency] = true
		}
		if cur["USD"] && cur["EUR"] && cur["GBP"] && fixtureStock(v.SKU) >= 10 {
			picks = append(picks, pick{pr, v.SKU, v.ID})
		}
	}
	if len(picks) < 8 {
		t.Fatalf("only %d products fit the orders", len(picks))
	}
	// Carts price through pricing's read model of the catalog.
	for _, pk := range picks {
		waitAddable(t, p, pk.sku, 30*time.Second)
	}

	// Tax, shipping, customer groups and price lists.
	mustShop(t, addr, "POST", "/admin/tax/classes", `{"code":"reduced","name":"Reduced rate"}`, 201, nil)
	var deRegion, nyRegion struct {
		ID string `json:"id"`
	}
	mustShop(t, addr, "POST", "/admin/tax/regions", `{"country":"DE","name":"Germany","rates":[{"tax_class":"standard","rate":"19"},{"tax_class":"reduced","rate":"7"}]}`, 201, &deRegion)
	mustShop(t, addr, "POST", "/admin/tax/regions", `{"country":"US","subdivision":"US-NY","name":"New York","rates":[{"tax_class":"standard","rate":"8.875"}]}`, 201, &nyRegion)
	var euZone, usZone, standard struct {
		ID string `json:"id"`
	}
	mustShop(t, addr, "POST", "/admin/shipping/zones", `{"name":"EU","countries":["DE","FR","NL"]}`, 201, &euZone)
	mustShop(t, addr, "POST", "/admin/shipping/zones", `{"name":"United States","countries":["US"]}`, 201, &usZone)
	mustShop(t, addr, "POST", "/admin/shipping/options", fmt.Sprintf(`{"zone_id":%q,"name":"Standard","currency":"EUR","rate":{"kind":"flat","amount":495}}`, euZone.ID), 201, &standard)
	mustShop(t, addr, "POST", "/admin/shipping/options", fmt.Sprintf(`{"zone_id":%q,"name":"Express","currency":"EUR","rate":{"kind":"weight","brackets":[{"up_to_grams":2000,"amount":990},{"up_to_grams":20000,"amount":1990}]}}`, euZone.ID), 201, nil)
	mustShop(t, addr, "POST", "/admin/shipping/options", fmt.Sprintf(`{"zone_id":%q,"name":"Ground","currency":"USD","rate":{"kind":"free_over","amount":700,"threshold":10000}}`, usZone.ID), 201, nil)
	mustShop(t, addr, "POST", "/admin/customer-groups", `{"code":"vip","name":"VIP"}`, 201, nil)
	var vipList, saleList struct {
		ID string `json:"id"`
	}
	mustShop(t, addr, "POST", "/admin/price-lists", fmt.Sprintf(`{"name":"VIP","currency":"USD","customer_group":"vip","priority":5,"prices":[{"variant_id":%q,"amount":999},{"variant_id":%q,"amount":1499}]}`, picks[4].variant, picks[5].variant), 201, &vipList)
	mustShop(t, addr, "POST", "/admin/price-lists", fmt.Sprintf(`{"name":"Long sale","currency":"EUR","starts_at":"2026-01-01T00:00:00Z","ends_at":"2100-01-01T00:00:00Z","prices":[{"variant_id":%q,"amount":1990},{"variant_id":%q,"amount":2990}]}`, picks[3].variant, picks[6].variant), 201, &saleList)

	// Admin keys, a role, a staff member, a publishable key.
	mustShop(t, addr, "POST", "/admin/roles", `{"name":"fulfilment","description":"Ships orders","permissions":["orders:read","orders:write","inventory:read"]}`, 201, nil)
	mustShop(t, addr, "POST", "/admin/api-keys", `{"role":"catalog_manager","name":"catalog feed"}`, 201, nil)
	mustShop(t, addr, "POST", "/admin/api-keys", `{"role":"fulfilment","name":"warehouse"}`, 201, nil)
	mustShop(t, addr, "POST", "/admin/staff", `{"email":"sam@example.com","name":"Sam","role":"support","password":"support-password-1234"}`, 201, nil)
	mustShop(t, addr, "POST", "/admin/publishable-keys", `{"channel":"web","name":"storefront"}`, 201, nil)

	// Catalog changes after the seed: a collection, a product moved into
	// it, a deleted product; search rules and settings.
	var coll struct {
		ID string `json:"id"`
	}
	mustShop(t, addr, "POST", "/admin/collections", `{"title":"Editors' picks","handle":"editors-picks","description":"Chosen by us"}`, 201, &coll)
	mustShop(t, addr, "PATCH", "/admin/products/"+picks[0].product.ID, fmt.Sprintf(`{"collection_ids":[%q]}`, coll.ID), 200, nil)
	deleted := products[len(products)-1]
	mustShop(t, addr, "DELETE", "/admin/products/"+deleted.ID, "", 204, nil)
	word := strings.Split(picks[1].product.Handle, "-")[0]
	mustShop(t, addr, "PUT", "/admin/search/rules", fmt.Sprintf(`{"query":%q,"pin":[%q]}`, word, picks[2].product.ID), 200, nil)
	mustShop(t, addr, "PUT", "/admin/search/settings/en", fmt.Sprintf(`{"synonyms":[{"terms":["zyzzyva",%q]}],"stop_words":["the"]}`, word), 200, nil)

	// A customer in the VIP group with a saved address.
	var cust struct {
		ID string `json:"id"`
	}
	mustShop(t, addr, "POST", "/store/customers", fmt.Sprintf(`{"email":%q,"password":%q,"first_name":"Ada","last_name":"Lovelace"}`, upgradeCustomer, upgradePassword), 201, &cust)
	mustShop(t, addr, "PUT", "/admin/customers/"+cust.ID+"/groups", `{"groups":["vip"]}`, 200, nil)
	session := login(t, addr, upgradeCustomer, upgradePassword)
	mustBuyer(t, addr, session, "POST", "/store/customers/me/addresses", `{"name":"Ada Lovelace","line1":"12 St James's Square","city":"Berlin","postal_code":"10117","country":"DE","default":true}`, 201, nil)

	// Orders.
	us := `{"name":"Grace Hopper","line1":"1 Main St","city":"New York","postal_code":"10001","country":"US","subdivision":"NY"}`
	de := `{"name":"Ada Lovelace","line1":"Unter den Linden 1","city":"Berlin","postal_code":"10117","country":"DE"}`
	gb := `{"name":"Alan Turing","line1":"1 King's Parade","city":"Cambridge","postal_code":"CB2 1TN","country":"GB"}`
	type line struct {
		sku string
		qty int
	}
	checkout := func(key, token, currency, email, address, card string, lines []line, shipping bool, want int) upgradeCheckout {
		t.Helper()
		var c struct {
			ID string `json:"id"`
		}
		mustBuyer(t, addr, token, "POST", "/store/carts", fmt.Sprintf(`{"currency":%q}`, currency), 201, &c)
		for _, l := range lines {
			mustBuyer(t, addr, token, "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":%d}`, l.sku, l.qty), 200, nil)
		}
		if shipping {
			mustShop(t, addr, "POST", "/admin/carts/"+c.ID+"/shipping-method", fmt.Sprintf(`{"option_id":%q,"name":"Standard","amount":{"amount":495,"currency":"EUR"}}`, standard.ID), 200, nil)
		}
		body := fmt.Sprintf(`{"email":%q,"shipping_address":%s,"payment":{"provider":"test","token":%q}}`, email, address, card)
		hdr := []string{"Idempotency-Key", key}
		if token != "" {
			hdr = append(hdr, "Authorization", "Bearer "+token)
		}
		status, b, err := shop(addr, "POST", "/store/carts/"+c.ID+"/checkout", body, false, hdr...)
		if err != nil || status != want {
			t.Fatalf("checkout %s: %d %v %s", key, status, err, b)
		}
		var r upgradeCheckout
		_ = json.Unmarshal(b, &r)
		return r
	}
	o1 := checkout("upgrade-1", "", "USD", upgradeGuestEmail, us, "tok_visa", []line{{picks[0].sku, 2}, {picks[1].sku, 1}}, false, 201)
	o2 := checkout("upgrade-2", "", "USD", upgradeGuestEmail, us, "tok_visa", []line{{picks[1].sku, 1}}, false, 201)
	o3 := checkout("upgrade-3", "", "USD", upgradeGuestEmail, us, "tok_visa", []line{{picks[2].sku, 3}}, false, 201)
	o4 := checkout("upgrade-4", session, "EUR", upgradeCustomer, de, "tok_visa", []line{{picks[3].sku, 1}, {picks[6].sku, 2}}, true, 201)
	o5 := checkout("upgrade-5", session, "USD", upgradeCustomer, us, "tok_visa", []line{{picks[4].sku, 1}, {picks[5].sku, 1}}, false, 201)
	o6 := checkout("upgrade-6", "", "GBP", "alan@example.com", gb, "tok_visa", []line{{picks[7].sku, 2}}, false, 201)
	checkout("upgrade-7", "", "USD", upgradeGuestEmail, us, "tok_declined", []line{{picks[0].sku, 1}}, false, 402)

	mustShop(t, addr, "POST", "/admin/orders/"+o1.Order.ID+"/capture", "", 200, nil)
	mustShop(t, addr, "POST", "/admin/orders/"+o2.Order.ID+"/capture", "", 200, nil)
	refund(t, addr, o2.Order.ID, "upgrade-refund-2a", 1000)
	refund(t, addr, o2.Order.ID, "upgrade-refund-2b", o2.Order.Totals.Total.Amount-1000)
	mustShop(t, addr, "POST", "/admin/orders/"+o3.Order.ID+"/cancel", "", 200, nil)
	mustShop(t, addr, "POST", "/admin/orders/"+o4.Order.ID+"/capture", "", 200, nil)
	fulfil(t, addr, o4.Order, -1, "DHL", "JJD0001")
	mustShop(t, addr, "POST", "/admin/orders/"+o6.Order.ID+"/capture", "", 200, nil)
	fulfil(t, addr, o6.Order, 1, "Royal Mail", "RM0002")
	refund(t, addr, o6.Order.ID, "upgrade-refund-6", 500)

	orders := []upgradeCheckout{o1, o2, o3, o4, o5, o6}
	facts := upgradeFacts{SKU: picks[0].sku, AuthorizedOrder: o5.Order.ID, CustomerID: cust.ID,
		CustomerEmail: upgradeCustomer, CustomerPassword: upgradePassword}
	for _, o := range orders {
		facts.Orders = append(facts.Orders, o.Order.ID)
	}

	// The requests whose answers are recorded. None reads a cart or a
	// customer session: they expire with time (a cart 30 days after its
	// last change), so their answers would change with the day the test
	// runs. The writes after the upgrade log the customer in afresh.
	var reqs []upgradeAnswer
	get := func(auth, format string, a ...any) {
		reqs = append(reqs, upgradeAnswer{Path: fmt.Sprintf(format, a...), Auth: auth})
	}
	var first struct {
		NextCursor *string `json:"next_cursor"`
	}
	status, b, err := upgradeGet(addr, "/store/products?currency=USD&limit=12", "")
	if err != nil || status != 200 || json.Unmarshal(b, &first) != nil || first.NextCursor == nil {
		t.Fatalf("store listing: %d %v %.300s", status, err, b)
	}
	get("", "/store/products?currency=USD&limit=12")
	get("", "/store/products?currency=USD&limit=12&cursor=%s", url.QueryEscape(*first.NextCursor))
	get("", "/store/products?currency=JPY&limit=10")
	var cats []struct {
		ID       string `json:"id"`
		Handle   string `json:"handle"`
		ParentID string `json:"parent_id"`
	}
	var catPage struct {
		Data []json.RawMessage `json:"data"`
	}
	mustShop(t, addr, "GET", "/admin/categories?limit=100", "", 200, &catPage)
	for _, raw := range catPage.Data {
		var c struct {
			ID       string `json:"id"`
			Handle   string `json:"handle"`
			ParentID string `json:"parent_id"`
		}
		_ = json.Unmarshal(raw, &c)
		cats = append(cats, c)
	}
	leaf := picks[0].product.CategoryIDs[0]
	for _, c := range cats {
		if c.ParentID == "" {
			get("", "/store/products?currency=GBP&limit=10&category=%s", c.Handle) // a department: its sub-trees
			get("admin", "/admin/categories/%s", c.ID)
			break
		}
	}
	get("", "/store/products?currency=EUR&limit=10&category=%s", leaf)
	get("", "/store/products?currency=EUR&locale=de&limit=10")
	get("", "/store/categories")
	get("", "/store/categories?locale=fr")
	for i, pk := range picks {
		get("", "/store/products/%s?currency=USD", pk.product.Handle)
		if i%2 == 0 {
			get("", "/store/products/%s?currency=EUR", pk.product.ID)
		}
		get("admin", "/admin/products/%s", pk.product.ID)
	}
	var translated, draft *seededProduct
	for i := range products {
		pr := &products[i]
		if translated == nil && pr.Status == "published" && len(pr.Translations) > 0 {
			translated = pr
		}
		if draft == nil && pr.Status == "draft" {
			draft = pr
		}
	}
	if translated == nil || draft == nil {
		t.Fatal("the seed made no translated or no draft product")
	}
	get("", "/store/products/%s?currency=EUR&locale=de", translated.Handle)
	get("", "/store/products/%s?currency=GBP&locale=fr", translated.ID)
	get("", "/store/products/%s?currency=USD", draft.Handle)   // 404
	get("", "/store/products/%s?currency=USD", deleted.Handle) // 404
	get("admin", "/admin/products/%s", deleted.ID)
	get("", "/store/products/no-such-product?currency=USD")
	get("", "/store/products?currency=USD&limit=0") // 400
	get("admin", "/admin/products?limit=10")
	get("admin", "/admin/products?status=draft&limit=5")
	get("admin", "/admin/products?deleted=true")
	get("admin", "/admin/products?sku=%s", url.QueryEscape(picks[1].sku))
	get("admin", "/admin/categories?limit=100")
	get("admin", "/admin/collections")
	get("admin", "/admin/collections/%s", coll.ID)
	get("", "/admin/products?limit=1") // 401

	// Search.
	brand := picks[0].product.Attributes["brand"]
	get("", "/store/search?q=%s&currency=USD&facets=category,price,attributes.brand", url.QueryEscape(word))
	get("", "/store/search?q=%s&currency=EUR&limit=50", url.QueryEscape(typo(word)))
	get("", "/store/search?q=%s&currency=USD", url.QueryEscape(strings.ToLower(brand)))
	get("", "/store/search?q=zyzzyva&currency=USD") // a synonym
	get("", "/store/search?currency=USD&sort=price_asc&available=true&limit=50")
	get("", "/store/search?currency=GBP&sort=newest&limit=30")
	get("", "/store/search?currency=USD&sort=price_desc&category=%s&facets=price", leaf)
	get("", "/store/search?currency=USD&attributes.brand=%s&facets=attributes.material", url.QueryEscape(brand))
	get("", "/store/search?currency=EUR&price_min=1000&price_max=5000&limit=40")
	get("", "/store/search?q=%s&currency=EUR&locale=de", url.QueryEscape(word))
	get("", "/store/search/suggest?q=%s", url.QueryEscape(word[:3]))
	get("admin", "/admin/search/rules")
	get("admin", "/admin/search/settings/en")

	// Orders, payments, stock.
	get("admin", "/admin/orders?limit=100")
	for _, s := range []string{"authorized", "paid", "fulfilled", "partially_fulfilled", "canceled", "refunded"} {
		get("admin", "/admin/orders?status=%s", s)
	}
	get("admin", "/admin/orders?customer_id=%s", cust.ID)
	for _, o := range orders {
		get("admin", "/admin/orders/%s", o.Order.ID)
		get("admin", "/admin/payments/%s", o.Order.PaymentID)
		get("admin", "/admin/inventory/reservations/%s", o.Order.ReservationID)
		if o.AccessToken != "" && o.Order.CustomerID == "" {
			get(o.AccessToken, "/store/orders/%s", o.Order.ID)
		}
	}
	get("admin", "/admin/orders/ord_01JZZZZZZZZZZZZZZZZZZZZZZZ") // 404
	for _, pk := range picks {
		get("admin", "/admin/inventory/%s", url.PathEscape(pk.sku))
		get("admin", "/admin/inventory/ledger/%s?limit=100", url.PathEscape(pk.sku))
	}
	for i, pr := range products {
		if stocked(i) && pr.Status == "published" && fixtureStock(pr.Variants[0].SKU) == 0 {
			get("admin", "/admin/inventory/%s", url.PathEscape(pr.Variants[0].SKU))
			get("", "/store/products/%s?currency=USD", pr.Handle) // sold out
			break
		}
	}
	get("admin", "/admin/inventory/locations")
	get("admin", "/admin/inventory/reconcile")

	// Customers, pricing, tax, shipping.
	get("admin", "/admin/customers")
	get("admin", "/admin/customers?group=vip")
	get("admin", "/admin/customers/%s", cust.ID)
	get("admin", "/admin/customer-groups")
	get("admin", "/admin/price-lists")
	get("admin", "/admin/price-lists/%s", vipList.ID)
	get("admin", "/admin/price-lists/%s/prices", saleList.ID)
	get("admin", "/admin/tax/classes")
	get("admin", "/admin/tax/regions")
	get("admin", "/admin/tax/regions/%s", nyRegion.ID)
	get("admin", "/admin/shipping/zones")
	get("admin", "/admin/shipping/zones/%s", euZone.ID)
	get("admin", "/admin/shipping/options")
	get("admin", "/admin/shipping/options/%s", standard.ID)
	get("", "/store/shipping-options?country=DE&currency=EUR&subtotal=4200&weight_grams=1800")
	get("", "/store/shipping-options?country=US&currency=USD&subtotal=12000")

	// Access: keys, roles, staff, audit.
	get("admin", "/admin/api-keys")
	get("admin", "/admin/roles")
	get("admin", "/admin/roles/fulfilment")
	get("admin", "/admin/permissions")
	get("admin", "/admin/staff")
	get("admin", "/admin/publishable-keys")
	get("admin", "/admin/audit-log?limit=40")
	get("admin", "/admin/audit-log?resource_type=orders&limit=100")
	return facts, reqs
}

// upgradeOrder is what the scenario reads of an order.
type upgradeOrder struct {
	ID            string `json:"id"`
	CustomerID    string `json:"customer_id"`
	PaymentID     string `json:"payment_id"`
	ReservationID string `json:"reservation_id"`
	Items         []struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	} `json:"items"`
	Totals struct {
		Total struct {
			Amount int64 `json:"amount"`
		} `json:"total"`
	} `json:"totals"`
}

// upgradeCheckout is the answer of a checkout.
type upgradeCheckout struct {
	Order       upgradeOrder `json:"order"`
	AccessToken string       `json:"access_token"`
}

// typo swaps the second and third letters of w.
func typo(w string) string {
	if len(w) < 4 {
		return w
	}
	b := []byte(w)
	b[1], b[2] = b[2], b[1]
	return string(b)
}

func refund(t *testing.T, addr, id, key string, amount int64) {
	t.Helper()
	status, b, err := shop(addr, "POST", "/admin/orders/"+id+"/refunds", fmt.Sprintf(`{"amount":%d}`, amount), true, "Idempotency-Key", key)
	if err != nil || status != 200 && status != 201 {
		t.Fatalf("refund %s: %d %v %s", id, status, err, b)
	}
}

// fulfil ships qty units of the first line of o, or every line in full
// when qty < 0.
func fulfil(t *testing.T, addr string, o upgradeOrder, qty int64, carrier, tracking string) {
	t.Helper()
	var items []string
	for i, it := range o.Items {
		n := it.Quantity
		if qty >= 0 {
			if i > 0 {
				break
			}
			n = qty
		}
		items = append(items, fmt.Sprintf(`{"item_id":%q,"quantity":%d}`, it.ID, n))
	}
	body := fmt.Sprintf(`{"items":[%s],"carrier":%q,"tracking_number":%q}`, strings.Join(items, ","), carrier, tracking)
	status, b, err := shop(addr, "POST", "/admin/orders/"+o.ID+"/fulfillments", body, true)
	if err != nil || status != 200 && status != 201 {
		t.Fatalf("fulfil %s: %d %v %s", o.ID, status, err, b)
	}
}

// login opens a customer session and returns its token.
func login(t *testing.T, addr, email, password string) string {
	t.Helper()
	var s struct {
		Token string `json:"token"`
	}
	mustBuyer(t, addr, "", "POST", "/store/sessions", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password), 201, &s)
	return s.Token
}

// mustBuyer is mustShop as a shopper: with a customer session token, or
// as a guest when token is empty.
func mustBuyer(t *testing.T, addr, token, method, path, body string, want int, out any) {
	t.Helper()
	var hdr []string
	if token != "" {
		hdr = []string{"Authorization", "Bearer " + token}
	}
	status, b, err := shop(addr, method, path, body, false, hdr...)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v %s", method, path, status, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}
