package searchindex

import (
	"bytes"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/blevesearch/vellum"
)

// dictState is the FST over the terms, rebuilt lazily: terms added since
// the last build (ids ≥ built) are looked up by a linear scan, and the FST
// is rebuilt when they are many or old.
type dictState struct {
	mu      sync.Mutex
	fst     *vellum.FST
	built   int // terms in fst
	at      time.Time
	pending int // docs indexed since (rough change counter)
}

// fstFor returns the FST and how many terms it covers, rebuilding it when
// more than a few terms are missing or the missing ones wait over a
// second. Callers hold x.mu (read).
func (x *Index) fstFor() (*vellum.FST, int) {
	d := &x.dict
	d.mu.Lock()
	defer d.mu.Unlock()
	missing := len(x.termStr) - d.built
	if d.fst == nil || missing > 2000 || (missing > 0 && time.Since(d.at) > time.Second) {
		if f, err := buildFST(x.termStr); err == nil {
			d.fst, d.built, d.at = f, len(x.termStr), time.Now()
		}
	}
	return d.fst, d.built
}

func buildFST(terms []string) (*vellum.FST, error) {
	ids := make([]uint32, len(terms))
	for i := range ids {
		ids[i] = uint32(i)
	}
	sort.Slice(ids, func(a, b int) bool { return terms[ids[a]] < terms[ids[b]] })
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := b.Insert([]byte(terms[id]), uint64(id)); err != nil {
			return nil, err
		}
	}
	if err := b.Close(); err != nil {
		return nil, err
	}
	return vellum.Load(buf.Bytes())
}

// match is a dictionary term found for a query word.
type match struct {
	id   uint32
	dist uint8 // edit distance; 0 exact or prefix
}

// fuzzy returns the terms within dist edits of term (transpositions count
// one), at most limit of them.
func (x *Index) fuzzy(term string, dist uint8, limit int) []match {
	if dist == 0 {
		if id, ok := x.terms[term]; ok {
			return []match{{id: id}}
		}
		return nil
	}
	var out []match
	f, built := x.fstFor()
	if f != nil {
		aut := newLevAutomaton(term, dist)
		it, err := f.Search(aut, nil, nil)
		for err == nil && len(out) < limit {
			k, v := it.Current()
			out = append(out, match{id: uint32(v), dist: aut.distance(k)})
			err = it.Next()
		}
		if err != nil && !errors.Is(err, vellum.ErrIteratorDone) {
			out = out[:0]
			built = 0
		}
		levPool.Put(aut)
	} else {
		built = 0
	}
	for id := built; id < len(x.termStr) && len(out) < limit; id++ {
		if d := editDistance(term, x.termStr[id], int(dist)); d <= int(dist) {
			out = append(out, match{id: uint32(id), dist: uint8(d)})
		}
	}
	return out
}

// prefixed returns up to scan terms that start with p (p itself included).
func (x *Index) prefixed(p string, scan int) []match {
	var out []match
	f, built := x.fstFor()
	if f != nil {
		end := append([]byte(p), 0xff)
		it, err := f.Iterator([]byte(p), end)
		for err == nil && len(out) < scan {
			_, v := it.Current()
			out = append(out, match{id: uint32(v)})
			err = it.Next()
		}
	} else {
		built = 0
	}
	for id := built; id < len(x.termStr) && len(out) < scan; id++ {
		if len(x.termStr[id]) >= len(p) && x.termStr[id][:len(p)] == p {
			out = append(out, match{id: uint32(id)})
		}
	}
	return out
}

// editDistance is the optimal-string-alignment distance of a and b in
// runes, or max+1 when it exceeds max.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// df is the number of slots a term is in (any field; may count a slot
// twice across fields, fine for ranking completions).
func (x *Index) df(id uint32) uint64 {
	var n uint64
	for _, bm := range x.post[id] {
		if bm != nil {
			n = max(n, bm.GetCardinality())
		}
	}
	return n
}
