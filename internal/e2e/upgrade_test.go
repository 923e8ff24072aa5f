package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"

	"github.com/agoracommerce/agora/platform/sqldb"
	"github.com/agoracommerce/agora/platform/sqldb/sqldbtest"
)

// upgradeCommit is the commit whose agora made the fixtures in
// testdata/upgrade: the last one before the modules were reshaped (wiring
// in <module>/<module>mod, the audit triggers a migration, the order's
// payment operation a column).
const upgradeCommit = "17b5f9db882e69103572e6e802d6677e227d7f88"

// upgradeSchema is the PostgreSQL schema the fixture was made in; the
// test restores the dump under a fresh name.
const upgradeSchema = "agora_upgrade_fixture"

// upgradeRequestID is sent as X-Request-Id with every recorded request,
// so that the request id, which error answers carry, is the same in
// every run. It is the only field of the recorded answers that changes
// per request; with it pinned, no field is ignored when answers are
// compared, and every timestamp must match to the microsecond.
const upgradeRequestID = "upgrade-fixture"

// upgradeAnswers is answers.json of a fixture: what the old code answered
// on the stored data.
type upgradeAnswers struct {
	Commit  string          `json:"commit"`
	Backend string          `json:"backend"`
	Facts   upgradeFacts    `json:"facts"`
	Answers []upgradeAnswer `json:"answers"`
}

// upgradeFacts are what the writes after the upgrade need.
type upgradeFacts struct {
	// SKU is in stock and priced in USD.
	SKU string `json:"sku"`
	// AuthorizedOrder is an order of the customer left authorized.
	AuthorizedOrder  string   `json:"authorized_order"`
	CustomerID       string   `json:"customer_id"`
	CustomerEmail    string   `json:"customer_email"`
	CustomerPassword string   `json:"customer_password"`
	Orders           []string `json:"orders"`
}

// upgradeAnswer is one recorded GET.
type upgradeAnswer struct {
	Path string `json:"path"`
	// Auth is "admin" (the owner key), an order's access token, or empty.
	Auth   string          `json:"auth,omitempty"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// upgradeChanges are the answers the current code gives differently from
// the code of upgradeCommit on purpose: the recorded request's path and
// the change (its commit subject) that explains the difference. Every
// other difference fails the test, and so does an entry whose answer no
// longer differs. None so far: the reshaping since upgradeCommit changed
// no recorded answer.
var upgradeChanges = map[string]string{}

// TestUpgrade starts the current agora on a store made by the agora of
// upgradeCommit (testdata/upgrade, made by TestMakeUpgradeFixtures: a
// seeded catalog of 1,000 products with stock, price lists, tax, shipping,
// a customer, keys and roles, and orders captured, refunded, canceled and
// fulfilled). The migrations upgrade it in place; every recorded GET
// answers the same status and the same JSON, stored timestamps included;
// then writes of every kind work on the upgraded store. SQLite always;
// PostgreSQL (the dump restored into a fresh schema) when
// AGORA_TEST_POSTGRES_URL is set.
func TestUpgrade(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			bin := binary(t)
			dir := filepath.Join("testdata", "upgrade", backend)
			var fx upgradeAnswers
			b, err := os.ReadFile(filepath.Join(dir, "answers.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &fx); err != nil {
				t.Fatal(err)
			}
			var extra []string
			var dbConfig sqldb.Config // of the audit log's database
			if backend == "postgres" {
				base := os.Getenv(sqldbtest.PostgresEnv)
				if base == "" {
					t.Skipf("set %s to upgrade the PostgreSQL fixture", sqldbtest.PostgresEnv)
				}
				pgURL := sqldbtest.SchemaURL(t, base) // dropped at the end
				restoreDump(t, pgURL, filepath.Join(dir, "dump.sql.gz"))
				extra = []string{"--postgres-url", pgURL}
				dbConfig.PostgresURL = pgURL
			}
			data := t.TempDir()
			untarData(t, readCompressed(t, filepath.Join(dir, "data.tar.zst")), data)
			if backend == "sqlite" {
				dbConfig.Path, dbConfig.BusyTimeout = filepath.Join(data, "platform.db"), 10*time.Second
			}

			began := time.Now()
			p, err := launch(t, bin, time.Minute, data, extra...)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("the current agora migrated and started in %v", time.Since(began).Round(time.Millisecond))
			diffs := compareAnswers(p.addr, fx.Answers)
			for path, why := range upgradeChanges {
				if len(diffs[path]) == 0 {
					t.Errorf("GET %s answers as recorded: remove it from upgradeChanges (%s)", path, why)
				}
			}
			for _, a := range fx.Answers {
				for _, d := range diffs[a.Path] {
					if why, ok := upgradeChanges[a.Path]; ok {
						t.Logf("GET %s: %s (expected: %s)", a.Path, d, why)
					} else {
						t.Errorf("GET %s: %s", a.Path, d)
					}
				}
			}
			t.Logf("%d recorded answers compared, %d differ", len(fx.Answers), len(diffs))
			upgradeWrites(t, p, fx.Facts, openDB(t, dbConfig))
			if t.Failed() {
				t.Logf("agora:\n%s", tail(logOf(p), 40))
			}
		})
	}
}

// upgradeWrites proves the upgraded store takes writes: a capture and a
// refund of an order placed before the upgrade, a new checkout of a
// seeded SKU captured and refunded, a customer login reading their old
// orders, a new product that search indexes, a ledger that reconciles,
// and an audit log that still refuses changes.
func upgradeWrites(t *testing.T, p *proc, f upgradeFacts, auditDB *sqldb.DB) {
	t.Helper()
	addr := p.addr
	type order struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Refunded struct {
			Amount int64 `json:"amount"`
		} `json:"refunded"`
		Totals struct {
			Total struct {
				Amount int64 `json:"amount"`
			} `json:"total"`
		} `json:"totals"`
	}

	// The order left authorized by the old code.
	var o order
	mustShop(t, addr, "POST", "/admin/orders/"+f.AuthorizedOrder+"/capture", "", 200, &o)
	if o.Status != "paid" {
		t.Errorf("capture of an old order: %s, want paid", o.Status)
	}
	refund(t, addr, f.AuthorizedOrder, "after-upgrade-1", 100)
	mustShop(t, addr, "GET", "/admin/orders/"+f.AuthorizedOrder, "", 200, &o)
	if o.Status != "paid" || o.Refunded.Amount != 100 {
		t.Errorf("old order after a refund of 100: %+v", o)
	}

	// A new checkout of a seeded SKU, captured and refunded in full.
	var before totals
	mustShop(t, addr, "GET", "/admin/inventory/"+url.PathEscape(f.SKU), "", 200, &before)
	var c struct {
		ID string `json:"id"`
	}
	mustShop(t, addr, "POST", "/store/carts", `{"currency":"USD"}`, 201, &c)
	mustBuyer(t, addr, "", "POST", "/store/carts/"+c.ID+"/items", fmt.Sprintf(`{"sku":%q,"quantity":1}`, f.SKU), 200, nil)
	status, b, err := shop(addr, "POST", "/store/carts/"+c.ID+"/checkout", fmt.Sprintf(checkoutBody, "tok_visa"), false, "Idempotency-Key", "after-upgrade-checkout")
	if err != nil || status != 201 {
		t.Fatalf("checkout after the upgrade: %d %v %s", status, err, b)
	}
	var r struct {
		Order order `json:"order"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	mustShop(t, addr, "POST", "/admin/orders/"+r.Order.ID+"/capture", "", 200, nil)
	refund(t, addr, r.Order.ID, "after-upgrade-2", r.Order.Totals.Total.Amount)
	mustShop(t, addr, "GET", "/admin/orders/"+r.Order.ID, "", 200, &o)
	if o.Status != "refunded" {
		t.Errorf("new order after a full refund: %s, want refunded", o.Status)
	}
	var after totals
	mustShop(t, addr, "GET", "/admin/inventory/"+url.PathEscape(f.SKU), "", 200, &after)
	if after.Totals.Committed != before.Totals.Committed+1 || after.Totals.OnHand != before.Totals.OnHand-1 {
		t.Errorf("stock of %s: %+v before the checkout, %+v after", f.SKU, before.Totals, after.Totals)
	}

	// The customer logs in and reads their orders, old and new state.
	session := login(t, addr, f.CustomerEmail, f.CustomerPassword)
	var me struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	mustBuyer(t, addr, session, "GET", "/store/customers/me", "", 200, &me)
	if me.ID != f.CustomerID || me.Email != f.CustomerEmail {
		t.Errorf("the customer reads %+v", me)
	}
	var mine struct {
		Data []order `json:"data"`
	}
	mustBuyer(t, addr, session, "GET", "/store/customers/me/orders", "", 200, &mine)
	if !slices.ContainsFunc(mine.Data, func(o order) bool { return o.ID == f.AuthorizedOrder && o.Status == "paid" }) {
		t.Errorf("the customer's orders do not show %s paid: %+v", f.AuthorizedOrder, mine.Data)
	}

	// A new product reaches search through the events.
	if _, status, err := createProduct(addr, "after-upgrade-zebrawood"); err != nil || status != 201 {
		t.Fatalf("create a product: %d %v", status, err)
	}
	mustShop(t, addr, "PUT", "/admin/inventory/SKU-after-upgrade-zebrawood", `{"on_hand":5}`, 200, nil)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var res struct {
			Total int `json:"total"`
		}
		status, b, err := shop(addr, "GET", "/store/search?q=zebrawood&currency=USD", "", false)
		if err == nil && status == 200 && json.Unmarshal(b, &res) == nil && res.Total == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new product is not found by search: %d %v %s", status, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitAddable(t, p, "SKU-after-upgrade-zebrawood", 20*time.Second)
	mustReconcile(t, p)
	var list struct {
		Data []order `json:"data"`
	}
	mustShop(t, addr, "GET", "/admin/orders?limit=100", "", 200, &list)
	for _, id := range append(f.Orders, r.Order.ID) {
		if !slices.ContainsFunc(list.Data, func(o order) bool { return o.ID == id }) {
			t.Errorf("order %s is not listed", id)
		}
	}

	// The audit log recorded the writes and still refuses changes.
	var audit struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	mustShop(t, addr, "GET", "/admin/audit-log?limit=1", "", 200, &audit)
	if len(audit.Data) != 1 {
		t.Fatalf("audit log: %+v", audit)
	}
	for _, q := range []string{`UPDATE platform_audit_log SET actor = 'someone' WHERE id = ?`, `DELETE FROM platform_audit_log WHERE id = ?`} {
		if _, err := auditDB.ExecContext(t.Context(), q, audit.Data[0].ID); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("the upgraded audit log answered %q with %v, want it refused as append-only", q, err)
		}
	}
}

// upgradeGet sends a recorded request.
func upgradeGet(addr, path, auth string) (int, []byte, error) {
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Request-Id", upgradeRequestID)
	switch auth {
	case "":
	case "admin":
		req.Header.Set("Authorization", "Bearer "+adminKey)
	default:
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := shopClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// compareAnswers sends every recorded request to addr and describes, by
// path, where each answer differs from the recorded one: its status or
// its JSON body (headers such as ETag and Date are not compared).
func compareAnswers(addr string, answers []upgradeAnswer) map[string][]string {
	diffs := map[string][]string{}
	for _, a := range answers {
		status, body, err := upgradeGet(addr, a.Path, a.Auth)
		switch {
		case err != nil:
			diffs[a.Path] = append(diffs[a.Path], err.Error())
		case status != a.Status:
			diffs[a.Path] = append(diffs[a.Path], fmt.Sprintf("status %d, recorded %d: %.500s", status, a.Status, body))
		default:
			if d := jsonDiff(a.Body, body); len(d) > 0 {
				diffs[a.Path] = append(diffs[a.Path], d...)
			}
		}
	}
	return diffs
}

// jsonDiff describes where the JSON documents a and b differ, at most ten
// places; numbers are compared as written.
func jsonDiff(a, b []byte) []string {
	va, erra := decodeJSON(a)
	vb, errb := decodeJSON(b)
	if erra != nil || errb != nil {
		if bytes.Equal(a, b) {
			return nil
		}
		return []string{fmt.Sprintf("not JSON (%v, %v): %.200s", erra, errb, b)}
	}
	var out []string
	walkDiff("$", va, vb, &out)
	return out
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func walkDiff(path string, a, b any, out *[]string) {
	if len(*out) >= 10 {
		return
	}
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(a)+len(bm))
		for k := range a {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			av, ina := a[k]
			bv, inb := bm[k]
			switch {
			case !ina:
				*out = append(*out, fmt.Sprintf("%s.%s: new field %s", path, k, short(bv)))
			case !inb:
				*out = append(*out, fmt.Sprintf("%s.%s: field gone (was %s)", path, k, short(av)))
			default:
				walkDiff(path+"."+k, av, bv, out)
			}
		}
		return
	case []any:
		bs, ok := b.([]any)
		if !ok {
			break
		}
		if len(a) != len(bs) {
			*out = append(*out, fmt.Sprintf("%s: %d elements, recorded %d", path, len(bs), len(a)))
			return
		}
		for i := range a {
			walkDiff(fmt.Sprintf("%s[%d]", path, i), a[i], bs[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, fmt.Sprintf("%s: %s, recorded %s", path, short(b), short(a)))
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// openDB opens cfg for the test, closed when it ends.
func openDB(t *testing.T, cfg sqldb.Config) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// The fixtures' files.

var zstdEncoderOptions = []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithWindowSize(8 << 20)}

func writeCompressed(t *testing.T, path string, b []byte) {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstdEncoderOptions...)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, enc.EncodeAll(b, nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readCompressed(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out, err := dec.DecodeAll(b, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// untarData writes the directories and regular files of the tar archive
// into dir.
func untarData(t *testing.T, archive []byte, dir string) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(name, filepath.Clean(dir)+string(filepath.Separator)) {
			t.Fatalf("tar entry %q leaves the directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(name, 0o700); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, b, h.FileInfo().Mode().Perm()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// restoreDump runs the plain SQL dump at path, made by pg_dump of the
// schema upgradeSchema, in the schema that pgURL's search_path names
// (which exists and is empty), as psql would: COPY blocks go through the
// copy protocol, the SQL between them runs as simple-protocol batches.
func restoreDump(t *testing.T, pgURL, path string) {
	t.Helper()
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(dump), "CREATE SCHEMA "+upgradeSchema+";\n", "", 1)
	text = strings.ReplaceAll(text, upgradeSchema, schema)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var batch strings.Builder
	flush := func() {
		if strings.TrimSpace(batch.String()) == "" {
			return
		}
		if _, err := conn.PgConn().Exec(ctx, batch.String()).ReadAll(); err != nil {
			t.Fatalf("restore %s: %v", path, err)
		}
		batch.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, `\`) {
			continue // a psql meta-command (\restrict, \unrestrict)
		}
		if !strings.HasPrefix(line, "COPY ") || !strings.HasSuffix(line, " FROM stdin;") {
			batch.WriteString(line)
			batch.WriteByte('\n')
			continue
		}
		flush()
		var rows strings.Builder
		for sc.Scan() && sc.Text() != `\.` {
			rows.WriteString(sc.Text())
			rows.WriteByte('\n')
		}
		if _, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(rows.String()), strings.TrimSuffix(line, ";")); err != nil {
			t.Fatalf("restore %s: %s: %v", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
}
