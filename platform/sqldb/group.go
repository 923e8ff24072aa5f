package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// DefaultGroupCommit is how many SQLite write transactions may share one
// commit by default.
const DefaultGroupCommit = 64

// ErrClosed is the error of a transaction asked of a closed database.
var ErrClosed = errors.New("sqldb: database is closed")

// grouper is SQLite's group commit. SQLite has one writer, and with
// synchronous=FULL every commit waits for the disk (an fdatasync); alone,
// that caps writes at the disk's sync rate whatever the CPU. The grouper is
// that one writer: it takes the transactions that queued up while the
// previous commit was syncing, runs each inside its own savepoint of one
// database transaction, and commits them together, so N transactions cost
// one sync. Each still succeeds or fails on its own: a function that
// fails (or panics) is rolled back to its savepoint and gets its error;
// the others commit. A caller whose context ends before its turn is
// skipped; one whose context ends while its function runs has its work
// undone. A failed commit fails them all, and nothing of any of
// them is kept. A caller learns its outcome only after the commit, so no
// caller ever acts on a write that is not durable.
type grouper struct {
	write   *sql.DB
	max     int
	queue   chan *groupReq
	quit    chan struct{}
	stopped chan struct{} // closed when the writer has exited
	wg      sync.WaitGroup
	once    sync.Once
}

type groupReq struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	db    *DB
	err   error
	panic any
	done  chan struct{}
}

func newGrouper(write *sql.DB, maxBatch int) *grouper {
	g := &grouper{write: write, max: maxBatch, queue: make(chan *groupReq, 4*maxBatch), quit: make(chan struct{}), stopped: make(chan struct{})}
	g.wg.Add(1)
	go g.run()
	return g
}

// do runs fn in the next group and reports its outcome after the group's
// commit. A panic in fn is raised again here, in the caller.
func (g *grouper) do(ctx context.Context, db *DB, fn func(tx *Tx) error) error {
	r := &groupReq{ctx: ctx, fn: fn, db: db, done: make(chan struct{})}
	select {
	case <-g.quit:
		return ErrClosed
	default:
	}
	select {
	case g.queue <- r:
	case <-g.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// The writer answers every request it takes, and answers what is
	// queued when it stops; a request that slipped into the queue after
	// that is never taken, and the writer's exit says so.
	select {
	case <-r.done:
	case <-g.stopped:
		select {
		case <-r.done:
		default:
			return ErrClosed
		}
	}
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

func (g *grouper) close() {
	g.once.Do(func() { close(g.quit) })
	g.wg.Wait()
}

func (g *grouper) run() {
	defer g.wg.Done()
	defer close(g.stopped)
	batch := make([]*groupReq, 0, g.max)
	for {
		select {
		case r := <-g.queue:
			batch = append(batch[:0], r)
		case <-g.quit:
			g.drain()
			return
		}
	more:
		for len(batch) < g.max {
			select {
			case r := <-g.queue:
				batch = append(batch, r)
			default:
				break more
			}
		}
		g.commit(batch)
	}
}

// drain answers what is still queued at close.
func (g *grouper) drain() {
	for {
		select {
		case r := <-g.queue:
			r.err = ErrClosed
			close(r.done)
		default:
			return
		}
	}
}

func (g *grouper) commit(batch []*groupReq) {
	finish := func(err error) {
		for _, r := range batch {
			if r.err == nil && r.panic == nil {
				r.err = err
			}
			close(r.done)
		}
	}
	stx, err := g.write.BeginTx(context.Background(), nil)
	if err != nil {
		finish(Translate(err))
		return
	}
	ran := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := stx.Exec("SAVEPOINT agora_group"); err != nil {
			r.err = Translate(err)
			continue
		}
		r.panic, r.err = runFn(r, &Tx{rebinder: rebinder{r.db, shared{stx}}, tx: stx})
		if r.err == nil && r.panic == nil {
			// A caller that gave up while its function ran keeps
			// nothing, as a canceled transaction of its own would.
			r.err = r.ctx.Err()
		}
		if r.err != nil || r.panic != nil {
			if _, err := stx.Exec("ROLLBACK TO agora_group"); err != nil {
				// The transaction is in an unknown state: give up on all.
				_ = stx.Rollback()
				finish(fmt.Errorf("sqldb: group rollback: %w", Translate(err)))
				return
			}
		} else {
			ran++
		}
		if _, err := stx.Exec("RELEASE agora_group"); err != nil {
			_ = stx.Rollback()
			finish(fmt.Errorf("sqldb: group release: %w", Translate(err)))
			return
		}
	}
	if ran == 0 {
		_ = stx.Rollback()
		finish(nil)
		return
	}
	if err := stx.Commit(); err != nil {
		err = Translate(err)
		for _, r := range batch {
			if r.err == nil && r.panic == nil {
				r.err = err
			}
		}
	} else if db := batch[0].db; db != nil {
		db.txs.Add(uint64(ran))
		db.commits.Add(1)
	}
	finish(nil)
}

// shared is the group's transaction as one caller's function sees it. Its
// statements do not stop when that caller's context is canceled: SQLite
// answers an interrupted write by rolling back the whole transaction, the
// other callers' work with it. The function runs to its end instead, and
// the group then undoes it if its caller has gone (see commit).
type shared struct{ tx *sql.Tx }

func (s shared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (s shared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (s shared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return s.tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

func runFn(r *groupReq, tx *Tx) (p any, err error) {
	defer func() {
		if v := recover(); v != nil {
			p = v
		}
	}()
	return nil, r.fn(tx)
}
