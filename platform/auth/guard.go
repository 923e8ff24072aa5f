package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Guard is the middleware of /admin/... and /store/... requests.
type Guard struct {
	// Credentials authenticates admin callers and resolves publishable
	// keys.
	Credentials Credentials
	// Routes declares the permission of every admin operation.
	Routes Routes
	// Pattern returns the route pattern the server would serve r under
	// ("" or "/" when no route matches it), as http.ServeMux.Handler does.
	Pattern func(*http.Request) string
}

// Route is the admin route a request was authorized for.
type Route struct {
	Pattern    string
	Permission Permission
}

type routeKey struct{}

// RouteOf returns the admin route of ctx, set by the guard once the caller
// was authorized for it (absent for paths no route serves).
func RouteOf(ctx context.Context) (Route, bool) {
	r, ok := ctx.Value(routeKey{}).(Route)
	return r, ok
}

// WithRoute returns ctx carrying r as the request's authorized admin route.
func WithRoute(ctx context.Context, r Route) context.Context {
	return context.WithValue(ctx, routeKey{}, r)
}

// Middleware guards /admin/: a missing or wrong key (or staff session) is
// 401 unauthorized; a caller whose role lacks the route's permission is 403
// forbidden; a route declared Public needs no credential (the staff login),
// one declared Authenticated any valid one; a route that declares no
// permission is open to the owner role only; a path no
// route serves goes on (to its 404) once the caller is authenticated. A
// store request with X-Publishable-Key gets the key's channel in its
// context (an unknown or revoked key is 401). Other paths pass through.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/admin" || strings.HasPrefix(p, "/admin/"):
			g.admin(next, w, r)
		case strings.HasPrefix(p, "/store/"):
			g.store(next, w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

var errUnauthorized = errs.E(errs.Unauthorized, "unauthorized", "a valid admin API key is required")

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func (g *Guard) admin(next http.Handler, w http.ResponseWriter, r *http.Request) {
	pattern := g.Pattern(r)
	perm, declared := g.Routes.Of(pattern)
	if declared && perm == Public {
		next.ServeHTTP(w, r.WithContext(WithRoute(r.Context(), Route{Pattern: pattern, Permission: perm})))
		return
	}
	secret, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="agora-admin"`)
		httpx.WriteProblem(w, r, errUnauthorized)
		return
	}
	p, err := g.Credentials.Authenticate(r.Context(), secret)
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="agora-admin", error="invalid_token"`)
		}
		httpx.WriteProblem(w, r, err)
		return
	}
	ctx := WithPrincipal(r.Context(), p)
	switch {
	case declared && perm != Authenticated && !p.Can(perm):
		httpx.WriteProblem(w, r, errs.E(errs.Forbidden, "forbidden", "role %s lacks the permission %s", p.Role, perm))
		return
	case declared:
		ctx = WithRoute(ctx, Route{Pattern: pattern, Permission: perm})
	case pattern != "" && pattern != "/":
		// A route with no declared permission (a test keeps this from
		// shipping): the owner only.
		httpx.Logger(ctx).Warn("admin route declares no permission; only the owner may call it", "route", pattern)
		if p.Role != Owner {
			httpx.WriteProblem(w, r, errs.E(errs.Forbidden, "forbidden", "this operation declares no permission; only the owner may call it"))
			return
		}
		ctx = WithRoute(ctx, Route{Pattern: pattern})
	}
	next.ServeHTTP(w, r.WithContext(ctx))
}

func (g *Guard) store(next http.Handler, w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", PublishableKeyHeader)
	token := r.Header.Get(PublishableKeyHeader)
	if token == "" {
		next.ServeHTTP(w, r)
		return
	}
	ch, err := g.Credentials.Channel(r.Context(), strings.TrimSpace(token))
	if err != nil {
		httpx.WriteProblem(w, r, err)
		return
	}
	next.ServeHTTP(w, r.WithContext(httpx.WithSalesChannel(r.Context(), ch)))
}
