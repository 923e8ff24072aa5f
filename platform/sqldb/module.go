package sqldb

import (
	"context"
	"embed"
	"io/fs"
)

// Embedded returns the "migrations" directory of a module's embedded files
// (//go:embed migrations/*.sql).
func Embedded(files embed.FS) fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // a build-time mistake: the embed pattern names the directory
	}
	return sub
}

// ModuleStore is what every module's SQL store shares: its database, its
// migrations, and the hook that runs after each committed write (it wakes
// the module's outbox relay). Stores embed it.
type ModuleStore struct {
	DB         *DB
	module     string
	migrations fs.FS
	committed  func()
}

// NewModuleStore returns the shared part of module's store on db;
// committed may be nil.
func NewModuleStore(db *DB, module string, migrations fs.FS, committed func()) ModuleStore {
	if committed == nil {
		committed = func() {}
	}
	return ModuleStore{DB: db, module: module, migrations: migrations, committed: committed}
}

// Migrate applies the module's migrations.
func (m ModuleStore) Migrate(ctx context.Context) error {
	return m.DB.Migrate(ctx, m.module, m.migrations)
}

// Notify runs the committed hook, for a store that committed a write by
// other means than Tx.
func (m ModuleStore) Notify() { m.committed() }

// Tx runs fn in a write transaction (DB.Tx) and, once it committed, runs
// the committed hook.
func (m ModuleStore) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	if err := m.DB.Tx(ctx, fn); err != nil {
		return err
	}
	m.committed()
	return nil
}
