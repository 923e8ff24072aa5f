package app

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agoracommerce/agora/platform/module"
)

// Registry is the ordered set of modules the binary knows.
type Registry struct {
	mods map[string]module.Module
}

// NewRegistry returns a registry of mods; duplicate names, unknown
// dependencies and cycles are errors.
func NewRegistry(mods ...module.Module) (*Registry, error) {
	r := &Registry{mods: map[string]module.Module{}}
	for _, m := range mods {
		if _, dup := r.mods[m.Name]; dup {
			return nil, fmt.Errorf("app: module %s registered twice", m.Name)
		}
		r.mods[m.Name] = m
	}
	for _, m := range mods {
		for _, d := range m.Deps {
			if _, ok := r.mods[d]; !ok {
				return nil, fmt.Errorf("app: module %s depends on unknown module %s", m.Name, d)
			}
		}
	}
	if err := r.acyclic(); err != nil {
		return nil, err
	}
	return r, nil
}

// All returns every registered module, alphabetically.
func (r *Registry) All() []module.Module {
	out := make([]module.Module, 0, len(r.mods))
	for _, n := range r.Names() {
		out = append(out, r.mods[n])
	}
	return out
}

// Names lists the registered modules alphabetically.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.mods))
	for n := range r.mods {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Order resolves targets ("all", or module names) into the modules to
// start, each after its dependencies, ties broken by name so the order is
// stable. Modules marked Always are included whatever the targets. A
// dependency is either started here (named in targets, or "all") or
// reached remotely (in remote); one that is neither is an error naming
// both ways.
func (r *Registry) Order(targets []string, remote map[string]string) ([]module.Module, error) {
	want := map[string]bool{}
	all := false
	for _, t := range targets {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case t == "all":
			all = true
		default:
			if _, ok := r.mods[t]; !ok {
				return nil, fmt.Errorf("app: unknown module %q (known: all, %s)", t, strings.Join(r.Names(), ", "))
			}
			want[t] = true
		}
	}
	for name := range remote {
		if _, ok := r.mods[name]; !ok {
			return nil, fmt.Errorf("app: unknown remote module %q (known: %s)", name, strings.Join(r.Names(), ", "))
		}
		if r.mods[name].Client == nil {
			return nil, fmt.Errorf("app: module %s cannot be remote: it has no HTTP client", name)
		}
		if want[name] {
			return nil, fmt.Errorf("app: module %s is both started here and remote", name)
		}
	}
	if all {
		for _, n := range r.Names() {
			if _, far := remote[n]; !far {
				want[n] = true
			}
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("app: no modules selected")
	}
	for _, n := range r.Names() {
		if r.mods[n].Always {
			want[n] = true
		}
	}
	for _, n := range r.Names() {
		if !want[n] {
			continue
		}
		for _, d := range r.mods[n].Deps {
			if _, far := remote[d]; !want[d] && !far {
				return nil, fmt.Errorf("app: module %s calls %s, which is neither started here nor remote: add it to --modules, or give its address with --remote %s=http://…", n, d, d)
			}
		}
	}
	if err := r.acyclic(); err != nil {
		return nil, err
	}
	var out []module.Module
	done := map[string]bool{}
	for len(out) < len(want) {
		progressed := false
		for _, n := range r.Names() {
			if !want[n] || done[n] {
				continue
			}
			ready := true
			for _, d := range r.mods[n].Deps {
				ready = ready && (done[d] || !want[d])
			}
			if ready {
				out = append(out, r.mods[n])
				done[n] = true
				progressed = true
			}
		}
		if !progressed {
			return nil, fmt.Errorf("app: dependency cycle among modules")
		}
	}
	return out, nil
}

// acyclic reports a dependency cycle among the modules.
func (r *Registry) acyclic() error {
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("app: dependency cycle %s → %s", strings.Join(path, " → "), name)
		case 2:
			return nil
		}
		state[name] = 1
		for _, d := range r.mods[name].Deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		return nil
	}
	for _, n := range r.Names() {
		if err := visit(n, nil); err != nil {
			return err
		}
	}
	return nil
}
