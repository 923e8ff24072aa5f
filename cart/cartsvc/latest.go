package cartsvc

import (
	"time"

	"github.com/agoracommerce/agora/cart"
	"github.com/agoracommerce/agora/platform/cache"
)

// latest keeps, per cart, the newest version this process saved or read,
// as the starting point of the cart's next change: a change then skips
// reading and decoding the stored cart. It is never the answer of a read
// (Get reads the store), and never trusted for a write: the save is
// conditional on the version the change started from (see change). It
// holds at most a configured number of lines' worth of carts, for a
// configured time after their last use.
type latest struct {
	carts *cache.Versioned[string, cart.Cart]
}

// newLatest returns a cache of weight (one per cart and per line) at most
// size, or nil (nothing kept) when size is not positive.
func newLatest(size int, ttl time.Duration) *latest {
	if size <= 0 {
		return nil
	}
	return &latest{carts: cache.NewVersioned(cache.Options[string, cart.Cart]{
		MaxSize:      size,
		Weigher:      func(_ string, c cart.Cart) uint32 { return uint32(1 + len(c.Items)) },
		TTL:          ttl,
		TTLAfterRead: true,
		Newer:        func(a, b cart.Cart) bool { return a.Version > b.Version },
	})}
}

// get returns the copy of a cart, which the caller must not change.
func (l *latest) get(id string) (cart.Cart, bool) {
	if l == nil {
		return cart.Cart{}, false
	}
	return l.carts.Get(id)
}

// put keeps a copy of c unless a newer version is kept.
func (l *latest) put(c cart.Cart) {
	if l == nil {
		return
	}
	l.carts.Put(c.ID, clone(c)) // the caller keeps its own
}

// drop forgets a cart's copy if it is not newer than version (any copy
// when version is negative).
func (l *latest) drop(id string, version int64) {
	switch {
	case l == nil:
	case version < 0:
		l.carts.Delete(id)
	default:
		l.carts.DeleteUnlessNewer(id, cart.Cart{Version: version})
	}
}
