package searchindex

import (
	"math"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/agoracommerce/agora/platform/money"
)

// Columns derived from the documents, kept so that queries over many
// matches read small dense arrays or intersect bitmaps instead of walking
// docInfo or a whole price column:
//
//   - rank: popularity and creation time per slot (ranking reads them for
//     every match);
//   - price buckets: per currency, the slots whose price is in each range
//     of priceSteps, so that the price facet is a set of AndCardinality and
//     a price filter an intersection (only the two ranges cut by its bounds
//     read prices);
//   - attribute columns: per faceted attribute with more than a few values,
//     the value of each slot, so that its facet is counted in one pass over
//     the matches instead of one intersection per value. They are built on
//     the first request for the facet and kept up to date afterwards.

// bucketBounds are the lower bounds of the price buckets of cur (minor
// units); bucket i is [bounds[i], bounds[i+1]) and bucket 0 starts at 0.
func bucketBounds(cur string) []int64 {
	scale := int64(1)
	for range money.Digits(cur) {
		scale *= 10
	}
	out := make([]int64, len(priceSteps)+1)
	for i, s := range priceSteps {
		out[i+1] = s * scale
	}
	return out
}

// priceBuckets is one currency's bucket bitmaps.
type priceBuckets struct {
	bounds []int64 // len(priceSteps)+1 lower bounds
	bms    []*roaring.Bitmap
}

func newPriceBuckets(cur string) *priceBuckets {
	b := &priceBuckets{bounds: bucketBounds(cur), bms: make([]*roaring.Bitmap, len(priceSteps)+1)}
	for i := range b.bms {
		b.bms[i] = roaring.New()
	}
	return b
}

// of is the bucket of a price.
func (b *priceBuckets) of(pr int64) int {
	return sort.Search(len(b.bounds), func(i int) bool { return b.bounds[i] > pr }) - 1
}

// upper is the exclusive upper bound of bucket i.
func (b *priceBuckets) upper(i int) int64 {
	if i+1 < len(b.bounds) {
		return b.bounds[i+1]
	}
	return math.MaxInt64
}

// bucketSet files slot under its price in cur (col holds it already) and
// unbucket removes it; both take the raw column value (0: no price).
func (x *Index) bucketSet(cur string, slot uint32, raw uint32, add bool) {
	if raw == 0 {
		return
	}
	pr := int64(raw) - 1
	if raw == bigPrice {
		pr = x.big[cur][slot]
	}
	b := x.buckets[cur]
	if b == nil {
		if !add {
			return
		}
		b = newPriceBuckets(curOf(cur))
		x.buckets[cur] = b
	}
	if add {
		b.bms[b.of(pr)].Add(slot)
	} else {
		b.bms[b.of(pr)].Remove(slot)
	}
}

// rebuildDerived recomputes the rank columns and price buckets from docs
// and the price columns (after loading a snapshot).
func (x *Index) rebuildDerived() {
	x.pop = make([]float32, len(x.docs))
	x.tlen = make([]uint16, len(x.docs))
	x.created = make([]int64, len(x.docs))
	for i := range x.docs {
		x.pop[i], x.created[i], x.tlen[i] = x.docs[i].Pop, x.docs[i].Created, titleLen(x.docs[i].Title)
	}
	x.buckets = map[string]*priceBuckets{}
	for cur, col := range x.prices {
		for s, v := range col {
			if v != 0 && !x.docs[s].Dead {
				x.bucketSet(cur, uint32(s), v, true)
			}
		}
	}
	for _, b := range x.buckets {
		for _, bm := range b.bms {
			bm.RunOptimize()
		}
	}
	x.cols = attrColumns{}
}

// priceFilter is the slots of match whose price in cur is in [lo, hi].
func (x *Index) priceFilter(match *roaring.Bitmap, cur string, lo, hi int64) *roaring.Bitmap {
	b := x.buckets[cur]
	if b == nil || lo > hi {
		return roaring.New()
	}
	col := x.prices[cur]
	var whole []*roaring.Bitmap
	var cut []uint32
	buf := make([]uint32, 256)
	for i, bm := range b.bms {
		from, to := b.bounds[i], b.upper(i) // [from, to)
		if i == 0 {
			from = math.MinInt64
		}
		switch {
		case to <= lo || from > hi:
		case from >= lo && (to == math.MaxInt64 && hi == math.MaxInt64 || to-1 <= hi):
			whole = append(whole, bm)
		default:
			it := roaring.And(match, bm).ManyIterator()
			for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
				for _, s := range buf[:n] {
					if pr, ok := x.price(col, cur, s); ok && pr >= lo && pr <= hi {
						cut = append(cut, s)
					}
				}
			}
		}
	}
	out := roaring.And(match, roaring.FastOr(whole...))
	if len(cut) > 0 {
		out.AddMany(cut)
	}
	return out
}

// priceCounts counts match per price bucket of cur (nil: no prices).
func (x *Index) priceCounts(match *roaring.Bitmap, cur string) ([]int, *priceBuckets) {
	b := x.buckets[cur]
	if b == nil {
		return nil, nil
	}
	counts := make([]int, len(b.bms))
	for i, bm := range b.bms {
		counts[i] = int(match.AndCardinality(bm))
	}
	return counts, b
}

// colMinValues is how many values an attribute needs before its facet is
// counted from a column rather than by one intersection per value.
const colMinValues = 8

// noColumn marks an attribute with too many values for a column.
const maxColValues = math.MaxUint16 - 1

// attrColumns holds the attribute columns. Readers (holding x.mu for
// reading) build them under mu; writers (holding x.mu) update them.
type attrColumns struct {
	mu sync.Mutex
	m  map[string][]uint16 // attribute → per slot 1 + position in attrVals (0: none)
}

// column returns the column of attr, building it if needed; nil when the
// attribute has too few or too many values. Callers hold x.mu (read).
func (x *Index) column(attr string) []uint16 {
	vals := x.attrVals[attr]
	if len(vals) <= colMinValues || len(vals) > maxColValues {
		return nil
	}
	c := &x.cols
	c.mu.Lock()
	defer c.mu.Unlock()
	if col, ok := c.m[attr]; ok {
		return col
	}
	col := make([]uint16, len(x.docs))
	buf := make([]uint32, 256)
	for i, f := range vals {
		it := x.facetBm[f].ManyIterator()
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, s := range buf[:n] {
				col[s] = uint16(i + 1)
			}
		}
	}
	if c.m == nil {
		c.m = map[string][]uint16{}
	}
	c.m[attr] = col
	return col
}

// setColumns records slot's facets in the attribute columns that exist.
// Callers hold x.mu (write).
func (x *Index) setColumns(slot uint32, facets []uint32) {
	c := &x.cols
	if len(c.m) == 0 {
		return
	}
	for attr, col := range c.m {
		if int(slot) >= len(col) {
			col = append(col, make([]uint16, len(x.docs)-len(col))...)
			c.m[attr] = col
		}
		col[slot] = 0
	}
	for _, f := range facets {
		attr := x.facetAttr[f]
		if attr == "" {
			continue
		}
		col, ok := c.m[attr]
		if !ok {
			continue
		}
		if x.facetPos[f] >= maxColValues {
			delete(c.m, attr)
			continue
		}
		col[slot] = uint16(x.facetPos[f] + 1)
	}
}

// columnCounts counts the values of attr over match from its column.
func (x *Index) columnCounts(col []uint16, nvals int, match *roaring.Bitmap) []uint32 {
	counts := make([]uint32, nvals+1)
	buf := make([]uint32, 512)
	it := match.ManyIterator()
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, s := range buf[:n] {
			if int(s) < len(col) {
				counts[col[s]]++
			}
		}
	}
	return counts
}
