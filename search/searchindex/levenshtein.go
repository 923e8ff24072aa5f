package searchindex

import (
	"slices"
	"sync"
	"unicode/utf8"
)

// levAutomaton finds the words within max edits of a word in the FST: a
// Levenshtein automaton for the optimal string alignment distance (an
// insertion, deletion, substitution or transposition of neighbours counts
// one edit) over runes, computed lazily as the FST search walks instead
// of built whole per query word. A state is a row of edit distances (the
// word's prefixes against the key read so far, capped at max+1), the row
// before it and the key's last rune, or a rune whose UTF-8 bytes are not
// all read yet; state 0 matches nothing.
type levAutomaton struct {
	q    []rune
	max  uint8
	w    int        // len(q)+1: a row
	rows []uint8    // per row pair: the row, then the row before it
	st   []levState // by state id
}

type levState struct {
	rows int32 // offset of the state's row pair in rows
	last rune  // the key's last rune (-1: none)
	part rune  // bits of a rune whose bytes are still to come
	need uint8 // UTF-8 bytes still to come for part
}

// levPool keeps automata for reuse: a search can visit thousands of
// states.
var levPool = sync.Pool{New: func() any { return new(levAutomaton) }}

// newLevAutomaton returns an automaton for word (from levPool: put it
// back when done).
func newLevAutomaton(word string, max uint8) *levAutomaton {
	a := levPool.Get().(*levAutomaton)
	a.q = append(a.q[:0], []rune(word)...)
	a.max = max
	a.w = len(a.q) + 1
	a.rows = slices.Grow(a.rows[:0], 2*a.w)[:2*a.w]
	for j := range a.w {
		a.rows[j] = uint8(min(j, int(max)+1))
		a.rows[a.w+j] = max + 1
	}
	a.st = append(a.st[:0], levState{}, levState{rows: 0, last: -1})
	return a
}

func (a *levAutomaton) row(s int) []uint8 {
	o := int(a.st[s].rows)
	return a.rows[o : o+a.w]
}

// Start is the state before any byte.
func (a *levAutomaton) Start() int { return 1 }

// IsMatch reports whether the key read to s is within max edits.
func (a *levAutomaton) IsMatch(s int) bool {
	return s > 0 && a.st[s].need == 0 && a.row(s)[a.w-1] <= a.max
}

// CanMatch reports whether a key that goes on from s can match: some
// prefix of the word is within max edits (a transposition can lower no
// distance below the row's minimum).
func (a *levAutomaton) CanMatch(s int) bool {
	if s <= 0 {
		return false
	}
	for _, d := range a.row(s) {
		if d <= a.max {
			return true
		}
	}
	return false
}

// WillAlwaysMatch is false: a longer key can always be too far.
func (a *levAutomaton) WillAlwaysMatch(int) bool { return false }

// Accept is the state after byte b.
func (a *levAutomaton) Accept(s int, b byte) int {
	if s <= 0 {
		return 0
	}
	st := a.st[s]
	if st.need > 0 {
		if b&0xC0 != 0x80 {
			return 0
		}
		st.part = st.part<<6 | rune(b&0x3F)
		if st.need--; st.need > 0 {
			a.st = append(a.st, st)
			return len(a.st) - 1
		}
		return a.step(s, st.part)
	}
	switch {
	case b < utf8.RuneSelf:
		return a.step(s, rune(b))
	case b&0xE0 == 0xC0:
		st.part, st.need = rune(b&0x1F), 1
	case b&0xF0 == 0xE0:
		st.part, st.need = rune(b&0x0F), 2
	case b&0xF8 == 0xF0:
		st.part, st.need = rune(b&0x07), 3
	default:
		return 0
	}
	a.st = append(a.st, st)
	return len(a.st) - 1
}

// step is the state after the key's next rune r from s.
func (a *levAutomaton) step(s int, r rune) int {
	st := a.st[s]
	o := len(a.rows)
	a.rows = append(a.rows, a.rows[st.rows:int(st.rows)+2*a.w]...) // the new row's place, then its row before
	copy(a.rows[o+a.w:o+2*a.w], a.rows[int(st.rows):int(st.rows)+a.w])
	cur := a.rows[o+a.w : o+2*a.w]      // row i
	prev := a.rows[st.rows+int32(a.w):] // row i-1
	next := a.rows[o : o+a.w]           // row i+1
	capd := a.max + 1
	next[0] = min(cur[0]+1, capd)
	for j := 1; j < a.w; j++ {
		cost := uint8(1)
		if a.q[j-1] == r {
			cost = 0
		}
		v := min(cur[j]+1, next[j-1]+1, cur[j-1]+cost)
		if j > 1 && st.last >= 0 && r == a.q[j-2] && st.last == a.q[j-1] {
			v = min(v, prev[j-2]+1)
		}
		next[j] = min(v, capd)
	}
	a.st = append(a.st, levState{rows: int32(o), last: r})
	return len(a.st) - 1
}

// distance is the edit distance of key from the word (max+1 when
// farther).
func (a *levAutomaton) distance(key []byte) uint8 {
	s := a.Start()
	for _, b := range key {
		if s = a.Accept(s, b); s == 0 {
			return a.max + 1
		}
	}
	if a.st[s].need > 0 {
		return a.max + 1
	}
	return a.row(s)[a.w-1]
}
