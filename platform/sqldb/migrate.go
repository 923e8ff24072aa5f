package sqldb

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are plain SQL files in goose's format ("-- +goose Up"), embedded
// by each module. They are written once for both dialects in PostgreSQL's
// type names; the few that SQLite spells differently are rewritten here:
//
//	TIMESTAMPTZ → TIMESTAMP (so the SQLite driver scans it into time.Time)
//	BYTEA       → BLOB
//	BIGSERIAL PRIMARY KEY → INTEGER PRIMARY KEY AUTOINCREMENT
//
// What cannot be written once (triggers, functions) is written twice, in
// two files of the same version: "00002_x.postgres.sql" runs only on
// PostgreSQL and "00002_x.sqlite.sql" only on SQLite. Schema changes belong
// in migrations, never in statements run at every start: migrations run
// under the lock below, and PostgreSQL fails concurrent DDL on one object
// ("tuple concurrently updated").
var sqliteTypes = strings.NewReplacer("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT", "TIMESTAMPTZ", "TIMESTAMP", "BYTEA", "BLOB")

// Suffixes of the migrations of one dialect.
const (
	postgresOnly = ".postgres.sql"
	sqliteOnly   = ".sqlite.sql"
)

// Migrate applies the pending migrations of one module. Each module keeps its
// own version table, "<module>_schema_migrations". On PostgreSQL a session
// advisory lock per module makes concurrent starts of several processes
// safe: one migrates, the others wait and then find nothing to do.
func (db *DB) Migrate(ctx context.Context, module string, migrations fs.FS) error {
	p, err := db.provider(module, migrations)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", module, err)
	}
	return nil
}

// Pending reports whether the module has migrations not yet applied.
func (db *DB) Pending(ctx context.Context, module string, migrations fs.FS) (bool, error) {
	p, err := db.provider(module, migrations)
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

func (db *DB) provider(module string, migrations fs.FS) (*goose.Provider, error) {
	opts := []goose.ProviderOption{
		goose.WithTableName(module + "_schema_migrations"),
		goose.WithDisableGlobalRegistry(true),
	}
	dialect := goose.DialectSQLite3
	fsys := migrations
	other := postgresOnly
	if db.dialect == Postgres {
		other = sqliteOnly
	}
	names, err := fs.Glob(migrations, "*"+other)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations of %s: %w", module, err)
	}
	for i, n := range names {
		names[i] = path.Base(n) // goose excludes by base name
	}
	if len(names) > 0 {
		opts = append(opts, goose.WithExcludeNames(names))
	}
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		h := fnv.New64a()
		h.Write([]byte("agora.migrate." + module))
		locker, err := lock.NewPostgresSessionLocker(
			lock.WithLockID(int64(h.Sum64()>>1)),
			lock.WithLockTimeout(1, 120), // poll each second, up to two minutes
		)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	} else {
		fsys = rewriteFS{migrations, sqliteTypes}
	}
	p, err := goose.NewProvider(dialect, db.write, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations of %s: %w", module, err)
	}
	return p, nil
}

// rewriteFS serves the files of fs with a replacer applied to their content.
type rewriteFS struct {
	fs fs.FS
	r  *strings.Replacer
}

func (r rewriteFS) Open(name string) (fs.File, error) {
	f, err := r.fs.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return f, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	out := []byte(r.r.Replace(string(b)))
	return &memFile{Reader: bytes.NewReader(out), info: memInfo{st, int64(len(out))}}, nil
}

func (r rewriteFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.fs, name) }

type memFile struct {
	*bytes.Reader
	info memInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

type memInfo struct {
	fs.FileInfo
	size int64
}

func (m memInfo) Size() int64        { return m.size }
func (m memInfo) ModTime() time.Time { return m.FileInfo.ModTime() }
