package searchindex

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
)

// Fields of the text, in falling weight.
const (
	FieldTitle = iota
	FieldAttributes
	FieldDescription
	numFields
)

// fieldWeight is how much a match in each field counts.
var fieldWeight = [numFields]float64{3.0, 1.5, 1.0}

// Text is a title and description in one locale.
type Text struct {
	Title       string
	Description string
}

// Doc is a product as the index takes it.
type Doc struct {
	ID           string
	Handle       string
	Title        string
	Description  string
	Image        string
	Translations map[string]Text // locale → text
	Attributes   map[string]string
	CategoryIDs  []string
	Channels     []string         // empty: every channel
	Prices       map[string]int64 // currency → lowest list price, minor units
	Searchable   bool             // published and not deleted
	InStock      bool             // false: out of stock whatever its SKUs say
	SKUs         []string         // the variants' SKUs: in stock when one is sellable (see SetStock)
	Variants     []Variant        // ids and catalog prices, for price lists (see pricelists.go)
	Created      int64            // unix seconds
	Version      int64
	Popularity   float32
}

// Category is a node of the category tree.
type Category struct {
	ID, Handle, Name, ParentID string
}

// docInfo is what the index keeps per document slot.
type docInfo struct {
	ID, Handle, Title, Image string
	Cats                     []string // direct categories (interned)
	Facets                   []uint32 // facet sets the slot is in
	Created                  int64
	Version                  int64
	Pop                      float32
	TextHash                 uint64
	Dead                     bool
	InStock                  bool // effective: !ForcedOut and a sellable SKU (or none)
	ForcedOut                bool // the Doc said InStock false
	Searchable               bool
	Channels                 []string
	SKUs                     []skuFP // the variants' SKUs' fingerprints
	Vars                     []byte  // the variants' fingerprints and catalog prices (encodeVariants)
}

// Index is the search index. The zero value is not usable; call New.
type Index struct {
	mu sync.RWMutex
	// gen moves with every change, under the write lock (Generation).
	gen atomic.Uint64

	lang string // language of the default text

	docs []docInfo
	byID map[string]uint32
	live *roaring.Bitmap // searchable, current slots
	dead *roaring.Bitmap // slots replaced or removed, still in postings

	terms   map[string]uint32
	termStr []string
	surface []string // a word that gave the term, for suggestions
	post    [][numFields]*roaring.Bitmap
	flen    [numFields][]uint8
	sumLen  [numFields]float64

	facetIDs  map[string]uint32 // facet key → set
	facetKeys []string
	facetBm   []*roaring.Bitmap
	attrVals  map[string][]uint32 // attribute → its value sets
	facetAttr []string            // per set: its attribute ("" for other sets)
	facetPos  []uint32            // per attribute set: its position in attrVals
	cols      attrColumns
	allChan   *roaring.Bitmap // docs in every channel

	prices  map[string][]uint32 // currency → amount+1 per slot (0: none; max: see bigPrice)
	big     map[string]map[uint32]int64
	priced  map[string]*roaring.Bitmap
	inStock *roaring.Bitmap
	skus    map[uint64]skuRef        // SKU fingerprint hash → first slot with it (stock.go)
	skuMore map[uint64][]skuRef      // further slots of a hash (collisions; rare)
	noSell  map[string]int64         // SKUs reported not sellable → report time (unix nanos)
	buckets map[string]*priceBuckets // price column → slots per price range

	lists    map[string]*PriceList   // price lists by id (pricelists.go)
	vlists   map[uint64][]*PriceList // variant fingerprint → the lists that price it
	vslot    map[uint64]uint32       // listed variant → its product's slot (noSlot: none)
	chans    map[string][]string     // currency → channels with a price column of their own
	clock    int64                   // unix nanos: the lists in force are those of this moment
	repriceQ []uint32                // slots whose listed variants lost a list price

	pop     []float32 // per slot: popularity and creation time, for ranking
	created []int64
	tlen    []uint16 // per slot: the title's length in bytes (titleLen), for suggestions

	cats     map[string]*Category
	catByH   map[string]string
	children map[string][]string
	intern   map[string]string // category and channel ids

	dict dictState

	visGen uint64   // changes when the searchable slots or the channels' sets may have
	visc   visCache // per channel: its searchable slots (query.go)

	wordTerm map[string]uint32 // language, 0, lower-case word → its term (addText)
	wr       writeScratch
}

// writeScratch is what the writer reuses from one document to the next.
type writeScratch struct {
	key    []byte
	doc    uint32              // stamp of the document being indexed
	seen   [numFields][]uint32 // per field and term: the stamp of the last document that added it
	keys   []string            // sorted attribute names
	text   []byte              // the attribute values as one text
	anc    []string            // a document's categories and their ancestors
	post   []uint64            // postings to add: term id×numFields+field (high 32 bits), slot
	slots  []uint32            // the slots of post grouped by bitmap
	cnt    []uint32            // per bitmap (term id×numFields+field): count, then offset in slots (flushPostings)
	bms    []uint32            // the bitmaps post adds to
	facets []uint32            // a document's facet sets
}

// New returns an empty index whose default text is in lang ("en").
func New(lang string) *Index {
	if lang == "" {
		lang = "en"
	}
	return &Index{
		lang: Language(lang), byID: map[string]uint32{}, live: roaring.New(), dead: roaring.New(),
		terms: map[string]uint32{}, facetIDs: map[string]uint32{}, attrVals: map[string][]uint32{}, allChan: roaring.New(),
		prices: map[string][]uint32{}, big: map[string]map[uint32]int64{}, priced: map[string]*roaring.Bitmap{}, inStock: roaring.New(),
		skus: map[uint64]skuRef{}, skuMore: map[uint64][]skuRef{}, noSell: map[string]int64{},
		buckets: map[string]*priceBuckets{},
		lists:   map[string]*PriceList{}, vlists: map[uint64][]*PriceList{}, vslot: map[uint64]uint32{}, chans: map[string][]string{},
		cats: map[string]*Category{}, catByH: map[string]string{}, children: map[string][]string{}, intern: map[string]string{},
		wordTerm: map[string]uint32{},
	}
}

// Len is the number of searchable products.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return int(x.live.GetCardinality())
}

// Version returns the version of the product the index holds, if any.
func (x *Index) Version(id string) (int64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if d, ok := x.byID[id]; ok {
		return x.docs[d].Version, true
	}
	return 0, false
}

func (x *Index) in(s string) string {
	if v, ok := x.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	x.intern[s] = s
	return s
}

// fnv64a is the FNV-1a hash of s, continued from h (start from
// fnvOffset); it matches hash/fnv's New64a.
func fnv64a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// textHash fingerprints what indexText reads of d (FNV-1a of its texts,
// each ended by a 0 byte; attributes and translations by sorted key).
func (x *Index) textHash(d *Doc) uint64 {
	h := uint64(fnvOffset)
	w := func(s string) { h = fnv64a(h, s); h = fnv64a(h, "\x00") }
	w(d.Title)
	w(d.Description)
	keys := x.wr.keys[:0]
	for k := range d.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(k)
		w(d.Attributes[k])
	}
	keys = keys[:0]
	for k := range d.Translations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(k)
		w(d.Translations[k].Title)
		w(d.Translations[k].Description)
	}
	clear(keys)
	x.wr.keys = keys[:0]
	return h
}

// Generation moves whenever the index changes: it is bumped as a writer
// takes the lock, so a reader that reads it before searching either sees
// the generation of the state it searched or an older one, never a newer
// one with an older state. Answers kept by generation are thus never
// served after a change.
func (x *Index) Generation() uint64 { return x.gen.Load() }

// Put adds or replaces a product. A doc whose Version is lower than the
// one held is ignored (events may come twice or late); it reports whether
// the index changed.
func (x *Index) Put(d Doc) bool {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	defer x.flushPostings()
	return x.put(&d)
}

// PutMany adds or replaces many products under one lock.
func (x *Index) PutMany(ds []Doc) {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	for i := range ds {
		x.put(&ds[i])
	}
	x.flushPostings()
}

// flushPostings adds the postings addText buffered to their bitmaps, each
// bitmap's slots at once and in order (the writer's lock is held since
// they were buffered, so no query saw the documents without them). The
// postings are grouped by bitmap with a counting sort: they are in slot
// order, and stay so within each bitmap.
func (x *Index) flushPostings() {
	w := &x.wr
	p := w.post
	if len(p) == 0 {
		return
	}
	if nk := len(x.termStr) * numFields; len(w.cnt) < nk {
		w.cnt = append(w.cnt, make([]uint32, nk-len(w.cnt))...)
	}
	cnt, keys := w.cnt, w.bms[:0]
	for _, e := range p {
		k := uint32(e >> 32)
		if cnt[k] == 0 {
			keys = append(keys, k)
		}
		cnt[k]++
	}
	off := uint32(0)
	for _, k := range keys {
		off, cnt[k] = off+cnt[k], off
	}
	slots := slices.Grow(w.slots[:0], len(p))[:len(p)]
	for _, e := range p {
		k := uint32(e >> 32)
		slots[cnt[k]] = uint32(e)
		cnt[k]++
	}
	start := uint32(0)
	for _, k := range keys {
		end := cnt[k] // the start of the next key's slots
		cnt[k] = 0
		id, f := k/numFields, k%numFields
		bm := x.post[id][f]
		if bm == nil {
			bm = roaring.New()
			x.post[id][f] = bm
		}
		bm.AddMany(slots[start:end])
		start = end
	}
	w.post, w.slots, w.bms = p[:0], slots[:0], keys[:0]
}

func (x *Index) put(d *Doc) bool {
	th := x.textHash(d)
	slot, had := x.byID[d.ID]
	var carry map[skuFP]int64
	var id string // the slot's copy of the product id (byID's key)
	if had {
		old := &x.docs[slot]
		id = old.ID
		if d.Version < old.Version {
			return false
		}
		carry = x.unlinkSKUs(slot)
		if old.TextHash == th {
			x.setAttrs(slot, d)
			x.linkSKUs(slot, d, carry)
			return true
		}
		x.kill(slot)
	}
	if !had {
		id = strings.Clone(d.ID)
	}
	slot = uint32(len(x.docs))
	x.docs = append(x.docs, docInfo{ID: id, TextHash: th})
	x.pop = append(x.pop, 0)
	x.tlen = append(x.tlen, 0)
	x.created = append(x.created, 0)
	x.byID[x.docs[slot].ID] = slot
	for f := range numFields {
		x.flen[f] = append(x.flen[f], 0)
	}
	x.indexText(slot, d)
	x.setAttrs(slot, d)
	x.linkSKUs(slot, d, carry)
	return true
}

// titleLen is len(title), or math.MaxUint16 when longer (then read the
// title).
func titleLen(title string) uint16 {
	return uint16(min(len(title), math.MaxUint16))
}

// Delete removes a product; version, when non-zero, must not be older than
// the one held.
func (x *Index) Delete(id string, version int64) bool {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	slot, ok := x.byID[id]
	if !ok || (version != 0 && version < x.docs[slot].Version) {
		return false
	}
	x.kill(slot)
	delete(x.byID, id)
	return true
}

func (x *Index) kill(slot uint32) {
	x.visGen++
	d := &x.docs[slot]
	for _, f := range d.Facets {
		x.facetBm[f].Remove(slot)
	}
	for cur, bm := range x.priced {
		bm.Remove(slot)
		if col := x.prices[cur]; int(slot) < len(col) {
			x.bucketSet(cur, slot, col[slot], false)
			col[slot] = 0
		}
	}
	x.setColumns(slot, nil)
	x.unlinkSKUs(slot)
	x.unlinkVariants(slot)
	x.inStock.Remove(slot)
	x.allChan.Remove(slot)
	if x.live.Contains(slot) {
		for f := range numFields {
			x.sumLen[f] -= float64(x.flen[f][slot])
		}
		x.live.Remove(slot)
	}
	x.dead.Add(slot)
	*d = docInfo{ID: d.ID, Dead: true, Version: d.Version}
}

func (x *Index) termID(t, surface string) uint32 {
	if id, ok := x.terms[t]; ok {
		return id
	}
	id := uint32(len(x.termStr))
	t = strings.Clone(t)
	x.terms[t] = id
	x.termStr = append(x.termStr, t)
	x.surface = append(x.surface, fold(strings.Clone(surface)))
	x.post = append(x.post, [numFields]*roaring.Bitmap{})
	return id
}

// wordTermMax bounds the words whose term addText remembers.
const wordTermMax = 1 << 20

// addText indexes text in field of slot. A word's term is remembered per
// language (the stemmer and the dictionary are read once per distinct
// word), and a term already added to the field of this document is not
// added again. The postings are buffered: Put and PutMany add them to the
// bitmaps before they release the lock (flushPostings).
func (x *Index) addText(slot uint32, field int, lang, text string, count bool) {
	w := &x.wr
	n := forTokens(text, 2000, func(raw string) {
		w.key = appendLowerToken(append(append(w.key[:0], lang...), 0), raw)
		id, ok := x.wordTerm[string(w.key)]
		if !ok {
			word := string(w.key[len(lang)+1:])
			id = x.termID(Stem(lang, word), word)
			if len(x.wordTerm) < wordTermMax {
				x.wordTerm[string(w.key)] = id
			}
		}
		seen := w.seen[field]
		if int(id) >= len(seen) {
			seen = slices.Grow(seen, len(x.termStr)-len(seen))[:len(x.termStr)]
			w.seen[field] = seen
		}
		if seen[id] == w.doc {
			return
		}
		seen[id] = w.doc
		w.post = append(w.post, (uint64(id)*numFields+uint64(field))<<32|uint64(slot))
	})
	if count {
		x.flen[field][slot] = uint8(min(n, 255))
	}
}

func (x *Index) indexText(slot uint32, d *Doc) {
	x.wr.doc++
	if x.wr.doc == 0 { // wrapped: forget every stamp
		for f := range x.wr.seen {
			clear(x.wr.seen[f])
		}
		x.wr.doc = 1
	}
	x.addText(slot, FieldTitle, x.lang, d.Title, true)
	x.addText(slot, FieldDescription, x.lang, d.Description, true)
	keys := x.wr.keys[:0]
	for k := range d.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := x.wr.text[:0]
	for _, k := range keys {
		attrs = append(attrs, d.Attributes[k]...)
		attrs = append(attrs, ' ')
	}
	clear(keys)
	x.wr.keys, x.wr.text = keys[:0], attrs
	x.addText(slot, FieldAttributes, x.lang, string(attrs), true)
	for loc, t := range d.Translations {
		lang := Language(loc)
		x.addText(slot, FieldTitle, lang, t.Title, false)
		x.addText(slot, FieldDescription, lang, t.Description, false)
	}
	x.dict.pending++
}

func (x *Index) facet(key string) uint32 {
	if id, ok := x.facetIDs[key]; ok {
		return id
	}
	id := uint32(len(x.facetKeys))
	key = strings.Clone(key)
	x.facetIDs[key] = id
	x.facetKeys = append(x.facetKeys, key)
	x.facetBm = append(x.facetBm, roaring.New())
	var name string
	var pos uint32
	if strings.HasPrefix(key, "a\x00") {
		name = key[2 : strings.IndexByte(key[2:], 0)+2]
		pos = uint32(len(x.attrVals[name]))
		x.attrVals[name] = append(x.attrVals[name], id)
	}
	x.facetAttr = append(x.facetAttr, name)
	x.facetPos = append(x.facetPos, pos)
	return id
}

func attrKey(name, value string) string { return "a\x00" + name + "\x00" + value }
func catKey(id string) string           { return "c\x00" + id }
func chanKey(name string) string        { return "h\x00" + name }

// ancestors returns id and the ids above it (bounded against cycles).
func (x *Index) ancestors(id string, out []string) []string {
	for i := 0; id != "" && i < 32; i++ {
		out = append(out, id)
		c, ok := x.cats[id]
		if !ok {
			break
		}
		id = c.ParentID
	}
	return out
}

// setAttrs sets everything but the text and the stock (linkSKUs): facets,
// prices, flags.
func (x *Index) setAttrs(slot uint32, d *Doc) {
	x.visGen++
	di := &x.docs[slot]
	for _, f := range di.Facets {
		x.facetBm[f].Remove(slot)
	}
	di.Handle, di.Title, di.Image = d.Handle, d.Title, d.Image
	di.Created, di.Version, di.Pop = d.Created, d.Version, d.Popularity
	x.pop[slot], x.created[slot], x.tlen[slot] = d.Popularity, d.Created, titleLen(d.Title)
	di.ForcedOut, di.Searchable = !d.InStock, d.Searchable
	di.Cats = di.Cats[:0]
	if cap(di.Cats) < len(d.CategoryIDs) {
		di.Cats = make([]string, 0, len(d.CategoryIDs))
	}
	for _, c := range d.CategoryIDs {
		di.Cats = append(di.Cats, x.in(c))
	}
	di.Channels = di.Channels[:0]
	for _, c := range d.Channels {
		di.Channels = append(di.Channels, x.in(c))
	}
	x.wr.facets = x.facetsOf(di, d.Attributes, x.wr.facets[:0])
	di.Facets = append(di.Facets[:0], x.wr.facets...) // one allocation of the right size
	for _, f := range di.Facets {
		x.facetBm[f].Add(slot)
	}
	x.setColumns(slot, di.Facets)
	if len(d.Channels) == 0 {
		x.allChan.Add(slot)
	} else {
		x.allChan.Remove(slot)
	}
	x.unlinkVariants(slot)
	di.Vars = encodeVariants(d.Variants)
	x.applyPrices(slot, x.docPrices(slot, d))
	wasLive := x.live.Contains(slot)
	if d.Searchable && !wasLive {
		x.live.Add(slot)
		for f := range numFields {
			x.sumLen[f] += float64(x.flen[f][slot])
		}
	} else if !d.Searchable && wasLive {
		x.live.Remove(slot)
		for f := range numFields {
			x.sumLen[f] -= float64(x.flen[f][slot])
		}
	}
}

func (x *Index) facetsOf(di *docInfo, attrs map[string]string, out []uint32) []uint32 {
	w := &x.wr
	for k, v := range attrs {
		w.key = append(append(append(append(w.key[:0], "a\x00"...), k...), 0), v...)
		out = append(out, x.facetOf(w.key))
	}
	anc := w.anc[:0]
	for _, c := range di.Cats {
		anc = x.ancestors(c, anc)
	}
	slices.Sort(anc)
	for _, c := range slices.Compact(anc) {
		w.key = append(append(w.key[:0], "c\x00"...), c...)
		out = append(out, x.facetOf(w.key))
	}
	for _, c := range di.Channels {
		w.key = append(append(w.key[:0], "h\x00"...), c...)
		out = append(out, x.facetOf(w.key))
	}
	clear(anc)
	w.anc = anc[:0]
	return out
}

// facetOf is facet(string(key)) without a string when the set exists.
func (x *Index) facetOf(key []byte) uint32 {
	if id, ok := x.facetIDs[string(key)]; ok {
		return id
	}
	return x.facet(string(key))
}

const bigPrice = math.MaxUint32

func (x *Index) setPrice(slot uint32, cur string, amt int64) {
	col := x.prices[cur]
	if len(col) < len(x.docs) {
		col = slices.Grow(col, len(x.docs)-len(col))[:len(x.docs)]
		x.prices[cur] = col
	}
	if old, ok := x.price(col, cur, slot); ok && old == max(amt, 0) {
		return // unchanged: its buckets and priced set hold it
	}
	x.bucketSet(cur, slot, col[slot], false)
	switch {
	case amt < 0:
		amt = 0
		fallthrough
	case amt < bigPrice-1:
		col[slot] = uint32(amt) + 1
	default:
		col[slot] = bigPrice
		if x.big[cur] == nil {
			x.big[cur] = map[uint32]int64{}
		}
		x.big[cur][slot] = amt
	}
	x.bucketSet(cur, slot, col[slot], true)
	if x.priced[cur] == nil {
		x.priced[cur] = roaring.New()
	}
	x.priced[cur].Add(slot)
}

// price returns the price of slot in cur.
func (x *Index) price(col []uint32, cur string, slot uint32) (int64, bool) {
	if int(slot) >= len(col) || col[slot] == 0 {
		return 0, false
	}
	if col[slot] == bigPrice {
		return x.big[cur][slot], true
	}
	return int64(col[slot]) - 1, true
}

// PutCategory adds or changes a category; moving one re-files its
// products' category facets.
func (x *Index) PutCategory(c Category) {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	old, had := x.cats[c.ID]
	if had && old.Handle != c.Handle {
		delete(x.catByH, old.Handle)
	}
	cc := c
	x.cats[c.ID] = &cc
	x.catByH[c.Handle] = c.ID
	x.rebuildChildren()
	if had && old.ParentID != c.ParentID {
		x.refileCategories()
	}
}

// DeleteCategory removes a category.
func (x *Index) DeleteCategory(id string) {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	if c, ok := x.cats[id]; ok {
		delete(x.catByH, c.Handle)
		delete(x.cats, id)
		x.rebuildChildren()
		x.refileCategories()
	}
}

func (x *Index) rebuildChildren() {
	x.children = map[string][]string{}
	for id, c := range x.cats {
		x.children[c.ParentID] = append(x.children[c.ParentID], id)
	}
	for k := range x.children {
		slices.Sort(x.children[k])
	}
}

// refileCategories recomputes every slot's category sets (after a move).
func (x *Index) refileCategories() {
	x.visGen++
	for key, id := range x.facetIDs {
		if strings.HasPrefix(key, "c\x00") {
			x.facetBm[id].Clear()
		}
	}
	for slot := range x.docs {
		di := &x.docs[slot]
		if di.Dead {
			continue
		}
		keep := di.Facets[:0]
		for _, f := range di.Facets {
			if !strings.HasPrefix(x.facetKeys[f], "c\x00") {
				keep = append(keep, f)
			}
		}
		var anc []string
		for _, c := range di.Cats {
			anc = x.ancestors(c, anc)
		}
		slices.Sort(anc)
		for _, c := range slices.Compact(anc) {
			f := x.facet(catKey(c))
			keep = append(keep, f)
			x.facetBm[f].Add(uint32(slot))
		}
		di.Facets = keep
	}
}

// Compact drops replaced and removed slots from the posting lists once
// they are a quarter of the index; it reports whether it did.
func (x *Index) Compact(force bool) bool {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	n := x.dead.GetCardinality()
	if n == 0 || (!force && n*4 < uint64(len(x.docs))) {
		return false
	}
	for i := range x.post {
		for f := range numFields {
			if bm := x.post[i][f]; bm != nil {
				bm.AndNot(x.dead)
				if bm.IsEmpty() {
					x.post[i][f] = nil
				}
			}
		}
	}
	x.dead.Clear()
	for i := range x.post {
		for f := range numFields {
			if bm := x.post[i][f]; bm != nil {
				bm.RunOptimize()
			}
		}
	}
	return true
}

// Optimize compresses the bitmaps (runs); call after a bulk load.
func (x *Index) Optimize() {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	for i := range x.post {
		for f := range numFields {
			if bm := x.post[i][f]; bm != nil {
				bm.RunOptimize()
			}
		}
	}
	for _, bm := range x.facetBm {
		bm.RunOptimize()
	}
	for _, b := range x.buckets {
		for _, bm := range b.bms {
			bm.RunOptimize()
		}
	}
	x.live.RunOptimize()
	x.wr = writeScratch{doc: x.wr.doc} // the bulk load's buffers
}
