package sqldb

import (
	"container/list"
	"context"
	"database/sql/driver"
	"sync"
	"sync/atomic"
)

// DefaultStmtCache is how many prepared statements each SQLite connection
// keeps by default. Agora's modules run a fixed set of statement texts, so
// a few hundred hold every hot one of a module's database.
const DefaultStmtCache = 256

// The SQLite driver compiles a statement's text into a program on every
// call made through database/sql's Exec and Query, and for the short
// statements of a store read or a checkout step, compiling costs more
// than running. stmtConnector opens connections that keep their compiled
// statements by text, least recently used first out, and run every Exec
// and Query of a known text on its compiled program. PostgreSQL needs no
// such layer: pgx caches prepared statements per connection itself.
type stmtConnector struct {
	drv  driver.Driver
	dsn  string
	size int
	// prepares counts statements compiled for the cache (tests read it).
	prepares *atomic.Int64
}

func (c stmtConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(innerConn)
	if !ok || c.size <= 0 {
		return conn, nil
	}
	return &stmtConn{innerConn: inner, size: c.size, byText: map[string]*list.Element{}, lru: list.New(), prepares: c.prepares}, nil
}

func (c stmtConnector) Driver() driver.Driver { return c.drv }

// innerConn is what stmtConn needs of the driver's connection; the SQLite
// driver provides all of it.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtConn is a connection with a cache of compiled statements. database/sql
// uses a connection from one goroutine at a time; the mutex only guards
// against a Rows closed elsewhere.
type stmtConn struct {
	innerConn
	size     int
	prepares *atomic.Int64

	mu     sync.Mutex
	byText map[string]*list.Element // of *cachedStmt
	lru    *list.List               // front: most recently used
}

type cachedStmt struct {
	text string
	st   interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	// busy: its rows are still open, so it cannot run again until they
	// close (a query of the same text meanwhile, e.g. inside a loop over
	// them, runs uncached). evicted: it left the cache while busy and is
	// closed when its rows are.
	busy, evicted bool
}

// acquire returns the compiled statement of text, compiling and caching it
// if needed, marked busy; nil when it is busy already or cannot be cached.
func (c *stmtConn) acquire(ctx context.Context, text string) (*cachedStmt, error) {
	c.mu.Lock()
	if el, ok := c.byText[text]; ok {
		c.lru.MoveToFront(el)
		s := el.Value.(*cachedStmt)
		if s.busy {
			c.mu.Unlock()
			return nil, nil
		}
		s.busy = true
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	st, err := c.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	full, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = st.Close()
		return nil, nil
	}
	if c.prepares != nil {
		c.prepares.Add(1)
	}
	s := &cachedStmt{text: text, st: full, busy: true}
	c.mu.Lock()
	c.byText[text] = c.lru.PushFront(s)
	var out []*cachedStmt
	for c.lru.Len() > c.size {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byText, old.text)
		if old.busy {
			old.evicted = true
		} else {
			out = append(out, old)
		}
	}
	c.mu.Unlock()
	for _, old := range out {
		_ = old.st.Close()
	}
	return s, nil
}

func (c *stmtConn) release(s *cachedStmt) {
	c.mu.Lock()
	s.busy = false
	closeIt := s.evicted
	c.mu.Unlock()
	if closeIt {
		_ = s.st.Close()
	}
}

// ExecContext runs query on its cached statement.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	defer c.release(s)
	return s.st.ExecContext(ctx, args)
}

// QueryContext runs query on its cached statement; the statement is busy
// until the rows close.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.innerConn.QueryContext(ctx, query, args)
	}
	rows, err := s.st.QueryContext(ctx, args)
	if err != nil {
		c.release(s)
		return nil, err
	}
	return &stmtRows{Rows: rows, conn: c, s: s}, nil
}

// Close closes every cached statement, then the connection.
func (c *stmtConn) Close() error {
	c.mu.Lock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		_ = el.Value.(*cachedStmt).st.Close()
	}
	c.lru.Init()
	clear(c.byText)
	c.mu.Unlock()
	return c.innerConn.Close()
}

// stmtRows gives its statement back when closed.
type stmtRows struct {
	driver.Rows
	conn *stmtConn
	s    *cachedStmt
	once sync.Once
}

func (r *stmtRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(func() { r.conn.release(r.s) })
	return err
}
