package searchindex

import (
	"hash/crc32"
	"time"
)

// Stock. A product is in stock when any of its variants with a SKU is
// sellable (a product without SKUs is in stock). A SKU is sellable until an
// inventory event says otherwise, so the index keeps no string per SKU:
// each document keeps its SKUs' fingerprints, a map goes from a
// fingerprint's hash to the slots that hold it (with the time and outcome
// of the SKU's last event), and only the non-sellable SKUs are kept by
// name (a sparse set, persisted in the snapshot and carried over a
// rebuild).

// skuFP is a SKU's fingerprint: H keys the index's map; C, an independent
// checksum, tells apart SKUs whose H collide.
type skuFP struct {
	H uint64
	C uint32
}

// skuRef links a SKU to a product slot.
type skuRef struct {
	slot uint32
	chk  uint32 // skuFP.C
	// at is the SKU's last applied inventory event: 0 none (sellable);
	// t > 0 sellable as of t; t < 0 not sellable as of -t (unix nanos).
	at int64
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// skuHash fingerprints a SKU; tests replace it to force collisions. It
// must be stable across processes: fingerprints are in snapshots.
var skuHash = func(sku string) skuFP {
	return skuFP{H: fnv64a(fnvOffset, sku), C: crc32c(sku)}
}

// crc32c is crc32.Checksum([]byte(s), crcTable) without the copy.
func crc32c(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crcTable[byte(crc)^s[i]] ^ crc>>8
	}
	return ^crc
}

func absAt(at int64) int64 {
	if at < 0 {
		return -at
	}
	return at
}

// refsOf appends the refs of h to buf.
func (x *Index) refsOf(h uint64, buf []skuRef) []skuRef {
	if r, ok := x.skus[h]; ok {
		buf = append(buf, r)
		buf = append(buf, x.skuMore[h]...)
	}
	return buf
}

// setRefs makes rs the refs of h.
func (x *Index) setRefs(h uint64, rs []skuRef) {
	switch len(rs) {
	case 0:
		delete(x.skus, h)
		delete(x.skuMore, h)
	case 1:
		x.skus[h] = rs[0]
		delete(x.skuMore, h)
	default:
		x.skus[h] = rs[0]
		x.skuMore[h] = append(x.skuMore[h][:0], rs[1:]...)
	}
}

// unlinkSKUs removes slot's SKU refs and returns the reported ones' states.
func (x *Index) unlinkSKUs(slot uint32) map[skuFP]int64 {
	di := &x.docs[slot]
	var carry map[skuFP]int64
	var buf [4]skuRef
	for _, fp := range di.SKUs {
		rs := x.refsOf(fp.H, buf[:0])
		keep := rs[:0]
		for _, r := range rs {
			if r.slot == slot && r.chk == fp.C {
				if r.at != 0 {
					if carry == nil {
						carry = map[skuFP]int64{}
					}
					carry[fp] = r.at
				}
				continue
			}
			keep = append(keep, r)
		}
		x.setRefs(fp.H, keep)
	}
	di.SKUs = nil
	return carry
}

// linkSKUs links slot to d's SKUs (states from carry, exact from the
// non-sellable set) and sets its stock.
func (x *Index) linkSKUs(slot uint32, d *Doc, carry map[skuFP]int64) {
	di := &x.docs[slot]
	if len(d.SKUs) > 0 && cap(di.SKUs) < len(d.SKUs) {
		di.SKUs = make([]skuFP, 0, len(d.SKUs))
	}
	var buf [4]skuRef
	for i, sku := range d.SKUs {
		if sku == "" || containsBefore(d.SKUs, i) {
			continue
		}
		fp := skuHash(sku)
		at := carry[fp]
		if t, ok := x.noSell[sku]; ok {
			at = -t
		} else if at < 0 {
			at = -at // the outcome was another SKU's (same fingerprint)
		}
		rs := x.refsOf(fp.H, buf[:0])
		x.setRefs(fp.H, append(rs, skuRef{slot: slot, chk: fp.C, at: at}))
		di.SKUs = append(di.SKUs, fp)
	}
	x.setStock(slot)
}

func containsBefore(s []string, i int) bool {
	for _, v := range s[:i] {
		if v == s[i] {
			return true
		}
	}
	return false
}

// sellable says whether a variant of slot can be sold.
func (x *Index) sellable(slot uint32) bool {
	di := &x.docs[slot]
	if len(di.SKUs) == 0 {
		return true
	}
	for _, fp := range di.SKUs {
		if r, ok := x.skus[fp.H]; ok && r.slot == slot && r.chk == fp.C {
			if r.at >= 0 {
				return true
			}
			continue
		}
		for _, r := range x.skuMore[fp.H] {
			if r.slot == slot && r.chk == fp.C && r.at >= 0 {
				return true
			}
		}
	}
	return false
}

// setStock sets slot's in-stock flag from its SKUs.
func (x *Index) setStock(slot uint32) {
	di := &x.docs[slot]
	if di.Dead {
		return
	}
	di.InStock = !di.ForcedOut && x.sellable(slot)
	if di.InStock {
		x.inStock.Add(slot)
	} else {
		x.inStock.Remove(slot)
	}
}

// SetStock records what an inventory event says of a SKU at time at: the
// products with it follow. An event not newer than the last one applied to
// the SKU changes nothing (events may come twice or out of order); an event
// without a time is applied. It reports whether the event was applied.
func (x *Index) SetStock(sku string, sellable bool, at time.Time) bool {
	if sku == "" {
		return false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	fp := skuHash(sku)
	last, wasNot := x.noSell[sku]
	var buf [4]skuRef
	rs := x.refsOf(fp.H, buf[:0])
	for _, r := range rs {
		if r.chk == fp.C {
			last = max(last, absAt(r.at))
		}
	}
	var t int64
	if at.IsZero() {
		t = max(last, 1)
	} else {
		if t = at.UnixNano(); t <= last {
			return false
		}
		t = max(t, 1)
	}
	// Only whether the SKU can be bought shows in answers, not the time
	// of the report: the generation moves when that changes.
	flipped := wasNot == sellable
	if sellable {
		delete(x.noSell, sku)
	} else {
		x.noSell[sku] = t
	}
	for i := range rs {
		if rs[i].chk != fp.C {
			continue
		}
		flipped = flipped || (rs[i].at < 0) == sellable
		if sellable {
			rs[i].at = t
		} else {
			rs[i].at = -t
		}
	}
	if len(rs) > 0 {
		x.setRefs(fp.H, rs)
	}
	if flipped {
		x.gen.Add(1) // under the lock, before any reader sees the change (Generation)
	}
	for _, r := range rs {
		if r.chk == fp.C {
			x.setStock(r.slot)
		}
	}
	return true
}

// NotSellable returns the SKUs inventory last reported as not sellable,
// with the time of that report.
func (x *Index) NotSellable() map[string]time.Time {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make(map[string]time.Time, len(x.noSell))
	for s, t := range x.noSell {
		out[s] = time.Unix(0, t)
	}
	return out
}

// CarryStock copies from's non-sellable SKUs into x (a rebuild's new
// index), where they count for the products x holds or will get.
func (x *Index) CarryStock(from *Index) {
	if from == x {
		return
	}
	from.mu.RLock()
	ns := make(map[string]int64, len(from.noSell))
	for s, t := range from.noSell {
		ns[s] = t
	}
	from.mu.RUnlock()
	x.mu.Lock()
	x.gen.Add(1) // every change moves the generation (Generation)
	defer x.mu.Unlock()
	for s, t := range ns {
		if t > x.noSell[s] {
			x.noSell[s] = t
		}
	}
	x.relinkStock()
}

// relinkStock rebuilds the SKU map from the documents' fingerprints and
// the non-sellable set, and every slot's stock (after a snapshot load or a
// carry-over).
func (x *Index) relinkStock() {
	n := 0
	for i := range x.docs {
		n += len(x.docs[i].SKUs)
	}
	x.skus, x.skuMore = make(map[uint64]skuRef, n), map[uint64][]skuRef{}
	var buf [4]skuRef
	for slot := range x.docs {
		di := &x.docs[slot]
		if di.Dead {
			continue
		}
		for _, fp := range di.SKUs {
			rs := x.refsOf(fp.H, buf[:0])
			x.setRefs(fp.H, append(rs, skuRef{slot: uint32(slot), chk: fp.C}))
		}
	}
	for sku, t := range x.noSell {
		fp := skuHash(sku)
		rs := x.refsOf(fp.H, buf[:0])
		for i := range rs {
			if rs[i].chk == fp.C {
				rs[i].at = -t
			}
		}
		if len(rs) > 0 {
			x.setRefs(fp.H, rs)
		}
	}
	for slot := range x.docs {
		if len(x.docs[slot].SKUs) > 0 {
			x.setStock(uint32(slot))
		}
	}
}
