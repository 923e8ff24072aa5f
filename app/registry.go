package app

import (
	"fmt"
	"slices"
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
	if _, err := r.Order([]string{"all"}); err != nil {
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
// start, each after its dependencies (which are included), ties broken by
// name so the order is stable. Modules marked Always are included
// whatever the targets.
func (r *Registry) Order(targets []string) ([]module.Module, error) {
	want := map[string]bool{}
	var add func(name string, path []string) error
	add = func(name string, path []string) error {
		if slices.Contains(path, name) {
			return fmt.Errorf("app: dependency cycle %s → %s", strings.Join(path, " → "), name)
		}
		m, ok := r.mods[name]
		if !ok {
			return fmt.Errorf("app: unknown module %q (known: all, %s)", name, strings.Join(r.Names(), ", "))
		}
		want[name] = true
		for _, d := range m.Deps {
			if err := add(d, append(path, name)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range targets {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if t == "all" {
			for _, n := range r.Names() {
				if err := add(n, nil); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := add(t, nil); err != nil {
			return nil, err
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("app: no modules selected")
	}
	for _, n := range r.Names() {
		if r.mods[n].Always {
			if err := add(n, nil); err != nil {
				return nil, err
			}
		}
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
				ready = ready && done[d]
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
