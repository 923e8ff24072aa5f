package searchindex

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"

	"github.com/RoaringBitmap/roaring/v2"
)

// snapshotVersion changes when the format does. Version 1 had no stock
// (no SKU fingerprints, no non-sellable set): it loads with every product
// as it was, and products get their SKUs back with their next event or a
// rebuild. Version 2 had no price lists and no variants per product: it
// loads with the catalog prices, and price lists apply to a product from
// its next event or a rebuild. Versions before 1 and after snapshotVersion
// are not loaded.
const snapshotVersion = 3

type snapHeader struct {
	Version  int
	Lang     string
	Docs     []docInfo
	Live     []byte
	Dead     []byte
	FieldLen [numFields][]uint8
	SumLen   [numFields]float64
	Terms    int
	Facets   []string
	Prices   map[string][]uint32
	Big      map[string]map[uint32]int64
	InStock  []byte
	AllChan  []byte
	Cats     []Category
	Meta     []byte           // the caller's (e.g. the consumer's position)
	NoSell   map[string]int64 // version 2: SKUs not sellable → report time (unix nanos)
	Lists    []PriceList      // version 3: price lists with their prices
	Clock    int64            // version 3: the moment the lists in force were chosen at
}

type snapTerm struct {
	Term, Surface string
	Post          [numFields][]byte
}

func bmBytes(bm *roaring.Bitmap) []byte {
	if bm == nil {
		return nil
	}
	b, _ := bm.ToBytes()
	return b
}

func bmFrom(b []byte) (*roaring.Bitmap, error) {
	bm := roaring.New()
	if len(b) == 0 {
		return bm, nil
	}
	if _, err := bm.FromBuffer(b); err != nil {
		return nil, err
	}
	return bm.Clone(), nil // own the memory
}

// WriteSnapshot writes the whole index, with meta, to w. Writers wait;
// readers go on.
func (x *Index) WriteSnapshot(w io.Writer, meta []byte) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := gob.NewEncoder(bw)
	h := snapHeader{
		Version: snapshotVersion, Lang: x.lang, Docs: x.docs, Live: bmBytes(x.live), Dead: bmBytes(x.dead),
		FieldLen: x.flen, SumLen: x.sumLen, Terms: len(x.termStr), Facets: x.facetKeys, Prices: x.prices, Big: x.big,
		InStock: bmBytes(x.inStock), AllChan: bmBytes(x.allChan), Meta: meta, NoSell: x.noSell, Clock: x.clock,
	}
	for _, l := range x.lists {
		h.Lists = append(h.Lists, *l)
	}
	for _, c := range x.cats {
		h.Cats = append(h.Cats, *c)
	}
	if err := enc.Encode(&h); err != nil {
		return err
	}
	for i, t := range x.termStr {
		st := snapTerm{Term: t, Surface: x.surface[i]}
		for f := range numFields {
			st.Post[f] = bmBytes(x.post[i][f])
		}
		if err := enc.Encode(&st); err != nil {
			return err
		}
	}
	for _, bm := range x.facetBm {
		if err := enc.Encode(bmBytes(bm)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadSnapshot loads an index written by WriteSnapshot and returns it with
// the meta it was written with.
func ReadSnapshot(r io.Reader) (*Index, []byte, error) {
	dec := gob.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	var h snapHeader
	if err := dec.Decode(&h); err != nil {
		return nil, nil, fmt.Errorf("searchindex: snapshot header: %w", err)
	}
	if h.Version < 1 || h.Version > snapshotVersion {
		return nil, nil, fmt.Errorf("searchindex: snapshot version %d, want 1 to %d", h.Version, snapshotVersion)
	}
	x := New(h.Lang)
	var err error
	x.docs, x.flen, x.sumLen = h.Docs, h.FieldLen, h.SumLen
	if x.live, err = bmFrom(h.Live); err != nil {
		return nil, nil, err
	}
	if x.dead, err = bmFrom(h.Dead); err != nil {
		return nil, nil, err
	}
	if x.inStock, err = bmFrom(h.InStock); err != nil {
		return nil, nil, err
	}
	if x.allChan, err = bmFrom(h.AllChan); err != nil {
		return nil, nil, err
	}
	if h.Prices != nil {
		x.prices = h.Prices
	}
	if h.Big != nil {
		x.big = h.Big
	}
	x.byID = make(map[string]uint32, len(x.docs))
	for i := range x.docs {
		d := &x.docs[i]
		for j := range d.Cats {
			d.Cats[j] = x.in(d.Cats[j])
		}
		for j := range d.Channels {
			d.Channels[j] = x.in(d.Channels[j])
		}
		if !d.Dead {
			x.byID[d.ID] = uint32(i)
		}
	}
	// The SKU links and stock flags need only the documents and the
	// non-sellable set, both in the header: they are rebuilt while the
	// terms and facets are read (they touch none of what those write).
	if h.NoSell != nil {
		x.noSell = h.NoSell
	}
	relinked := make(chan struct{})
	go func() {
		defer close(relinked)
		x.relinkStock()
	}()
	defer func() { <-relinked }() // also on an error below
	for i := 0; i < h.Terms; i++ {
		var st snapTerm
		if err := dec.Decode(&st); err != nil {
			return nil, nil, fmt.Errorf("searchindex: snapshot term %d: %w", i, err)
		}
		id := x.termID(st.Term, st.Surface)
		for f := range numFields {
			if st.Post[f] != nil {
				if x.post[id][f], err = bmFrom(st.Post[f]); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	for _, key := range h.Facets {
		var b []byte
		if err := dec.Decode(&b); err != nil {
			return nil, nil, fmt.Errorf("searchindex: snapshot facet: %w", err)
		}
		id := x.facet(key)
		if x.facetBm[id], err = bmFrom(b); err != nil {
			return nil, nil, err
		}
	}
	for cur, col := range x.prices {
		bm := roaring.New()
		for s, v := range col {
			if v != 0 {
				bm.Add(uint32(s))
			}
		}
		x.priced[cur] = bm
	}
	for _, c := range h.Cats {
		cc := c
		x.cats[c.ID] = &cc
		x.catByH[c.Handle] = c.ID
	}
	x.rebuildChildren()
	x.rebuildDerived()
	<-relinked
	x.clock = h.Clock
	for i := range h.Lists {
		l := h.Lists[i]
		if l.Prices == nil {
			l.Prices = map[uint64]int64{}
		}
		x.lists[l.ID] = &l
	}
	x.relinkPrices()
	return x, h.Meta, nil
}

// Stats describes the index's size.
type Stats struct {
	Slots, Live, Dead, Terms, FacetSets, Categories int
}

// Stats returns the index's size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Stats{Slots: len(x.docs), Live: int(x.live.GetCardinality()), Dead: int(x.dead.GetCardinality()),
		Terms: len(x.termStr), FacetSets: len(x.facetKeys), Categories: len(x.cats)}
}
