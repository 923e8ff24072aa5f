package searchindex

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
)

// Price lists. The price search shows, filters, sorts and facets is, per
// currency and sales channel, the lowest of the product's variant prices,
// where a variant's price is the lowest price it has in the price lists in
// force for buyers without a customer group (active, within their window,
// for every channel or for this channel), and its catalog list price when
// no such list prices it. It is pricing's resolution for a buyer without a
// customer group, applied to each variant.
//
// The index keeps, per product, its variants' fingerprints and catalog
// prices (a compact blob), the price lists with their prices by variant
// fingerprint, and, for the variants some list prices, a link to their
// product's slot. Prices are kept in columns per currency ("USD", every
// channel without lists of its own) and per currency and channel
// ("USD@wholesale", created by the first list of that channel), so that a
// query reads one column as before. A list whose window opens or closes
// changes the columns when Tick passes the moment.

// PriceList is the index's copy of a pricing price list.
type PriceList struct {
	ID, Currency, Channel, Group string
	Starts, Ends                 int64 // unix nanos; 0: unbounded
	Active                       bool
	Known                        bool  // its fields came from a list event (not only prices)
	Version                      int64 // the newest applied
	Prices                       map[uint64]int64
	On                           bool // in force at the index's clock
}

func (l *PriceList) inForce(clock int64) bool {
	return l.Known && l.Active && (l.Starts == 0 || l.Starts <= clock) && (l.Ends == 0 || clock < l.Ends)
}

// applies reports whether l prices for a buyer without a customer group
// in the column of cur and channel ch ("" the column every channel shares).
func (l *PriceList) applies(cur, ch string) bool {
	return l.On && l.Group == "" && l.Currency == cur && (l.Channel == "" || l.Channel == ch)
}

// Variant is a product's variant as the index takes it: its id and its
// catalog list prices (one per currency).
type Variant struct {
	ID     string
	Prices []money.Money
}

// priceIn is the amount of cur in ps.
func priceIn(ps []money.Money, cur string) (int64, bool) {
	for _, p := range ps {
		if p.Currency == cur {
			return p.Amount, true
		}
	}
	return 0, false
}

const noSlot = math.MaxUint32

// variantHash fingerprints a variant id. Two variants would be confused
// only if their 64-bit FNV-1a hashes matched. It must be stable across
// processes: fingerprints are in snapshots.
func variantHash(id string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a offset basis
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211 // FNV prime
	}
	return h
}

// priceKeyOf is the column of a currency and channel ("" shared).
func priceKeyOf(cur, ch string) string {
	if ch == "" {
		return cur
	}
	return cur + "@" + ch
}

// curOf is the currency of a price column.
func curOf(key string) string {
	if i := strings.IndexByte(key, '@'); i >= 0 {
		return key[:i]
	}
	return key
}

// priceKey is the column a query in cur and channel ch reads.
func (x *Index) priceKey(cur, ch string) string {
	if cur == "" || len(x.chans) == 0 {
		return cur
	}
	ch = channelOf(ch)
	if slices.Contains(x.chans[cur], ch) {
		return priceKeyOf(cur, ch)
	}
	return cur
}

// encodeVariants packs variants' fingerprints and catalog prices:
// uvarint count, uvarint currencies, each currency (uvarint length,
// bytes), 8 bytes of fingerprint per variant, then per variant and
// currency uvarint(amount+1) (0: no price).
func encodeVariants(vs []Variant) []byte {
	if len(vs) == 0 {
		return nil
	}
	var curs []string
	for _, v := range vs {
		for _, p := range v.Prices {
			if !slices.Contains(curs, p.Currency) {
				curs = append(curs, p.Currency)
			}
		}
	}
	sort.Strings(curs)
	b := make([]byte, 0, 4+len(curs)*4+len(vs)*(8+len(curs)*3))
	b = binary.AppendUvarint(b, uint64(len(vs)))
	b = binary.AppendUvarint(b, uint64(len(curs)))
	for _, c := range curs {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
	}
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, variantHash(v.ID))
	}
	for _, v := range vs {
		for _, c := range curs {
			amt, ok := priceIn(v.Prices, c)
			switch {
			case !ok:
				b = binary.AppendUvarint(b, 0)
			case amt < 0:
				b = binary.AppendUvarint(b, 1)
			default:
				b = binary.AppendUvarint(b, uint64(amt)+1)
			}
		}
	}
	return slices.Clip(b)
}

// varRow is one decoded variant.
type varRow struct {
	fp     uint64
	prices []money.Money
}

// variantFPs calls fn with each fingerprint of a blob.
func variantFPs(b []byte, fn func(uint64)) {
	nv, n := binary.Uvarint(b)
	if n <= 0 {
		return
	}
	b = b[n:]
	nc, n := binary.Uvarint(b)
	if n <= 0 {
		return
	}
	b = b[n:]
	for range nc {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return
		}
		b = b[n+int(l):]
	}
	for range nv {
		if len(b) < 8 {
			return
		}
		fn(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
}

// decodeVariants unpacks a blob of encodeVariants (nil when malformed).
func decodeVariants(b []byte) []varRow {
	nv, n := binary.Uvarint(b)
	if n <= 0 || nv > 1<<16 {
		return nil
	}
	b = b[n:]
	nc, n := binary.Uvarint(b)
	if n <= 0 || nc > 1<<10 {
		return nil
	}
	b = b[n:]
	curs := make([]string, nc)
	for i := range curs {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return nil
		}
		curs[i] = string(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	rows := make([]varRow, nv)
	for i := range rows {
		if len(b) < 8 {
			return nil
		}
		rows[i] = varRow{fp: binary.LittleEndian.Uint64(b), prices: make([]money.Money, 0, nc)}
		b = b[8:]
	}
	for i := range rows {
		for _, c := range curs {
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil
			}
			b = b[n:]
			if v > 0 {
				rows[i].prices = append(rows[i].prices, money.Money{Amount: int64(v - 1), Currency: c})
			}
		}
	}
	return rows
}

// rowsOf is the variants of a Doc.
func rowsOf(d *Doc) []varRow {
	rows := make([]varRow, len(d.Variants))
	for i, v := range d.Variants {
		rows[i] = varRow{fp: variantHash(v.ID), prices: v.Prices}
	}
	return rows
}

// docPrices is what a document costs per price column, linking its
// listed variants to slot.
func (x *Index) docPrices(slot uint32, d *Doc) map[string]int64 {
	if len(x.vlists) == 0 && len(x.chans) == 0 {
		return d.Prices
	}
	listed := false
	for _, v := range d.Variants {
		fp := variantHash(v.ID)
		if _, ok := x.vlists[fp]; ok {
			x.vslot[fp] = slot
			listed = true
		}
	}
	if listed {
		return x.effective(rowsOf(d))
	}
	if len(x.chans) == 0 {
		return d.Prices
	}
	out := make(map[string]int64, len(d.Prices)*2)
	for cur, amt := range d.Prices {
		out[cur] = amt
		for _, ch := range x.chans[cur] {
			out[priceKeyOf(cur, ch)] = amt
		}
	}
	return out
}

// effective is the price per column of a product with these variants.
func (x *Index) effective(rows []varRow) map[string]int64 {
	out := map[string]int64{}
	put := func(key string, amt int64) {
		if old, ok := out[key]; !ok || amt < old {
			out[key] = amt
		}
	}
	var curs []string
	for _, r := range rows {
		ls := x.vlists[r.fp]
		curs = curs[:0]
		for _, p := range r.prices {
			curs = append(curs, p.Currency)
		}
		for _, l := range ls {
			if l.On && l.Group == "" && l.Currency != "" && !slices.Contains(curs, l.Currency) {
				curs = append(curs, l.Currency)
			}
		}
		for _, cur := range curs {
			cat, hasCat := priceIn(r.prices, cur)
			base, hasBase := int64(0), false
			for _, l := range ls {
				if l.applies(cur, "") {
					if p, ok := l.Prices[r.fp]; ok && (!hasBase || p < base) {
						base, hasBase = p, true
					}
				}
			}
			switch {
			case hasBase:
				put(cur, base)
			case hasCat:
				put(cur, cat)
			}
			for _, ch := range x.chans[cur] {
				v, has := base, hasBase
				for _, l := range ls {
					if l.Channel == ch && l.applies(cur, ch) {
						if p, ok := l.Prices[r.fp]; ok && (!has || p < v) {
							v, has = p, true
						}
					}
				}
				switch {
				case has:
					put(priceKeyOf(cur, ch), v)
				case hasCat:
					put(priceKeyOf(cur, ch), cat)
				}
			}
		}
	}
	return out
}

// applyPrices sets slot's price columns to eff.
func (x *Index) applyPrices(slot uint32, eff map[string]int64) {
	for key, col := range x.prices {
		if _, ok := eff[key]; !ok && int(slot) < len(col) && col[slot] != 0 {
			x.bucketSet(key, slot, col[slot], false)
			col[slot] = 0
			x.priced[key].Remove(slot)
			delete(x.big[key], slot)
		}
	}
	for key, amt := range eff {
		x.setPrice(slot, key, amt)
	}
}

// unlinkVariants drops the links of slot's listed variants (before the
// slot is replaced or its variants change).
func (x *Index) unlinkVariants(slot uint32) {
	if len(x.vslot) == 0 {
		return
	}
	variantFPs(x.docs[slot].Vars, func(fp uint64) {
		if s, ok := x.vslot[fp]; ok && s == slot {
			x.vslot[fp] = noSlot
		}
	})
}

// reprice recomputes slot's prices from its variants.
func (x *Index) reprice(slot uint32) {
	di := &x.docs[slot]
	if di.Dead || di.Vars == nil {
		return
	}
	if rows := decodeVariants(di.Vars); rows != nil {
		x.applyPrices(slot, x.effective(rows))
	}
}

// ensureChannel makes the column of cur and ch, a copy of cur's (the
// prices every channel shares) until lists of ch change it.
func (x *Index) ensureChannel(cur, ch string) {
	if ch == "" || cur == "" || slices.Contains(x.chans[cur], ch) {
		return
	}
	key := priceKeyOf(cur, ch)
	col := slices.Clone(x.prices[cur])
	if len(col) < len(x.docs) {
		col = slices.Grow(col, len(x.docs)-len(col))[:len(x.docs)]
	}
	x.prices[key] = col
	if big := x.big[cur]; len(big) > 0 {
		x.big[key] = make(map[uint32]int64, len(big))
		for s, v := range big {
			x.big[key][s] = v
		}
	}
	if p := x.priced[cur]; p != nil {
		x.priced[key] = p.Clone()
	} else {
		x.priced[key] = roaring.New()
	}
	if b := x.buckets[cur]; b != nil {
		nb := &priceBuckets{bounds: b.bounds, bms: make([]*roaring.Bitmap, len(b.bms))}
		for i, bm := range b.bms {
			nb.bms[i] = bm.Clone()
		}
		x.buckets[key] = nb
	}
	x.chans[cur] = append(x.chans[cur], ch)
	slices.Sort(x.chans[cur])
}

// listFPs appends the fingerprints l prices.
func listFPs(l *PriceList, out []uint64) []uint64 {
	for fp := range l.Prices {
		out = append(out, fp)
	}
	return out
}

func (x *Index) indexList(l *PriceList, fp uint64) {
	if !slices.Contains(x.vlists[fp], l) {
		x.vlists[fp] = append(x.vlists[fp], l)
	}
}

func (x *Index) unindexList(l *PriceList, fp uint64) {
	ls := slices.DeleteFunc(x.vlists[fp], func(o *PriceList) bool { return o == l })
	if s, ok := x.vslot[fp]; ok && s != noSlot {
		x.repriceQ = append(x.repriceQ, s)
	}
	if len(ls) == 0 {
		delete(x.vlists, fp)
		delete(x.vslot, fp)
		return
	}
	x.vlists[fp] = ls
}

func (x *Index) list(id string) *PriceList {
	l := x.lists[id]
	if l == nil {
		l = &PriceList{ID: id, Prices: map[uint64]int64{}}
		x.lists[id] = l
	}
	return l
}

func (l *PriceList) setFields(pl pricing.PriceList, clock int64) {
	l.Currency, l.Channel, l.Group, l.Active = pl.Currency, pl.Channel, pl.CustomerGroup, pl.Active
	l.Starts, l.Ends = 0, 0
	if pl.StartsAt != nil {
		l.Starts = pl.StartsAt.UnixNano()
	}
	if pl.EndsAt != nil {
		l.Ends = pl.EndsAt.UnixNano()
	}
	l.Known = true
	l.Version = max(l.Version, pl.Version)
	l.On = l.inForce(clock)
}

// setPrices upserts prices into l (an amount < 0 removes) and appends the
// fingerprints it changed.
func (x *Index) setPrices(l *PriceList, prices []pricing.ListPrice, out []uint64) []uint64 {
	for _, p := range prices {
		fp := variantHash(p.VariantID)
		if p.Amount < 0 {
			if _, ok := l.Prices[fp]; ok {
				delete(l.Prices, fp)
				x.unindexList(l, fp)
				out = append(out, fp)
			}
			continue
		}
		l.Prices[fp] = p.Amount
		x.indexList(l, fp)
		out = append(out, fp)
	}
	return out
}

// PutPriceList applies a price list's creation or change at time now:
// its fields when pl.Version is not older than the list's, and prices
// (upserted; an amount of -1 removes). The products of its variants are
// repriced.
func (x *Index) PutPriceList(pl pricing.PriceList, prices []pricing.ListPrice, now time.Time) {
	x.pricingChange(now, func(fps []uint64) []uint64 {
		l := x.list(pl.ID)
		if l.Known && pl.Version < l.Version {
			return fps
		}
		fps = listFPs(l, fps) // every variant it priced may change
		l.setFields(pl, x.clock)
		x.ensureChannel(l.Currency, l.Channel)
		return x.setPrices(l, prices, fps)
	})
}

// SetListPrices applies prices set in a list (a list not known yet is
// kept until its fields come).
func (x *Index) SetListPrices(set pricing.PricesSet, now time.Time) {
	x.pricingChange(now, func(fps []uint64) []uint64 {
		l := x.list(set.PriceListID)
		l.Version = max(l.Version, set.Version)
		return x.setPrices(l, set.Prices, fps)
	})
}

// DeletePriceList removes a list and reprices the products it priced.
func (x *Index) DeletePriceList(id string, now time.Time) {
	x.pricingChange(now, func(fps []uint64) []uint64 {
		l, ok := x.lists[id]
		if !ok {
			return fps
		}
		delete(x.lists, id)
		fps = listFPs(l, fps)
		for fp := range l.Prices {
			x.unindexList(l, fp)
		}
		return fps
	})
}

// Tick moves the index's clock to now: the lists whose window opened or
// closed since reprice their products. Cheap when nothing changes.
func (x *Index) Tick(now time.Time) {
	clock := now.UnixNano()
	x.mu.RLock()
	flips := false
	for _, l := range x.lists {
		if l.inForce(clock) != l.On {
			flips = true
			break
		}
	}
	x.mu.RUnlock()
	if !flips {
		return
	}
	x.pricingChange(now, func(fps []uint64) []uint64 { return fps })
}

// pricingChange runs change under the write lock with the clock at now,
// after turning on and off the lists whose window says so, finds the
// products of the variants it returns that are not linked yet (a scan
// under the read lock, so that searches go on), and reprices them.
func (x *Index) pricingChange(now time.Time, change func([]uint64) []uint64) {
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	x.clock = max(x.clock, now.UnixNano())
	var fps []uint64
	for _, l := range x.lists {
		if on := l.inForce(x.clock); on != l.On {
			l.On = on
			fps = listFPs(l, fps)
		}
	}
	fps = change(fps)
	var missing map[uint64]bool
	for _, fp := range fps {
		if _, listed := x.vlists[fp]; !listed {
			continue
		}
		if _, ok := x.vslot[fp]; !ok {
			if missing == nil {
				missing = map[uint64]bool{}
			}
			missing[fp] = true
		}
	}
	slots := append(x.slotsOf(fps), x.repriceQ...)
	x.repriceQ = x.repriceQ[:0]
	x.mu.Unlock()
	if len(missing) == 0 && len(slots) == 0 {
		return
	}
	var found map[uint64]uint32
	if len(missing) > 0 {
		x.mu.RLock()
		found = x.scanVariants(missing)
		x.mu.RUnlock()
	}
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	for fp := range missing {
		if _, ok := x.vslot[fp]; ok {
			continue // linked meanwhile by its product's event
		}
		if _, listed := x.vlists[fp]; !listed {
			continue
		}
		if s, ok := found[fp]; ok && !x.docs[s].Dead {
			x.vslot[fp] = s
			slots = append(slots, s)
		} else {
			x.vslot[fp] = noSlot
		}
	}
	slices.Sort(slots)
	slots = slices.Compact(slots)
	// In batches, so that searches are not held up by a large list.
	for i, s := range slots {
		if i > 0 && i%repriceBatch == 0 {
			x.mu.Unlock()
			x.mu.Lock()
			x.gen.Add(1) // every change moves the generation (Generation)
		}
		x.reprice(s)
	}
	x.mu.Unlock()
}

// repriceBatch is how many products are repriced under one hold of the
// write lock.
const repriceBatch = 512

// slotsOf is the linked slots of fps (unlisted variants are looked up
// through the slots that held them: none; their products reprice from the
// lists that remain when they are linked again).
func (x *Index) slotsOf(fps []uint64) []uint32 {
	var out []uint32
	for _, fp := range fps {
		if s, ok := x.vslot[fp]; ok && s != noSlot {
			out = append(out, s)
		}
	}
	return out
}

// scanVariants finds the slots of the products that have the variants
// want, reading every live document's fingerprints.
func (x *Index) scanVariants(want map[uint64]bool) map[uint64]uint32 {
	var filter [1024]uint64 // a bit per low 16 bits of the wanted fingerprints
	for fp := range want {
		filter[(fp>>6)&1023] |= 1 << (fp & 63)
	}
	out := make(map[uint64]uint32, len(want))
	for slot := range x.docs {
		di := &x.docs[slot]
		if di.Dead || di.Vars == nil {
			continue
		}
		variantFPs(di.Vars, func(fp uint64) {
			if filter[(fp>>6)&1023]&(1<<(fp&63)) != 0 && want[fp] {
				out[fp] = uint32(slot)
			}
		})
	}
	return out
}

// relinkPrices rebuilds the variant → lists index, the channel columns'
// list and the links of listed variants (after a snapshot load or a
// carry-over).
func (x *Index) relinkPrices() {
	clear(x.vlists)
	clear(x.vslot)
	clear(x.chans)
	for key := range x.prices {
		if i := strings.IndexByte(key, '@'); i >= 0 {
			x.chans[key[:i]] = append(x.chans[key[:i]], key[i+1:])
		}
	}
	for _, chs := range x.chans {
		slices.Sort(chs)
	}
	for _, l := range x.lists {
		x.ensureChannel(l.Currency, l.Channel)
		for fp := range l.Prices {
			x.indexList(l, fp)
		}
	}
	if len(x.vlists) == 0 {
		return
	}
	want := make(map[uint64]bool, len(x.vlists))
	for fp := range x.vlists {
		want[fp] = true
		x.vslot[fp] = noSlot
	}
	for fp, s := range x.scanVariants(want) {
		x.vslot[fp] = s
	}
}

// CarryPrices gives x the price lists of from (a rebuild from the catalog
// knows no price list); call it before the products are put.
func (x *Index) CarryPrices(from *Index) {
	if from == x {
		return
	}
	from.mu.RLock()
	lists := make(map[string]*PriceList, len(from.lists))
	for id, l := range from.lists {
		c := *l
		c.Prices = make(map[uint64]int64, len(l.Prices))
		for fp, v := range l.Prices {
			c.Prices[fp] = v
		}
		lists[id] = &c
	}
	clock := from.clock
	from.mu.RUnlock()
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	x.lists, x.clock = lists, max(x.clock, clock)
	x.relinkPrices()
}

// PriceLists is the number of price lists the index holds.
func (x *Index) PriceLists() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.lists)
}
