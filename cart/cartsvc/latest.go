package cartsvc

import (
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/agoracommerce/agora/cart"
)

// latest keeps, per cart, the newest version this process saved or read,
// as the starting point of the cart's next change: a change then skips
// reading and decoding the stored cart. It is never the answer of a read
// (Get reads the store), and never trusted for a write: the save is
// conditional on the version the change started from (see change). It
// holds at most a configured number of lines' worth of carts, for a
// configured time after their last use.
type latest struct {
	carts *otter.Cache[string, cart.Cart]
}

// newLatest returns a cache of weight (one per cart and per line) at most
// size, or nil (nothing kept) when size is not positive.
func newLatest(size int, ttl time.Duration) *latest {
	if size <= 0 {
		return nil
	}
	return &latest{carts: otter.Must(&otter.Options[string, cart.Cart]{
		MaximumWeight:    uint64(size),
		Weigher:          func(_ string, c cart.Cart) uint32 { return uint32(1 + len(c.Items)) },
		ExpiryCalculator: otter.ExpiryAccessing[string, cart.Cart](ttl),
	})}
}

// get returns the copy of a cart, which the caller must not change.
func (l *latest) get(id string) (cart.Cart, bool) {
	if l == nil {
		return cart.Cart{}, false
	}
	return l.carts.GetIfPresent(id)
}

// put keeps a copy of c unless a newer version is kept.
func (l *latest) put(c cart.Cart) {
	if l == nil {
		return
	}
	c = clone(c) // the caller keeps its own
	l.carts.Compute(c.ID, func(old cart.Cart, found bool) (cart.Cart, otter.ComputeOp) {
		if found && old.Version >= c.Version {
			return old, otter.CancelOp
		}
		return c, otter.WriteOp
	})
}

// drop forgets a cart's copy if it is not newer than version (any copy
// when version is negative).
func (l *latest) drop(id string, version int64) {
	if l == nil {
		return
	}
	l.carts.ComputeIfPresent(id, func(old cart.Cart) (cart.Cart, otter.ComputeOp) {
		if version >= 0 && old.Version > version {
			return old, otter.CancelOp
		}
		return old, otter.InvalidateOp
	})
}
