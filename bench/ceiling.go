package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ceilingBody is the fixed document of the ceiling (B0): about 300 bytes
// of JSON, the size of a small product answer.
var ceilingBody = []byte(`{"id":"prod_01JD3X8Q4W2N6M0Z5B7C9E1F3H","handle":"walnut-dining-table","title":"Walnut dining table","status":"published","price":{"amount":129900,"currency":"USD"},"available":true,"variants":[{"id":"var_01JD3X8Q4W2N6M0Z5B7C9E1F3J","sku":"WDT-180","title":"180 cm"}],"category_ids":["cat_01JD3X8Q4W2N6M0Z5B7C9E1F3K"]}`)

// ceilingSpec is the OpenAPI document the ceiling serves, so that `agora
// gateway` can route to it (B0G): one operation, GET /.
var ceilingSpec = []byte(`{"openapi":"3.1.0","info":{"title":"ceiling","version":"1"},"paths":{"/":{"get":{"operationId":"ceiling"}}}}`)

// CeilingHandler is the ceiling every ratio is taken against: a bare
// net/http handler answering the fixed JSON document (and, at
// /openapi.json, its OpenAPI document).
func CeilingHandler() http.Handler {
	size := strconv.Itoa(len(ceilingBody))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.json" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(ceilingSpec)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{size}
		_, _ = w.Write(ceilingBody)
	})
}

// ServeCeiling serves CeilingHandler on addr until ctx is done.
func ServeCeiling(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: CeilingHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
