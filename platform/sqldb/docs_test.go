package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/sqldb"
)

type testDoc struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tags    []string `json:"tags"`
	Version int64    `json:"version"`
}

var errNoDoc = errors.New("no such doc")

// docsFixture is a module with a table of testDocs (name is unique), the
// rows derived from their tags, and an outbox that records event ids. Its
// updates check the version when versioned (Save) and not otherwise
// (Update).
type docsFixture struct {
	db        *sqldb.DB
	docs      *sqldb.Docs[testDoc]
	module    string
	committed int
}

func newDocsFixture(t *testing.T, db *sqldb.DB, versioned bool) *docsFixture {
	t.Helper()
	f := &docsFixture{db: db, module: "m" + randomHex(t, 4)}
	m := f.module
	mustExec(t, db,
		"CREATE TABLE "+m+"_docs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, version BIGINT NOT NULL)",
		"CREATE TABLE "+m+"_tags (doc_id TEXT NOT NULL, tag TEXT NOT NULL)",
		"CREATE TABLE "+m+"_events (id TEXT PRIMARY KEY)")
	t.Cleanup(func() {
		for _, tb := range []string{"_docs", "_tags", "_events"} {
			_, _ = db.ExecContext(context.Background(), "DROP TABLE "+m+tb)
		}
	})
	update := "UPDATE " + m + "_docs SET name = ?, doc = ?, version = ? WHERE id = ?"
	if versioned {
		update += " AND version = ?"
	}
	ms := sqldb.NewModuleStore(db, m, nil, func() { f.committed++ })
	f.docs = sqldb.NewDocs(ms, sqldb.DocTable[testDoc]{
		Name:     m + "_docs",
		ID:       func(d testDoc) string { return d.ID },
		NotFound: func() error { return errNoDoc },
		Insert:   "INSERT INTO " + m + "_docs (id, name, doc, version) VALUES (?, ?, ?, ?)",
		InsertArgs: func(d testDoc, doc string) []any {
			return []any{d.ID, d.Name, doc, d.Version}
		},
		Update:     update,
		UpdateArgs: func(d testDoc, doc string) []any { return []any{d.Name, doc, d.Version, d.ID} },
		Derived: func(ctx context.Context, tx *sqldb.Tx, d testDoc) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+m+"_tags WHERE doc_id = ?", d.ID); err != nil {
				return err
			}
			rows := make([][]any, len(d.Tags))
			for i, tag := range d.Tags {
				rows[i] = []any{d.ID, tag}
			}
			return tx.InsertMany(ctx, "INSERT INTO "+m+"_tags (doc_id, tag)", rows)
		},
		Outbox: func(ctx context.Context, tx *sqldb.Tx, module string, events ...event.Event) error {
			if module != m {
				return fmt.Errorf("events of module %q, want %q", module, m)
			}
			for _, e := range events {
				if _, err := tx.ExecContext(ctx, "INSERT INTO "+m+"_events (id) VALUES (?)", e.ID); err != nil {
					return err
				}
			}
			return nil
		},
	})
	return f
}

func (f *docsFixture) events(t *testing.T) int { return count(t, f.db, f.module+"_events") }
func (f *docsFixture) tags(t *testing.T) int   { return count(t, f.db, f.module+"_tags") }

func evt(id string) []event.Event { return []event.Event{{ID: id}} }

// TestDocs: documents are written with their derived rows and their
// events in one transaction, and a failed write keeps none of them.
func TestDocs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		f := newDocsFixture(t, db, true)
		d := f.docs

		if _, err := d.Get(ctx, "a"); !errors.Is(err, errNoDoc) {
			t.Fatalf("Get of a missing doc: %v", err)
		}
		a := testDoc{ID: "a", Name: "alpha", Tags: []string{"x", "y"}, Version: 1}
		if err := d.Insert(ctx, a, evt("e1")); err != nil {
			t.Fatal(err)
		}
		if got, err := d.Get(ctx, "a"); err != nil || got.Name != "alpha" || !slices.Equal(got.Tags, a.Tags) {
			t.Fatalf("Get: %+v, %v", got, err)
		}
		if f.events(t) != 1 || f.tags(t) != 2 || f.committed != 1 {
			t.Fatalf("after Insert: %d events, %d tags, %d commits", f.events(t), f.tags(t), f.committed)
		}
		// A taken name: nothing of the insert is kept, not even its events.
		if err := d.Insert(ctx, testDoc{ID: "b", Name: "alpha", Tags: []string{"z"}, Version: 1}, evt("e2")); !errors.Is(err, sqldb.ErrUnique) {
			t.Fatalf("duplicate insert: %v", err)
		}
		if f.events(t) != 1 || f.tags(t) != 2 || f.committed != 1 {
			t.Fatalf("after a failed Insert: %d events, %d tags, %d commits", f.events(t), f.tags(t), f.committed)
		}

		// Save checks the version.
		a2 := a
		a2.Name, a2.Tags, a2.Version = "alpha2", []string{"x"}, 2
		if ok, err := d.Save(ctx, a2, 7, evt("e3")); ok || err != nil {
			t.Fatalf("Save over a wrong version: %v, %v", ok, err)
		}
		if f.events(t) != 1 {
			t.Fatal("a refused Save wrote its events")
		}
		if ok, err := d.Save(ctx, a2, 1, evt("e3")); !ok || err != nil {
			t.Fatalf("Save: %v, %v", ok, err)
		}
		if got, _ := d.Get(ctx, "a"); got.Name != "alpha2" || f.events(t) != 2 || f.tags(t) != 1 {
			t.Fatalf("after Save: %+v, %d events, %d tags", got, f.events(t), f.tags(t))
		}
		if ok, err := d.Save(ctx, testDoc{ID: "nope", Version: 2}, 1, evt("e4")); ok || err != nil {
			t.Fatalf("Save of a missing doc: %v, %v", ok, err)
		}
		err := d.Tx(ctx, func(tx *sqldb.Tx) ([]event.Event, error) {
			ok, err := d.SaveTx(ctx, tx, a2, 1) // version 2 now
			if ok || err != nil {
				return nil, fmt.Errorf("SaveTx over a wrong version: %v, %v", ok, err)
			}
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestDocsUpdateDelete: Update and Delete run their function on the
// locked document and write nothing when it fails.
func TestDocsUpdateDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		f := newDocsFixture(t, db, false)
		d := f.docs
		if err := d.Insert(ctx, testDoc{ID: "a", Name: "alpha", Tags: []string{"x"}, Version: 1}, nil); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if _, err := d.Update(ctx, "a", func(tx *sqldb.Tx, v *testDoc) ([]event.Event, error) {
			v.Name = "changed"
			return evt("e1"), boom
		}); !errors.Is(err, boom) {
			t.Fatalf("Update with a failing fn: %v", err)
		}
		if got, _ := d.Get(ctx, "a"); got.Name != "alpha" || f.events(t) != 0 {
			t.Fatalf("a failed Update wrote: %+v, %d events", got, f.events(t))
		}
		if _, err := d.Update(ctx, "nope", func(*sqldb.Tx, *testDoc) ([]event.Event, error) { return nil, nil }); !errors.Is(err, errNoDoc) {
			t.Fatalf("Update of a missing doc: %v", err)
		}
		out, err := d.Update(ctx, "a", func(tx *sqldb.Tx, v *testDoc) ([]event.Event, error) {
			v.Name, v.Tags = "beta", []string{"p", "q", "r"}
			v.Version++
			return evt("e1"), nil
		})
		if err != nil || out.Name != "beta" || out.Version != 2 {
			t.Fatalf("Update: %+v, %v", out, err)
		}
		if got, _ := d.Get(ctx, "a"); got.Name != "beta" || f.events(t) != 1 || f.tags(t) != 3 {
			t.Fatalf("after Update: %+v, %d events, %d tags", got, f.events(t), f.tags(t))
		}

		if err := d.Delete(ctx, "a", func(*sqldb.Tx, testDoc) ([]event.Event, error) { return evt("e2"), boom }); !errors.Is(err, boom) {
			t.Fatalf("Delete with a failing fn: %v", err)
		}
		if _, err := d.Get(ctx, "a"); err != nil || f.events(t) != 1 {
			t.Fatalf("a failed Delete: %v, %d events", err, f.events(t))
		}
		err = d.Delete(ctx, "a", func(tx *sqldb.Tx, v testDoc) ([]event.Event, error) {
			_, err := tx.ExecContext(ctx, "DELETE FROM "+f.module+"_tags WHERE doc_id = ?", v.ID)
			return evt("e2"), err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Get(ctx, "a"); !errors.Is(err, errNoDoc) || f.events(t) != 2 || f.tags(t) != 0 {
			t.Fatalf("after Delete: %v, %d events, %d tags", err, f.events(t), f.tags(t))
		}
		if err := d.Delete(ctx, "a", func(*sqldb.Tx, testDoc) ([]event.Event, error) { return nil, nil }); !errors.Is(err, errNoDoc) {
			t.Fatalf("Delete of a missing doc: %v", err)
		}
	})
}

// TestDocsPage: pages follow each other by cursor, and the last one has
// none.
func TestDocsPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		f := newDocsFixture(t, db, false)
		d := f.docs
		for _, n := range []string{"e", "b", "d", "a", "c"} {
			if err := d.Insert(ctx, testDoc{ID: n, Name: "name-" + n, Version: 1}, nil); err != nil {
				t.Fatal(err)
			}
		}
		query := "SELECT doc FROM " + f.module + "_docs WHERE id > ? ORDER BY id LIMIT ?"
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("too many pages")
			}
			list, next, err := d.Page(ctx, db.Primary(), 2, query, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range list {
				got = append(got, v.ID)
			}
			if next == nil {
				if pages != 2 || len(list) != 1 {
					t.Fatalf("last page %d has %d docs", pages, len(list))
				}
				break
			}
			if *next != *id.Cursor(list[len(list)-1].ID) {
				t.Fatalf("cursor %q after %s", *next, list[len(list)-1].ID)
			}
			after = list[len(list)-1].ID
		}
		if !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
			t.Fatalf("pages: %v", got)
		}
		list, err := d.List(ctx, db.Read(), "SELECT doc FROM "+f.module+"_docs WHERE id > ? ORDER BY id DESC", "z")
		if err != nil || list == nil || len(list) != 0 {
			t.Fatalf("empty List: %v, %v", list, err)
		}
	})
}
