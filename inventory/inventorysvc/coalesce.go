package inventorysvc

import (
	"context"
	"sync"
)

// coalescer is a single writer per hot key (a SKU) inside one process:
// calls for a key queue behind the transaction in flight for that key and
// are then applied together, as one batch in one transaction (group
// commit). A key's writer goroutine exists only while it has work.
type coalescer struct {
	max   int
	apply func(batch []*op)

	mu      sync.Mutex
	writers map[string]*writer
}

type writer struct {
	pending []*op
}

func newCoalescer(maxBatch int, apply func([]*op)) *coalescer {
	return &coalescer{max: maxBatch, apply: apply, writers: map[string]*writer{}}
}

// submit queues o for key; o.done is closed once o has its result.
func (c *coalescer) submit(key string, o *op) {
	c.mu.Lock()
	w, running := c.writers[key]
	if !running {
		w = &writer{}
		c.writers[key] = w
	}
	w.pending = append(w.pending, o)
	c.mu.Unlock()
	if !running {
		go c.run(key, w)
	}
}

func (c *coalescer) run(key string, w *writer) {
	for {
		c.mu.Lock()
		if len(w.pending) == 0 {
			delete(c.writers, key)
			c.mu.Unlock()
			return
		}
		n := min(len(w.pending), c.max)
		batch := w.pending[:n:n]
		w.pending = append([]*op(nil), w.pending[n:]...)
		c.mu.Unlock()
		c.apply(batch)
	}
}

// wait waits for o's result or for ctx to end. An op whose caller gave up
// may still be applied: callers retry with the same reference.
func wait(ctx context.Context, o *op) error {
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
