// Package sqldb is Agora's one API over SQLite and PostgreSQL. Modules write
// portable SQL with '?' placeholders; this package rebinds them for the
// dialect, routes reads, runs transactions with retry on serialization and
// busy errors, applies each module's embedded migrations, and translates
// driver errors once (ErrUnique, IsRetryable).
//
// SQLite runs in WAL mode with one writer connection and a pool of readers,
// so writers never fail with SQLITE_BUSY inside one process; several
// processes on one file still wait on busy_timeout. PostgreSQL uses one pgx
// pool, with optional read replicas for Read.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
)

// Dialect names a database engine.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config chooses and tunes a database.
type Config struct {
	// PostgresURL selects PostgreSQL when set; otherwise SQLite at Path.
	PostgresURL string
	// ReplicaURLs are read-only PostgreSQL replicas used by Read.
	ReplicaURLs []string
	// Path is the SQLite database file.
	Path string
	// MaxOpen bounds the PostgreSQL pool and the SQLite reader pool.
	MaxOpen int
	// Synchronous is SQLite's synchronous pragma: "full" (default, durable
	// across power loss) or "normal" (durable across process crashes).
	Synchronous string
	// BusyTimeout is how long SQLite waits for a lock held by another process.
	BusyTimeout time.Duration
	// GroupCommit is how many SQLite write transactions may share one
	// commit (one disk sync); 0 means DefaultGroupCommit, 1 commits each
	// transaction on its own. PostgreSQL groups concurrent commits itself.
	GroupCommit int
	// StmtCache is how many compiled statements each SQLite connection
	// keeps (0 means DefaultStmtCache; negative, none).
	StmtCache int
}

// DefaultConfig returns the defaults: SQLite at ./agora.db.
func DefaultConfig() Config {
	return Config{Path: "agora.db", MaxOpen: 16, Synchronous: "full", BusyTimeout: 10 * time.Second}
}

// DB is a database handle shared by the stores of one module (SQLite) or of
// all modules (PostgreSQL). It is safe for concurrent use.
type DB struct {
	dialect  Dialect
	write    *sql.DB
	read     *sql.DB
	replicas []*sql.DB
	group    *grouper // SQLite's group commit; nil when off
	next     atomic.Uint32
	rebound  sync.Map     // query string → rebound query string
	prepares atomic.Int64 // SQLite statements compiled for the statement cache

	txs, commits atomic.Uint64 // see WriteStats
}

// WriteStats reports the write transactions that committed and the
// database commits that made them durable since the database was opened.
// On SQLite with group commit, one commit (one disk sync) serves many
// transactions; otherwise they are equal.
func (db *DB) WriteStats() (transactions, commits uint64) {
	return db.txs.Load(), db.commits.Load()
}

// Open opens the database of cfg and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = DefaultConfig().MaxOpen
	}
	if cfg.PostgresURL != "" {
		return openPostgres(ctx, cfg)
	}
	return openSQLite(ctx, cfg)
}

func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	pool, err := sql.Open("pgx", cfg.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("sqldb: postgres: %w", err)
	}
	pool.SetMaxOpenConns(cfg.MaxOpen)
	pool.SetMaxIdleConns(cfg.MaxOpen)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqldb: postgres is not reachable: %w", err)
	}
	db := &DB{dialect: Postgres, write: pool, read: pool}
	for _, u := range cfg.ReplicaURLs {
		r, err := sql.Open("pgx", u)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("sqldb: replica: %w", err)
		}
		r.SetMaxOpenConns(cfg.MaxOpen)
		db.replicas = append(db.replicas, r)
	}
	return db, nil
}

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	if dir := filepath.Dir(cfg.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
	}
	sync := strings.ToUpper(cfg.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("sqldb: synchronous must be full or normal, not %q", cfg.Synchronous)
	}
	busy := cfg.BusyTimeout
	if busy <= 0 {
		busy = DefaultConfig().BusyTimeout
	}
	dsn := func(txlock string, extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
		q.Add("_pragma", "synchronous("+sync+")")
		q.Add("_pragma", "foreign_keys(1)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		q.Set("_time_format", "sqlite")
		q.Set("_txlock", txlock)
		return "file:" + filepath.ToSlash(cfg.Path) + "?" + q.Encode()
	}
	stmts := cfg.StmtCache
	if stmts == 0 {
		stmts = DefaultStmtCache
	}
	db := &DB{dialect: SQLite}
	open := func(dsn string) *sql.DB {
		return sql.OpenDB(stmtConnector{drv: sqliteDriver, dsn: dsn, size: stmts, prepares: &db.prepares})
	}
	write := open(dsn("immediate"))
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqldb: sqlite %s: %w", cfg.Path, err)
	}
	read := open(dsn("deferred", "query_only(1)"))
	read.SetMaxOpenConns(cfg.MaxOpen)
	read.SetMaxIdleConns(cfg.MaxOpen)
	read.SetConnMaxIdleTime(0)
	db.write, db.read = write, read
	if n := cfg.GroupCommit; n != 1 {
		if n <= 0 {
			n = DefaultGroupCommit
		}
		db.group = newGrouper(write, n)
	}
	return db, nil
}

// sqliteDriver is the registered SQLite driver, opened through
// stmtConnector.
var sqliteDriver = func() driver.Driver {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		panic(err) // the driver is linked in: cannot happen
	}
	defer db.Close()
	return db.Driver()
}()

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes every pool.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	errs := []error{db.write.Close()}
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	for _, r := range db.replicas {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

// Analyze refreshes the planner's statistics after a bulk load (ANALYZE on
// PostgreSQL, PRAGMA optimize on SQLite), so that the first queries after
// it use the indexes.
func (db *DB) Analyze(ctx context.Context) error {
	q := "ANALYZE"
	if db.dialect == SQLite {
		q = "PRAGMA optimize"
	}
	_, err := db.write.ExecContext(ctx, q)
	return Translate(err)
}

// Ping checks that the primary answers.
func (db *DB) Ping(ctx context.Context) error { return db.write.PingContext(ctx) }

// Querier runs rebound queries; *DB, *Tx and Reader are Queriers.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type rawQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type rebinder struct {
	db *DB
	q  rawQuerier
}

func (r rebinder) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := r.q.ExecContext(ctx, r.db.Rebind(query), args...)
	return res, Translate(err)
}

func (r rebinder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := r.q.QueryContext(ctx, r.db.Rebind(query), args...)
	return rows, Translate(err)
}

func (r rebinder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.db.Rebind(query), args...)
}

// ExecContext runs a statement on the primary outside a transaction. On
// SQLite with group commit it runs as a transaction of its own in the
// next group: alone it would wait for the one writer connection and pay a
// disk sync of its own, which made such statements (idempotency keys,
// sessions, audit records) queue behind every group.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.group == nil {
		return rebinder{db, db.write}.ExecContext(ctx, query, args...)
	}
	var res sql.Result
	err := db.Tx(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// QueryContext runs a query on the primary.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return rebinder{db, db.write}.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query on the primary.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return rebinder{db, db.write}.QueryRowContext(ctx, query, args...)
}

// Read returns a Querier for read-only queries that tolerate replication lag:
// a replica when replicas are configured, else the reader pool.
func (db *DB) Read() Querier {
	if n := len(db.replicas); n > 0 {
		return rebinder{db, db.replicas[int(db.next.Add(1))%n]}
	}
	return rebinder{db, db.read}
}

// Primary returns a Querier for reads that must see every committed write:
// the reader pool on SQLite (WAL readers see each commit at once), the
// primary on PostgreSQL (never a lagging replica).
func (db *DB) Primary() Querier { return rebinder{db, db.read} }

// Tx is a transaction; its queries are rebound for the dialect.
type Tx struct {
	rebinder
	tx *sql.Tx
}

// Dialect reports the engine of the transaction.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// ForUpdate is the row-lock clause for a SELECT that precedes an update:
// " FOR UPDATE" on PostgreSQL; empty on SQLite, whose write transactions
// already exclude other writers.
func (tx *Tx) ForUpdate() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// maxParams keeps a multi-row statement under both engines' limits on bound
// parameters (SQLite 32,766; PostgreSQL 65,535).
const maxParams = 30000

// InsertMany inserts rows with as few statements as the parameter limits
// allow: head is "INSERT INTO t (a, b, c)", each row has one value per
// column. It is the fast path for bulk writes (imports, seeds, outboxes).
func (tx *Tx) InsertMany(ctx context.Context, head string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	if cols == 0 {
		return errors.New("sqldb: InsertMany needs at least one column")
	}
	per := max(1, maxParams/cols)
	tuple := "(" + strings.Repeat("?, ", cols-1) + "?)"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.Grow(len(head) + 8 + len(chunk)*(len(tuple)+2))
		b.WriteString(head)
		b.WriteString(" VALUES ")
		args := make([]any, 0, len(chunk)*cols)
		for i, r := range chunk {
			if len(r) != cols {
				return fmt.Errorf("sqldb: InsertMany row %d has %d values, want %d", start+i, len(r), cols)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// MaxAttempts bounds how often Tx runs fn when the database reports a
// serialization failure, a deadlock or a busy lock.
const MaxAttempts = 8

// Tx runs fn in a write transaction and commits it when fn returns nil.
// On SQLite, concurrent transactions may share one commit (see
// Config.GroupCommit): each is still all or nothing on its own, and Tx
// returns only once its writes are durable. fn must not call Tx itself.
// When the database aborts it for a retryable reason, fn runs again (up to
// MaxAttempts, with jittered backoff), so fn must not have effects outside
// the transaction.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < MaxAttempts; attempt++ {
		if attempt > 0 {
			d := time.Duration(1<<min(attempt, 6)) * time.Millisecond
			d += time.Duration(rand.Int64N(int64(d)))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		err = db.tx1(ctx, fn)
		if !IsRetryable(err) {
			return err
		}
	}
	return err
}

func (db *DB) tx1(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.group != nil {
		return db.group.do(ctx, db, fn)
	}
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return Translate(err)
	}
	tx := &Tx{rebinder: rebinder{db, stx}, tx: stx}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = Translate(stx.Commit()); err == nil {
		db.txs.Add(1)
		db.commits.Add(1)
	}
	return err
}

// Rebind turns '?' placeholders into the dialect's form ($1, $2 … on
// PostgreSQL). Question marks inside quoted strings are left alone.
func (db *DB) Rebind(query string) string {
	if db.dialect != Postgres {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	db.rebound.Store(query, out)
	return out
}

// Errors translated from the drivers.
var (
	// ErrUnique is a violated unique or primary-key constraint.
	ErrUnique = errors.New("sqldb: unique constraint violated")
	// ErrRetryable is a serialization failure, deadlock or busy database:
	// the transaction may succeed if run again.
	ErrRetryable = errors.New("sqldb: transaction conflict, retry")
)

type translated struct {
	kind error
	err  error
}

func (t *translated) Error() string        { return t.kind.Error() + ": " + t.err.Error() }
func (t *translated) Unwrap() []error      { return []error{t.kind, t.err} }
func (t *translated) Is(target error) bool { return target == t.kind }

// Translate maps driver errors to ErrUnique and ErrRetryable (both testable
// with errors.Is); other errors pass through.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var tr *translated
	if errors.As(err, &tr) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return &translated{ErrRetryable, err}
		case 19: // SQLITE_CONSTRAINT
			if c := se.Code(); c == 2067 || c == 1555 {
				return &translated{ErrUnique, err}
			}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &translated{ErrUnique, err}
		case "40001", "40P01":
			return &translated{ErrRetryable, err}
		}
	}
	return err
}

// IsUnique reports whether err is a unique-constraint violation.
func IsUnique(err error) bool { return errors.Is(Translate(err), ErrUnique) }

// IsRetryable reports whether err is worth running the transaction again.
func IsRetryable(err error) bool { return errors.Is(Translate(err), ErrRetryable) }
