package catalogseed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
)

// googleTaxonomy is Google's product taxonomy as published by
// turahe/google-product-categories (MIT, see data/NOTICE): gzip of lines
// "id<TAB>parent_id<TAB>title" in pre-order, parent_id 0 for a root.
//
//go:embed data/google_product_categories.tsv.gz
var googleTaxonomy []byte

// excluded names taxonomy sub-trees a demo shop should not sell: adult
// products, live animals, tobacco and motor vehicles. They are never picked.
var excluded = []string{
	"Mature",
	"Animals & Pet Supplies > Live Animals",
	"Food, Beverages & Tobacco > Tobacco Products",
	"Vehicles & Parts > Vehicles",
}

// node is a category of the taxonomy.
type node struct {
	title    string
	parent   int // index of the parent in taxonomy.nodes; -1 for a root
	root     int // index of the root of its tree
	children []int
	excluded bool // in an excluded sub-tree
}

// taxonomy is a category tree whose nodes are in pre-order: every parent
// comes before its children, and a sub-tree is a contiguous run.
type taxonomy struct {
	nodes []node
	roots []int
}

// loadGoogle parses the embedded taxonomy once.
var loadGoogle = sync.OnceValues(func() (*taxonomy, error) {
	return parseTaxonomy(googleTaxonomy)
})

// parseTaxonomy reads the gzip-compressed TSV described at googleTaxonomy.
// It fails unless every parent precedes its children.
func parseTaxonomy(gz []byte) (*taxonomy, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("catalogseed: taxonomy: %w", err)
	}
	defer zr.Close()
	t := &taxonomy{}
	index := map[int]int{} // taxonomy id → index in t.nodes
	sc := bufio.NewScanner(zr)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("catalogseed: taxonomy line %d: want 3 fields, have %d", line, len(f))
		}
		tid, err1 := strconv.Atoi(f[0])
		pid, err2 := strconv.Atoi(f[1])
		title := strings.TrimSpace(f[2])
		if err1 != nil || err2 != nil || title == "" {
			return nil, fmt.Errorf("catalogseed: taxonomy line %d: malformed", line)
		}
		if _, dup := index[tid]; dup {
			return nil, fmt.Errorf("catalogseed: taxonomy line %d: id %d repeats", line, tid)
		}
		n := node{title: title, parent: -1}
		i := len(t.nodes)
		if pid != 0 {
			p, ok := index[pid]
			if !ok {
				return nil, fmt.Errorf("catalogseed: taxonomy line %d: parent %d does not come before its child", line, pid)
			}
			n.parent = p
			n.root = t.nodes[p].root
			t.nodes[p].children = append(t.nodes[p].children, i)
		} else {
			n.root = i
			t.roots = append(t.roots, i)
		}
		index[tid] = i
		t.nodes = append(t.nodes, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("catalogseed: taxonomy: %w", err)
	}
	if len(t.nodes) == 0 {
		return nil, fmt.Errorf("catalogseed: taxonomy is empty")
	}
	for _, path := range excluded {
		if i, ok := t.find(path); ok {
			t.walk(i, func(j int) { t.nodes[j].excluded = true })
		}
	}
	return t, nil
}

// path returns the titles from the root down to node i joined by " > ".
func (t *taxonomy) path(i int) string {
	var parts []string
	for ; i >= 0; i = t.nodes[i].parent {
		parts = append(parts, t.nodes[i].title)
	}
	for a, b := 0, len(parts)-1; a < b; a, b = a+1, b-1 {
		parts[a], parts[b] = parts[b], parts[a]
	}
	return strings.Join(parts, " > ")
}

// find returns the node at a path of titles ("Furniture > Tables").
func (t *taxonomy) find(path string) (int, bool) {
	level := t.roots
	found := -1
	for _, title := range strings.Split(path, " > ") {
		found = -1
		for _, i := range level {
			if t.nodes[i].title == title {
				found = i
				break
			}
		}
		if found < 0 {
			return -1, false
		}
		level = t.nodes[found].children
	}
	return found, found >= 0
}

// walk calls fn for i and every node below it, in pre-order.
func (t *taxonomy) walk(i int, fn func(int)) {
	fn(i)
	for _, c := range t.nodes[i].children {
		t.walk(c, fn)
	}
}

// picker chooses whole sub-trees of a taxonomy.
type picker struct {
	t        *taxonomy
	rng      *rand.Rand
	selected []bool
	count    int
}

// pick returns about n nodes (exactly n when the taxonomy allows it, never
// more, fewer only when it has fewer non-excluded nodes), in pre-order so
// that parents come before children. The nodes are whole sub-trees of the
// taxonomy with their ancestors, so that every leaf of the result is a leaf
// of the taxonomy. The sub-trees under each path in must are taken first,
// whole. The rest is spread over many parts of the taxonomy: no sub-tree
// larger than about a sixth of n is taken while others still fit.
func (t *taxonomy) pick(rng *rand.Rand, n int, must []int) []int {
	p := &picker{t: t, rng: rng, selected: make([]bool, len(t.nodes))}
	for _, m := range must {
		p.visit(m, n-p.count)
	}
	var units []int // the second level: "Furniture > Tables", "Electronics > Audio", ...
	for _, r := range t.roots {
		if t.nodes[r].excluded {
			continue
		}
		if len(t.nodes[r].children) == 0 {
			units = append(units, r)
		}
		for _, c := range t.nodes[r].children {
			if !t.nodes[c].excluded {
				units = append(units, c)
			}
		}
	}
	rng.Shuffle(len(units), func(a, b int) { units[a], units[b] = units[b], units[a] })
	limit := max(n/6, 1)
	for _, u := range units {
		if p.count >= n {
			break
		}
		p.visit(u, min(limit, n-p.count))
	}
	for _, u := range units {
		if p.count >= n {
			break
		}
		p.visit(u, n-p.count)
	}
	out := make([]int, 0, p.count)
	for i, s := range p.selected {
		if s {
			out = append(out, i)
		}
	}
	return out
}

// visit selects node i's sub-tree and ancestors when that adds at most
// budget nodes, else tries its children in random order. It returns how
// many nodes it added.
func (p *picker) visit(i, budget int) int {
	if budget <= 0 || p.t.nodes[i].excluded {
		return 0
	}
	missing := p.missingAncestors(i)
	cost := missing
	p.t.walk(i, func(j int) {
		if !p.selected[j] && !p.t.nodes[j].excluded {
			cost++
		}
	})
	if cost == missing { // the whole sub-tree is in already
		return 0
	}
	if cost <= budget {
		for a := p.t.nodes[i].parent; a >= 0 && !p.selected[a]; a = p.t.nodes[a].parent {
			p.selected[a] = true
		}
		p.t.walk(i, func(j int) {
			if !p.t.nodes[j].excluded {
				p.selected[j] = true
			}
		})
		p.count += cost
		return cost
	}
	kids := append([]int(nil), p.t.nodes[i].children...)
	p.rng.Shuffle(len(kids), func(a, b int) { kids[a], kids[b] = kids[b], kids[a] })
	used := 0
	for _, c := range kids {
		if used >= budget {
			break
		}
		used += p.visit(c, budget-used)
	}
	return used
}

func (p *picker) missingAncestors(i int) int {
	n := 0
	for a := p.t.nodes[i].parent; a >= 0 && !p.selected[a]; a = p.t.nodes[a].parent {
		n++
	}
	return n
}
