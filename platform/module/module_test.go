package module

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDep: a dependency is returned typed; a module that does not run, or
// that provided another type, is an error that names it.
func TestDep(t *testing.T) {
	env := &Env{}
	env.Provide("tax", 42)
	if n, err := Dep[int](env, "tax"); err != nil || n != 42 {
		t.Fatalf("Dep: %d %v", n, err)
	}
	if _, err := Dep[fmt.Stringer](env, "tax"); err == nil || !strings.Contains(err.Error(), "module tax provides int, not fmt.Stringer") {
		t.Fatalf("wrong type: %v", err)
	}
	if _, err := Dep[fmt.Stringer](env, "catalog"); err == nil || !strings.Contains(err.Error(), "module catalog is not started here") {
		t.Fatalf("missing: %v", err)
	}
	if _, ok, err := Optional[fmt.Stringer](env, "catalog"); ok || err != nil {
		t.Fatalf("optional and missing: %v %v", ok, err)
	}
	if _, ok, err := Optional[fmt.Stringer](env, "tax"); ok || err == nil {
		t.Fatalf("optional of another type: %v %v", ok, err)
	}
}

// TestTogether: every function runs with the context, and Run returns
// once all have.
func TestTogether(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	wait := func(ctx context.Context) { ran.Add(1); <-ctx.Done() }
	done := make(chan struct{})
	go func() { Together(wait, wait, wait)(ctx); close(done) }()
	for ran.Load() != 3 {
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("returned before its context ended")
	default:
	}
	cancel()
	<-done
}
