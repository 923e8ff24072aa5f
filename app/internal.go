package app

import (
	"net/http"
	"strings"

	"github.com/agoracommerce/agora/platform/svcauth"
)

// internalAPI serves the internal API beside the public one: a request
// under /internal/ from another service, with a service token addressed
// to a module this process runs, reaches the routes (the path without the
// prefix) acting for the caller the token names, past the public edge
// (rate limits, CORS, the admin guard, the audit log): a module's calls
// to another module are trusted as they are in process. Other requests
// go to public.
func internalAPI(keys *svcauth.Keys, modules []string, routes, public http.Handler) http.Handler {
	internal := keys.Middleware(modules, http.StripPrefix(svcauth.InternalPrefix, routes))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, svcauth.InternalPrefix+"/") {
			internal.ServeHTTP(w, r)
			return
		}
		public.ServeHTTP(w, r)
	})
}
