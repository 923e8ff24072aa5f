package sqldb

import (
	"context"
	"fmt"
	"testing"

	"github.com/agoracommerce/agora/platform/event"
)

// TestDocsStatementsCached: a Docs table's reads and writes run the same
// statement texts every time, so each is compiled once per connection.
func TestDocsStatementsCached(t *testing.T) {
	db := openCached(t, DefaultStmtCache)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE d (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	type doc struct{ ID, Name string }
	d := NewDocs(NewModuleStore(db, "d", nil, nil), DocTable[doc]{
		Name:       "d",
		NotFound:   func() error { return fmt.Errorf("not found") },
		Insert:     `INSERT INTO d (id, doc) VALUES (?, ?)`,
		InsertArgs: func(v doc, j string) []any { return []any{v.ID, j} },
		Update:     `UPDATE d SET doc = ? WHERE id = ?`,
		UpdateArgs: func(v doc, j string) []any { return []any{j, v.ID} },
		Outbox:     func(context.Context, *Tx, string, ...event.Event) error { return nil },
	})
	run := func(i int) {
		key := fmt.Sprint("k", i%5)
		if i < 5 {
			if err := d.Insert(ctx, doc{ID: key}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Update(ctx, key, func(_ *Tx, v *doc) ([]event.Event, error) {
			v.Name = fmt.Sprint(i)
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		if v, err := d.Get(ctx, key); err != nil || v.Name != fmt.Sprint(i) {
			t.Fatalf("Get %s: %+v, %v", key, v, err)
		}
	}
	for i := range 10 {
		run(i)
	}
	before := db.prepares.Load()
	for i := 10; i < 200; i++ {
		run(i)
	}
	if n := db.prepares.Load() - before; n != 0 {
		t.Fatalf("%d statements compiled again after warm-up", n)
	}
}
