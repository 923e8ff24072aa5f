package searchindex

import (
	"encoding/base64"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/search"
)

// Tuning is the compiled search settings: stop words and synonyms per
// language, merchandising rules by normalized query. The zero value means
// none.
type Tuning struct {
	StopWords map[string]map[string]bool       // lang → folded words
	Synonyms  map[string]map[string][][]string // lang → folded word → alternatives (their words)
	Rules     map[string]search.Rule           // Normalize(query) → rule
}

// Compile turns settings into a Tuning.
func Compile(settings []search.Settings, rules []search.Rule) *Tuning {
	t := &Tuning{StopWords: map[string]map[string]bool{}, Synonyms: map[string]map[string][][]string{}, Rules: map[string]search.Rule{}}
	for _, s := range settings {
		lang := Language(s.Locale)
		sw := map[string]bool{}
		for _, w := range s.StopWords {
			if n := Normalize(w); n != "" {
				sw[n] = true
			}
		}
		t.StopWords[lang] = sw
		syn := map[string][][]string{}
		for _, set := range s.Synonyms {
			norm := make([]string, 0, len(set.Terms))
			for _, term := range set.Terms {
				if n := Normalize(term); n != "" {
					norm = append(norm, n)
				}
			}
			for _, key := range norm {
				if strings.Contains(key, " ") {
					continue // only single words are looked up
				}
				for _, alt := range norm {
					if alt != key {
						syn[key] = append(syn[key], strings.Fields(alt))
					}
				}
			}
		}
		t.Synonyms[lang] = syn
	}
	for _, r := range rules {
		t.Rules[Normalize(r.Query)] = r
	}
	return t
}

// Weights of the ways a word can match a term.
const (
	wExact   = 1.0
	wSynonym = 0.9
	wPrefix  = 0.7
	wTypo1   = 0.45
	wTypo2   = 0.3

	k1 = 1.2
	b  = 0.75

	prefixScan  = 400 // dictionary terms looked at for a prefix
	prefixKeep  = 30  // of which the most frequent are used
	fuzzyLimit  = 50
	rerankDepth = 200 // top results re-ranked by phrase and proximity
	boostBonus  = 1e6
)

type exp struct {
	id uint32
	w  float64
}

type clause struct {
	word  string // folded surface word
	stem  string
	exps  []exp
	extra *roaring.Bitmap // multi-word synonyms
}

type parsed struct {
	clauses []clause
	neg     []string // stems excluded
	phrase  bool     // quoted
}

// parse turns q into clauses: one per word, alternatives joined by OR,
// "-word" excluded, quotes and other operators ignored but for a phrase
// boost, stop words dropped unless nothing else is left.
func (x *Index) parse(q, lang string, tun *Tuning) parsed {
	var p parsed
	if strings.Count(q, `"`) >= 2 {
		p.phrase = true
	}
	endsOpen := len(q) > 0 && !strings.ContainsAny(q[len(q)-1:], " \t\n\"")
	raw := strings.Fields(q)
	if len(raw) > search.MaxQueryTerms*2 {
		raw = raw[:search.MaxQueryTerms*2]
	}
	type word struct {
		w      string
		neg    bool
		orPrev bool
		last   bool
	}
	var words []word
	orNext := false
	for i, r := range raw {
		if r == "OR" || r == "|" || r == "||" {
			orNext = len(words) > 0
			continue
		}
		neg := strings.HasPrefix(r, "-") && len(r) > 1
		toks := Tokenize(r, 4)
		for j, t := range toks {
			words = append(words, word{w: t.Word, neg: neg, orPrev: orNext && j == 0, last: i == len(raw)-1 && j == len(toks)-1})
		}
		orNext = false
	}
	stop := tun.stopWords(lang)
	kept := words[:0:0]
	for _, w := range words {
		if !stop[fold(w.w)] || w.orPrev {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		kept = words
	}
	for _, w := range kept {
		stem := Stem(lang, w.w)
		if w.neg {
			p.neg = append(p.neg, stem)
			continue
		}
		if len(p.clauses) >= search.MaxQueryTerms {
			break
		}
		c := x.expand(w.w, stem, lang, w.last && endsOpen, tun)
		if w.orPrev && len(p.clauses) > 0 {
			prev := &p.clauses[len(p.clauses)-1]
			prev.exps = append(prev.exps, c.exps...)
			if c.extra != nil {
				if prev.extra == nil {
					prev.extra = c.extra
				} else {
					prev.extra.Or(c.extra)
				}
			}
			continue
		}
		p.clauses = append(p.clauses, c)
	}
	return p
}

func (t *Tuning) stopWords(lang string) map[string]bool {
	if t == nil {
		return nil
	}
	return t.StopWords[lang]
}

// expand finds the terms a query word matches: its stem exactly, words
// within the typo budget (one from 5 letters, two from 9), words it begins
// (the last word), and synonyms.
func (x *Index) expand(word, stem, lang string, prefix bool, tun *Tuning) clause {
	folded := fold(word)
	c := clause{word: folded, stem: stem}
	best := map[uint32]float64{}
	add := func(id uint32, w float64) {
		if w > best[id] {
			best[id] = w
		}
	}
	if id, ok := x.terms[stem]; ok {
		add(id, wExact)
	}
	if id, ok := x.terms[folded]; ok {
		add(id, wExact)
	}
	n := len([]rune(word))
	if !isNumber(word) && n >= 5 {
		dist := uint8(1)
		if n >= 9 {
			dist = 2
		}
		for _, m := range x.fuzzy(stem, dist, fuzzyLimit) {
			switch m.dist {
			case 0:
				add(m.id, wExact)
			case 1:
				add(m.id, wTypo1)
			default:
				add(m.id, wTypo2)
			}
		}
	}
	if prefix {
		ms := x.prefixed(folded, prefixScan)
		if stem != folded && len(stem) >= 2 {
			ms = append(ms, x.prefixed(stem, prefixScan)...)
		}
		if len(ms) > prefixKeep {
			ms = x.byDF(ms)[:prefixKeep]
		}
		for _, m := range ms {
			add(m.id, wPrefix)
		}
	}
	if tun != nil {
		for _, alt := range tun.Synonyms[lang][folded] {
			if len(alt) == 1 {
				if id, ok := x.terms[Stem(lang, alt[0])]; ok {
					add(id, wSynonym)
				}
				continue
			}
			var all *roaring.Bitmap
			for _, w := range alt {
				bm := x.termAny(Stem(lang, w))
				if all == nil {
					all = bm
				} else {
					all.And(bm)
				}
			}
			if all != nil {
				if c.extra == nil {
					c.extra = all
				} else {
					c.extra.Or(all)
				}
			}
		}
	}
	for id, w := range best {
		c.exps = append(c.exps, exp{id: id, w: w})
	}
	slices.SortFunc(c.exps, func(a, b exp) int {
		if a.w != b.w {
			if a.w > b.w {
				return -1
			}
			return 1
		}
		return int(a.id) - int(b.id)
	})
	return c
}

// termAny is the slots a term is in, in any field (a new bitmap).
func (x *Index) termAny(stem string) *roaring.Bitmap {
	id, ok := x.terms[stem]
	if !ok {
		return roaring.New()
	}
	var bms []*roaring.Bitmap
	for _, bm := range x.post[id] {
		if bm != nil {
			bms = append(bms, bm)
		}
	}
	return roaring.FastOr(bms...)
}

func (c *clause) bitmap(x *Index) *roaring.Bitmap {
	bms := make([]*roaring.Bitmap, 0, len(c.exps)*numFields+1)
	for _, e := range c.exps {
		for _, bm := range x.post[e.id] {
			if bm != nil {
				bms = append(bms, bm)
			}
		}
	}
	if c.extra != nil {
		bms = append(bms, c.extra)
	}
	return roaring.FastOr(bms...)
}

// filterSet is the searchable slots of the channel that pass the filters
// that are sets (everything but the price range).
func (x *Index) filterSet(q *search.Query) (*roaring.Bitmap, error) {
	return x.filterSetBut(q, "")
}

// channelOf is the sales channel of a query ("" is the default channel).
func channelOf(ch string) string {
	if ch == "" {
		return catalog.DefaultChannel
	}
	return ch
}

// filterSetBut is filterSet without the filter of the facet named but
// (search.FacetAvailable or "attributes.<name>"; "" keeps every filter).
// The set it returns may be shared: callers must not change it.
func (x *Index) filterSetBut(q *search.Query, but string) (*roaring.Bitmap, error) {
	vis, own := x.visible(channelOf(q.Channel)), false
	and := func(bm *roaring.Bitmap, not bool) {
		switch {
		case own && not:
			vis.AndNot(bm)
		case own:
			vis.And(bm)
		case not:
			vis = roaring.AndNot(vis, bm)
		default:
			vis = roaring.And(vis, bm)
		}
		own = true
	}
	f := q.Filter
	if f.Category != "" {
		cid := f.Category
		if _, ok := x.cats[cid]; !ok {
			cid = x.catByH[cid]
		}
		id, ok := x.facetIDs[catKey(cid)]
		if !ok || cid == "" {
			return roaring.New(), nil
		}
		and(x.facetBm[id], false)
	}
	names := make([]string, 0, len(f.Attributes))
	for k := range f.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if but == search.AttributePrefix+name {
			continue
		}
		var alts []*roaring.Bitmap
		for _, v := range f.Attributes[name] {
			if id, ok := x.facetIDs[attrKey(name, v)]; ok {
				alts = append(alts, x.facetBm[id])
			}
		}
		and(roaring.FastOr(alts...), false)
	}
	if f.Available != nil && but != search.FacetAvailable {
		and(x.availability(x.priceKey(q.Currency, q.Channel)), !*f.Available)
	}
	return vis, nil
}

// visCacheMax bounds the channels whose visible set is kept.
const visCacheMax = 16

// visCache keeps per sales channel the searchable slots it shows, until
// the index changes them (visGen).
type visCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*roaring.Bitmap
}

// visible is the searchable slots of channel ch: those for every channel
// and those of ch. The set is shared: callers must not change it.
func (x *Index) visible(ch string) *roaring.Bitmap {
	c := &x.visc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != x.visGen || c.m == nil {
		c.m, c.gen = map[string]*roaring.Bitmap{}, x.visGen
	}
	if vis, ok := c.m[ch]; ok {
		return vis
	}
	vis := x.allChan.Clone()
	if id, ok := x.facetIDs[chanKey(ch)]; ok {
		vis.Or(x.facetBm[id])
	}
	vis.And(x.live)
	vis.RunOptimize()
	if len(c.m) < visCacheMax {
		c.m[ch] = vis
	}
	return vis
}

// availability is the slots that can be bought now, in cur when given.
func (x *Index) availability(cur string) *roaring.Bitmap {
	if cur == "" {
		return x.inStock.Clone()
	}
	p := x.priced[cur]
	if p == nil {
		return roaring.New()
	}
	return roaring.And(p, x.inStock)
}

var scorePool = sync.Pool{New: func() any { return new([]float32) }}

// rankBufPool holds the blocks of slots ranking reads at a time.
var rankBufPool = sync.Pool{New: func() any { b := make([]uint32, 1<<16); return &b }}

// cand is a result candidate; larger keys are better.
type cand struct {
	slot   uint32
	k1, k2 float64
	k3     int64
}

func better(a, b cand) bool {
	if a.k1 != b.k1 {
		return a.k1 > b.k1
	}
	if a.k2 != b.k2 {
		return a.k2 > b.k2
	}
	if a.k3 != b.k3 {
		return a.k3 > b.k3
	}
	return a.slot < b.slot
}

// topK keeps the k best candidates (a min-heap on "better").
type topK struct {
	k int
	h []cand
}

func (t *topK) push(c cand) {
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		i := len(t.h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if !better(t.h[p], t.h[i]) {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	if t.k == 0 || !better(c, t.h[0]) {
		return
	}
	t.h[0] = c
	i := 0
	for {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(t.h) && better(t.h[w], t.h[l]) {
			w = l
		}
		if r < len(t.h) && better(t.h[w], t.h[r]) {
			w = r
		}
		if w == i {
			return
		}
		t.h[w], t.h[i] = t.h[i], t.h[w]
		i = w
	}
}

func (t *topK) sorted() []cand {
	slices.SortFunc(t.h, func(a, b cand) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return t.h
}

// EncodeCursor and DecodeCursor make the opaque cursor of an offset.
func EncodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(offset)))
}

// DecodeCursor returns the offset of a cursor, or Invalid.
func DecodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) > 1 && b[0] == 'o' {
		if n, err := strconv.Atoi(string(b[1:])); err == nil && n >= 0 && n <= search.MaxOffset {
			return n, nil
		}
	}
	return 0, errs.Validation(errs.Field("cursor", "is not a cursor of this search"))
}

// Search runs a query. The query must be valid (see searchsvc); the index
// bounds the work all the same.
func (x *Index) Search(q search.Query, tun *Tuning) (search.Result, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	offset, err := DecodeCursor(q.Cursor)
	if err != nil {
		return search.Result{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = search.DefaultLimit
	}
	limit = min(limit, search.MaxLimit)
	lang := Language(q.Locale)
	if lang == "" {
		lang = x.lang
	}
	if r := []rune(q.Q); len(r) > search.MaxQueryLen {
		q.Q = string(r[:search.MaxQueryLen])
	}
	filt, err := x.filterSet(&q)
	if err != nil {
		return search.Result{}, err
	}
	p := x.parse(q.Q, lang, tun)
	match := x.matchSet(&p, filt)
	pkey := x.priceKey(q.Currency, q.Channel)
	var col []uint32
	if q.Currency != "" {
		col = x.prices[pkey]
	}
	unpriced := match // the matches before the price filter
	match = x.priceRange(match, &q, pkey)
	res := search.Result{Data: []search.Hit{}, Facets: map[string][]search.FacetValue{}}
	res.Total = int(match.GetCardinality())

	var rule *search.Rule
	if tun != nil && q.Q != "" && (q.Sort == "" || q.Sort == search.SortRelevance) {
		if r, ok := tun.Rules[Normalize(q.Q)]; ok {
			rule = &r
		}
	}
	var pins []uint32
	if rule != nil {
		for _, id := range rule.Pin {
			if s, ok := x.byID[id]; ok && filt.Contains(s) && !slices.Contains(pins, s) {
				pins = append(pins, s)
				if !match.Contains(s) {
					res.Total++
				}
			}
		}
	}
	for _, f := range q.Facets {
		res.Facets[f] = x.facetCounts(f, x.facetMatches(f, &q, &p, match, unpriced, pkey), &q, pkey)
	}

	k := offset + limit
	order := x.rank(&q, &p, match, k+len(pins), rule, lang)
	list := make([]uint32, 0, len(pins)+len(order))
	list = append(list, pins...)
	for _, s := range order {
		if !slices.Contains(pins, s) {
			list = append(list, s)
		}
	}
	for i := offset; i < len(list) && i < k; i++ {
		res.Data = append(res.Data, x.hit(list[i], q.Currency, pkey, col))
	}
	if res.Total > k && k < search.MaxOffset {
		c := EncodeCursor(k)
		res.NextCursor = &c
	}
	if res.Total == 0 && len(p.clauses) > 0 {
		res.DidYouMean = x.didYouMean(&p, filt, lang)
	}
	return res, nil
}

// priceRange keeps the matches whose price (column pkey) is within the
// query's price filter; without one it returns match.
func (x *Index) priceRange(match *roaring.Bitmap, q *search.Query, pkey string) *roaring.Bitmap {
	if q.Filter.PriceMin == nil && q.Filter.PriceMax == nil {
		return match
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if q.Filter.PriceMin != nil {
		lo = *q.Filter.PriceMin
	}
	if q.Filter.PriceMax != nil {
		hi = *q.Filter.PriceMax
	}
	return x.priceFilter(match, pkey, lo, hi)
}

// facetMatches is what the facet named f counts: the matches of every
// filter but f's own (disjunctive faceting), so that choosing a value
// leaves the counts of its alternatives in place. match has every filter,
// unpriced every filter but the price range. The category facet counts
// the children of the filtered category, which its filter does not
// narrow, so it counts match.
func (x *Index) facetMatches(f string, q *search.Query, p *parsed, match, unpriced *roaring.Bitmap, pkey string) *roaring.Bitmap {
	switch {
	case f == search.FacetPrice:
		return unpriced
	case f == search.FacetAvailable && q.Filter.Available != nil:
	case strings.HasPrefix(f, search.AttributePrefix) && len(q.Filter.Attributes[strings.TrimPrefix(f, search.AttributePrefix)]) > 0:
	default:
		return match
	}
	filt, err := x.filterSetBut(q, f)
	if err != nil {
		return match
	}
	return x.priceRange(x.matchSet(p, filt), q, pkey)
}

// matchSet is the slots of filt that every clause matches, less the
// excluded words.
func (x *Index) matchSet(p *parsed, filt *roaring.Bitmap) *roaring.Bitmap {
	match := filt
	for i := range p.clauses {
		c := &p.clauses[i]
		if len(c.exps) == 0 && c.extra == nil {
			return roaring.New()
		}
		match = roaring.And(match, c.bitmap(x))
		if match.IsEmpty() {
			return match
		}
	}
	if match == filt {
		match = filt.Clone()
	}
	for _, n := range p.neg {
		if id, ok := x.terms[n]; ok {
			for _, bm := range x.post[id] {
				if bm != nil {
					match.AndNot(bm)
				}
			}
		}
	}
	return match
}

// rank orders the best k of match.
func (x *Index) rank(q *search.Query, p *parsed, match *roaring.Bitmap, k int, rule *search.Rule, lang string) []uint32 {
	if k <= 0 || match.IsEmpty() {
		return nil
	}
	sortBy := q.Sort
	if sortBy == "" {
		sortBy = search.SortRelevance
	}
	var scores []float32
	if sortBy == search.SortRelevance && len(p.clauses) > 0 {
		sp := scorePool.Get().(*[]float32)
		if len(*sp) < len(x.docs) {
			*sp = make([]float32, len(x.docs)+len(x.docs)/4)
		}
		scores = *sp
		x.score(p, match, scores)
		if rule != nil {
			for _, id := range rule.Boost {
				if s, ok := x.byID[id]; ok && match.Contains(s) {
					scores[s] += boostBonus
				}
			}
		}
		defer func() {
			buf := make([]uint32, 512)
			it := match.ManyIterator()
			for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
				for _, s := range buf[:n] {
					scores[s] = 0
				}
			}
			scorePool.Put(sp)
		}()
	}
	pkey := x.priceKey(q.Currency, q.Channel)
	var col []uint32
	if q.Currency != "" {
		col = x.prices[pkey]
	}
	depth := k
	if scores != nil {
		depth = max(k, min(rerankDepth, int(match.GetCardinality())))
	}
	t := topK{k: depth, h: make([]cand, 0, min(depth, int(match.GetCardinality())))}
	// Each block of slots is read in reverse (newest first): creation
	// time, the last tie-breaker, mostly grows with the slot, so among
	// equal keys a later candidate is usually worse than the heap's minimum
	// and is dropped without a sift. The order does not change the result
	// (better is a total order).
	bp := rankBufPool.Get().(*[]uint32)
	defer rankBufPool.Put(bp)
	buf := *bp
	it := match.ManyIterator()
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for i := n - 1; i >= 0; i-- {
			s := buf[i]
			c := cand{slot: s, k2: float64(x.pop[s]), k3: x.created[s]}
			switch sortBy {
			case search.SortRelevance:
				if scores != nil {
					c.k1 = float64(scores[s])
				}
			case search.SortNewest:
				c.k1, c.k2, c.k3 = float64(x.created[s]), float64(x.pop[s]), 0
			case search.SortPopular:
			case search.SortPriceAsc, search.SortPriceDesc:
				pr, ok := x.price(col, pkey, s)
				switch {
				case !ok:
					c.k1 = math.Inf(-1)
				case sortBy == search.SortPriceAsc:
					c.k1 = -float64(pr)
				default:
					c.k1 = float64(pr)
				}
			}
			if len(t.h) == t.k && !better(c, t.h[0]) {
				continue
			}
			t.push(c)
		}
	}
	cs := t.sorted()
	if scores != nil && len(p.clauses) > 1 {
		n := min(len(cs), rerankDepth)
		pr := x.newProximity(p, lang)
		for i := range cs[:n] {
			cs[i].k1 += pr.bonus(x.docs[cs[i].slot].Title)
		}
		top := cs[:n]
		slices.SortStableFunc(top, func(a, b cand) int {
			if better(a, b) {
				return -1
			}
			if better(b, a) {
				return 1
			}
			return 0
		})
	}
	out := make([]uint32, len(cs))
	for i, c := range cs {
		out[i] = c.slot
	}
	return out
}

// score adds BM25 (binary term frequency, length-normalized per field,
// weighted by field and by how the word matched) to scores for match.
func (x *Index) score(p *parsed, match *roaring.Bitmap, scores []float32) {
	n := float64(max(x.live.GetCardinality(), 1))
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = max(x.sumLen[f]/n, 1)
	}
	var norm [256]float32
	buf := make([]uint32, 512)
	for ci := range p.clauses {
		c := &p.clauses[ci]
		for f := range numFields {
			// rest is the matches not yet credited in f (the first
			// expansion in order that has a match is credited): it shrinks
			// as the frequent expansions take their matches, so the later
			// intersections are small or skipped.
			var rest *roaring.Bitmap
			last := -1 // the last expansion with postings in f
			for i, e := range c.exps {
				if x.post[e.id][f] != nil {
					last = i
				}
			}
			for i, e := range c.exps {
				bm := x.post[e.id][f]
				if bm == nil {
					continue
				}
				from := match
				if rest != nil {
					if rest.IsEmpty() {
						break
					}
					from = rest
				}
				df := float64(bm.GetCardinality())
				idf := math.Log(1 + (n-df+0.5)/(df+0.5))
				w := e.w * idf * fieldWeight[f] * (k1 + 1)
				for l := range norm {
					norm[l] = float32(w / (1 + k1*(1-b+b*float64(l)/avg[f])))
				}
				hits := roaring.And(bm, from)
				lens := x.flen[f]
				it := hits.ManyIterator()
				for k := it.NextMany(buf); k > 0; k = it.NextMany(buf) {
					for _, s := range buf[:k] {
						scores[s] += norm[lens[s]]
					}
				}
				if i < last {
					if rest == nil {
						rest = roaring.AndNot(match, hits)
					} else {
						rest.AndNot(hits)
					}
				}
			}
		}
		if c.extra != nil {
			it := roaring.And(c.extra, match).Iterator()
			for it.HasNext() {
				scores[it.Next()] += float32(wSynonym * fieldWeight[FieldDescription])
			}
		}
	}
}

// proximity scores titles against a query's words (its clauses' stems).
type proximity struct {
	x      *Index
	lang   string
	want   []string
	pos    []int
	phrase bool
	key    []byte
}

func (x *Index) newProximity(p *parsed, lang string) *proximity {
	pr := &proximity{x: x, lang: lang, want: make([]string, len(p.clauses)), pos: make([]int, len(p.clauses)), phrase: p.phrase}
	for i, c := range p.clauses {
		pr.want[i] = c.stem
	}
	return pr
}

// stem is Stem(lang, the token raw as Tokenize gives it), read from the
// writer's word → term map when the word was indexed in lang.
func (pr *proximity) stem(raw string) string {
	pr.key = appendLowerToken(append(append(pr.key[:0], pr.lang...), 0), raw)
	if id, ok := pr.x.wordTerm[string(pr.key)]; ok {
		return pr.x.termStr[id]
	}
	return Stem(pr.lang, string(pr.key[len(pr.lang)+1:]))
}

// bonus is the bonus of a title that has the query's words as a phrase
// (large) or close together (smaller).
func (pr *proximity) bonus(title string) float64 {
	want, pos := pr.want, pr.pos
	found := 0
	best := math.MaxInt
	for i := range pos {
		pos[i] = -1
	}
	i := 0
	forTokens(title, 0, func(raw string) {
		t := pr.stem(raw)
		for j, w := range want {
			if t == w || (j == len(want)-1 && strings.HasPrefix(t, w)) {
				if pos[j] < 0 {
					found++
				}
				pos[j] = i
			}
		}
		if found == len(want) {
			lo, hi := math.MaxInt, -1
			for _, q := range pos {
				lo, hi = min(lo, q), max(hi, q)
			}
			best = min(best, hi-lo+1)
		}
		i++
	})
	if best == math.MaxInt {
		return 0
	}
	if best == len(want) {
		inOrder := true
		for i := 1; i < len(pos); i++ {
			if pos[i] != pos[i-1]+1 {
				inOrder = false
			}
		}
		if inOrder {
			if pr.phrase {
				return 8
			}
			return 4
		}
	}
	return 2 / float64(best-len(want)+1)
}

func (x *Index) hit(s uint32, cur, pkey string, col []uint32) search.Hit {
	d := &x.docs[s]
	h := search.Hit{ID: d.ID, Handle: d.Handle, Title: d.Title, Image: d.Image, CategoryIDs: append([]string(nil), d.Cats...), Available: d.InStock}
	if h.CategoryIDs == nil {
		h.CategoryIDs = []string{}
	}
	if cur != "" {
		if pr, ok := x.price(col, pkey, s); ok {
			h.Price = &money.Money{Amount: pr, Currency: cur}
		} else {
			h.Available = false
		}
	}
	return h
}

// priceSteps are the bounds of price ranges, in major units.
var priceSteps = []int64{10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

func (x *Index) facetCounts(name string, match *roaring.Bitmap, q *search.Query, pkey string) []search.FacetValue {
	out := []search.FacetValue{}
	switch {
	case name == search.FacetCategory:
		parent := ""
		if q.Filter.Category != "" {
			parent = q.Filter.Category
			if _, ok := x.cats[parent]; !ok {
				parent = x.catByH[parent]
			}
		}
		for _, child := range x.children[parent] {
			id, ok := x.facetIDs[catKey(child)]
			if !ok {
				continue
			}
			if n := match.AndCardinality(x.facetBm[id]); n > 0 {
				out = append(out, search.FacetValue{Value: child, Label: x.cats[child].Name, Count: int(n)})
			}
		}
	case name == search.FacetAvailable:
		n := int(match.AndCardinality(x.availability(pkey)))
		total := int(match.GetCardinality())
		if n > 0 {
			out = append(out, search.FacetValue{Value: "true", Count: n})
		}
		if total-n > 0 {
			out = append(out, search.FacetValue{Value: "false", Count: total - n})
		}
		return out
	case name == search.FacetPrice:
		if q.Currency == "" {
			return out
		}
		counts, b := x.priceCounts(match, pkey)
		for i, n := range counts {
			if n == 0 {
				continue
			}
			fv := search.FacetValue{Count: n}
			from := b.bounds[i]
			fv.From = &from
			if i+1 < len(b.bounds) {
				to := b.bounds[i+1]
				fv.To = &to
			}
			out = append(out, fv)
		}
		return out
	case strings.HasPrefix(name, search.AttributePrefix):
		attr := strings.TrimPrefix(name, search.AttributePrefix)
		vals := x.attrVals[attr]
		if col := x.column(attr); col != nil {
			for i, n := range x.columnCounts(col, len(vals), match)[1:] {
				if n > 0 {
					key := x.facetKeys[vals[i]]
					out = append(out, search.FacetValue{Value: key[len("a\x00")+len(attr)+1:], Count: int(n)})
				}
			}
		} else if len(vals) > 2000 && match.GetCardinality() < uint64(len(vals)) {
			counts := map[uint32]int{}
			prefix := "a\x00" + attr + "\x00"
			it := match.Iterator()
			for it.HasNext() {
				for _, f := range x.docs[it.Next()].Facets {
					if strings.HasPrefix(x.facetKeys[f], prefix) {
						counts[f]++
					}
				}
			}
			for f, n := range counts {
				out = append(out, search.FacetValue{Value: x.facetKeys[f][len(prefix):], Count: n})
			}
		} else {
			for _, f := range vals {
				if n := match.AndCardinality(x.facetBm[f]); n > 0 {
					key := x.facetKeys[f]
					out = append(out, search.FacetValue{Value: key[len("a\x00")+len(attr)+1:], Count: int(n)})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b search.FacetValue) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	if len(out) > search.MaxFacetValues {
		out = out[:search.MaxFacetValues]
	}
	return out
}

// didYouMean corrects each word to the most frequent term within two
// edits and returns the corrected query if it has matches.
func (x *Index) didYouMean(p *parsed, filt *roaring.Bitmap, lang string) string {
	words := make([]string, len(p.clauses))
	changed := false
	var q parsed
	for i, c := range p.clauses {
		words[i] = c.word
		if _, ok := x.terms[c.stem]; ok {
			q.clauses = append(q.clauses, clause{exps: []exp{{id: x.terms[c.stem], w: 1}}})
			continue
		}
		n := len([]rune(c.word))
		if n < 3 {
			return ""
		}
		dist := uint8(1)
		if n >= 5 {
			dist = 2
		}
		var best match
		var bestDF uint64
		found := false
		for _, m := range x.fuzzy(c.stem, dist, 200) {
			df := x.df(m.id)
			if !found || m.dist < best.dist || (m.dist == best.dist && df > bestDF) {
				best, bestDF, found = m, df, true
			}
		}
		if !found {
			return ""
		}
		words[i] = x.surface[best.id]
		changed = true
		q.clauses = append(q.clauses, clause{exps: []exp{{id: best.id, w: 1}}})
	}
	if !changed || x.matchSet(&q, filt).IsEmpty() {
		return ""
	}
	return strings.Join(words, " ")
}

// suggestScan bounds the matches Suggest ranks for its products.
const suggestScan = 20_000

// byDF sorts ms by falling document frequency, then term id.
func (x *Index) byDF(ms []match) []match {
	type ranked struct {
		m  match
		df uint64
	}
	rs := make([]ranked, len(ms))
	for i, m := range ms {
		rs[i] = ranked{m, x.df(m.id)}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		switch {
		case a.df > b.df:
			return -1
		case a.df < b.df:
			return 1
		}
		return int(a.m.id) - int(b.m.id)
	})
	for i := range rs {
		ms[i] = rs[i].m
	}
	return ms
}

// Suggest completes q: the most frequent words that start with its last
// word, and the products whose titles match it.
func (x *Index) Suggest(q search.SuggestQuery, tun *Tuning) search.Suggestions {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := search.Suggestions{Queries: []search.Suggestion{}, Products: []search.Suggestion{}}
	limit := q.Limit
	if limit <= 0 {
		limit = 5
	}
	limit = min(limit, search.MaxSuggest)
	lang := Language(q.Locale)
	if lang == "" {
		lang = x.lang
	}
	if r := []rune(q.Q); len(r) > search.MaxQueryLen {
		q.Q = string(r[:search.MaxQueryLen])
	}
	toks := Tokenize(q.Q, search.MaxQueryTerms)
	if len(toks) == 0 {
		return out
	}
	filt, _ := x.filterSet(&search.Query{Channel: q.Channel})
	head := make([]string, 0, len(toks)-1)
	for _, t := range toks[:len(toks)-1] {
		head = append(head, fold(t.Word))
	}
	last := fold(toks[len(toks)-1].Word)
	ms := x.byDF(x.prefixed(last, prefixScan))
	seen := map[string]bool{}
	for _, m := range ms {
		if len(out.Queries) >= limit {
			break
		}
		w := x.surface[m.id]
		if seen[w] || !strings.HasPrefix(w, last) {
			continue
		}
		seen[w] = true
		out.Queries = append(out.Queries, search.Suggestion{Text: strings.Join(append(slices.Clone(head), w), " ")})
	}
	// Products: title words only, the last as a prefix; a bounded scan.
	p := x.parse(q.Q, lang, tun)
	match := filt
	for i := range p.clauses {
		c := &p.clauses[i]
		bms := []*roaring.Bitmap{}
		for _, e := range c.exps {
			if bm := x.post[e.id][FieldTitle]; bm != nil && e.w >= wPrefix {
				bms = append(bms, bm)
			}
		}
		match = roaring.And(match, roaring.FastOr(bms...))
	}
	// The keys are the rank columns' (the same as the documents'): a
	// slot is dead only when it is in no match.
	t := topK{k: limit}
	buf := make([]uint32, 256)
	it := match.ManyIterator()
	for n := 0; n < suggestScan; {
		k := it.NextMany(buf[:min(len(buf), suggestScan-n)])
		if k == 0 {
			break
		}
		for _, s := range buf[:k] {
			tl := int(x.tlen[s])
			if tl == math.MaxUint16 {
				tl = len(x.docs[s].Title)
			}
			c := cand{slot: s, k1: float64(x.pop[s]), k2: -float64(tl), k3: x.created[s]}
			if len(t.h) == t.k && !better(c, t.h[0]) {
				continue
			}
			t.push(c)
		}
		n += k
	}
	for _, c := range t.sorted() {
		d := &x.docs[c.slot]
		out.Products = append(out.Products, search.Suggestion{Text: d.Title, ProductID: d.ID, Handle: d.Handle})
	}
	return out
}
