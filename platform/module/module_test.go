package module

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agoracommerce/agora/platform/auth"
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

// TestChain: middlewares run in the order of their positions, and in the
// order they were added at one position, around the handler.
func TestChain(t *testing.T) {
	env := &Env{}
	var order []string
	mw := func(name string) Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	env.Middleware(Identify, mw("shopper"))
	env.Middleware(Authenticate, mw("guard"))
	env.Middleware(Idempotency, mw("idempotency"))
	env.Middleware(Authenticate, mw("guard2"))
	env.Middleware(Audit, mw("audit"))
	h := env.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { order = append(order, "route") }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if got := strings.Join(order, ","); got != "guard,guard2,audit,idempotency,shopper,route" {
		t.Fatalf("order %s", got)
	}
}

// TestPermissions: the declarations of every known module and the
// process's own.
func TestPermissions(t *testing.T) {
	env := &Env{
		Modules: []Module{
			{Name: "a", Permissions: []auth.PermissionInfo{{Name: "a:read"}}},
			{Name: "b"},
			{Name: "c", Permissions: []auth.PermissionInfo{{Name: "c:read"}, {Name: "c:write"}}},
		},
		HostPermissions: []auth.PermissionInfo{{Name: "security:read"}},
	}
	var names []string
	for _, p := range env.Permissions() {
		names = append(names, string(p.Name))
	}
	if got := strings.Join(names, ","); got != "security:read,a:read,c:read,c:write" {
		t.Fatalf("permissions %s", got)
	}
}
