package searchindex

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/blevesearch/vellum"
	"github.com/blevesearch/vellum/levenshtein"
)

// The lazy automaton finds the same words at the same distances as
// vellum's Levenshtein DFA (transpositions count one), over ASCII and
// multi-byte runes.
func TestLevAutomatonMatchesVellumDFA(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabets := [][]rune{[]rune("abcdeiloprst"), []rune("aeéüßøж中😀"), []rune("ab")}
	var words []string
	seen := map[string]bool{}
	for _, al := range alphabets {
		for range 3000 {
			r := make([]rune, 1+rng.IntN(10))
			for i := range r {
				r[i] = al[rng.IntN(len(al))]
			}
			if w := string(r); !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	f, err := buildFST(words)
	if err != nil {
		t.Fatal(err)
	}
	lev := map[uint8]*levenshtein.LevenshteinAutomatonBuilder{}
	for _, d := range []uint8{1, 2} {
		if lev[d], err = levenshtein.NewLevenshteinAutomatonBuilder(d, true); err != nil {
			t.Fatal(err)
		}
	}
	type hit struct {
		id uint64
		d  uint8
	}
	var total, typos int
	for i := range 600 {
		q := words[rng.IntN(len(words))]
		if i%3 == 0 { // a word that may not be in the dictionary
			r := []rune(q)
			r = append(r, alphabets[i%len(alphabets)][rng.IntN(3)])
			q = string(r)
		}
		for _, d := range []uint8{1, 2} {
			dfa, err := lev[d].BuildDfa(q, d)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []hit
			it, err := f.Search(dfa, nil, nil)
			for err == nil {
				k, v := it.Current()
				_, dist := dfa.MatchAndDistance(string(k))
				want = append(want, hit{v, dist})
				err = it.Next()
			}
			if !errors.Is(err, vellum.ErrIteratorDone) {
				t.Fatal(err)
			}
			aut := newLevAutomaton(q, d)
			it, err = f.Search(aut, nil, nil)
			for err == nil {
				k, v := it.Current()
				got = append(got, hit{v, aut.distance(k)})
				err = it.Next()
			}
			if !errors.Is(err, vellum.ErrIteratorDone) {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q within %d: got %v, want %v", q, d, got, want)
			}
			total += len(got)
			for _, h := range got {
				if h.d > 0 {
					typos++
				}
				if e := editDistance(q, words[h.id], int(d)); e != int(h.d) {
					t.Fatalf("%q ~ %q: distance %d, editDistance %d", q, words[h.id], h.d, e)
				}
			}
		}
	}
	if total < 5000 || typos < 2000 {
		t.Errorf("%d matches, %d with typos: too few to compare", total, typos)
	}
	t.Logf("%d matches, %d with typos", total, typos)
}
