package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// serveHTTP serves h on addr (over TLS when tlsCfg is set) until ctx
// ends, then stops taking connections and waits up to drain for the
// requests in flight. started gets the address once it listens.
func serveHTTP(ctx context.Context, h http.Handler, addr string, tlsCfg *tls.Config, drain time.Duration, log *slog.Logger, started func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsCfg,
	}
	errc := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	if started != nil {
		started(ln.Addr().String())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("draining")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
