package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/platform/module"
)

// TestPrepareRunsBesideEarlierStarts: a module's Prepare runs while the
// modules before it start, and its Start gets what it made; a Prepare
// that fails fails its module's Start.
func TestPrepareRunsBesideEarlierStarts(t *testing.T) {
	var prepDone atomic.Bool
	var seen any
	release := make(chan struct{})
	slow := module.Module{Name: "slow", Start: func(context.Context, *module.Env) (*module.Running, error) {
		// Start only once the later module's Prepare has run: were
		// Prepare run after this Start, the application would never start.
		select {
		case <-release:
		case <-time.After(10 * time.Second):
			return nil, errors.New("the later module's Prepare did not run while this one started")
		}
		return nil, nil
	}}
	later := module.Module{Name: "later", Deps: []string{"slow"},
		Prepare: func(cfg module.Settings) (any, error) {
			prepDone.Store(true)
			close(release)
			return "index of " + cfg.DataDir, nil
		},
		Start: func(_ context.Context, env *module.Env) (*module.Running, error) {
			v, err := env.Prepared("later")
			seen = v
			return nil, err
		}}
	reg, err := NewRegistry(accessmod.Module(), slow, later)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Stop(context.Background())
	if !prepDone.Load() || seen != "index of "+cfg.DataDir {
		t.Fatalf("Prepare ran %v, Start saw %v", prepDone.Load(), seen)
	}

	failing := module.Module{Name: "failing", Prepare: func(module.Settings) (any, error) { return nil, errors.New("unreadable") },
		Start: func(_ context.Context, env *module.Env) (*module.Running, error) {
			_, err := env.Prepared("failing")
			return nil, err
		}}
	reg, err = NewRegistry(accessmod.Module(), failing)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	b, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err == nil {
		b.Stop(context.Background())
		t.Fatal("a module whose Prepare failed started")
	}
}
