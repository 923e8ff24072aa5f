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
