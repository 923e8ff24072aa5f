package app

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// Module is one business module as the composition root sees it: its name,
// the modules it needs started first, and how to start it.
type Module struct {
	Name string
	// Deps are the modules this one calls; they start before it and stop
	// after it.
	Deps []string
	// Migrations, when set, returns the module's embedded migrations, which
	// `agora migrate` applies (Start applies them too).
	Migrations func() fs.FS
	// Prepare, when set, does work of the module's own that needs no other
	// module and nothing Start makes (reading its files into memory). It
	// starts with the application, concurrently with the start of the
	// modules before this one, and Start collects its result with
	// Env.Prepared: a slow read no longer adds to the start of the rest.
	Prepare func(cfg Config) (any, error)
	// Start wires the module into env (its store, service, routes, event
	// consumers) and returns what must run and stop with it.
	Start func(ctx context.Context, env *Env) (*Running, error)
}

// Running is a started module: background work to run and a stop hook.
type Running struct {
	// Run, when set, runs until ctx ends (relays, consumers, sweepers).
	Run func(ctx context.Context)
	// Stop, when set, releases what Start acquired; it runs after Run ended.
	Stop func(ctx context.Context) error
}

// Registry is the ordered set of modules the binary knows.
type Registry struct {
	mods map[string]Module
}

// NewRegistry returns a registry of mods; duplicate names, unknown
// dependencies and cycles are errors.
func NewRegistry(mods ...Module) (*Registry, error) {
	r := &Registry{mods: map[string]Module{}}
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
// name so the order is stable.
func (r *Registry) Order(targets []string) ([]Module, error) {
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
	var out []Module
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
