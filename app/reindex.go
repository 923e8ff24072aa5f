package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/agoracommerce/agora/platform/module"
	"github.com/agoracommerce/agora/search"
)

// rebuilder is the search service as Reindex uses it.
type rebuilder interface {
	Rebuild(ctx context.Context, progress func(done int)) error
	Searchable() int
}

// Reindex rebuilds the search index of the data directory from the
// catalog, showing progress on progress (nil: none). The app must have been
// started with the search module. A running `agora serve` rebuilds its own
// index through POST /admin/search/reindex instead, serving the old index
// meanwhile.
func (a *App) Reindex(ctx context.Context, progress io.Writer) error {
	if a.env == nil {
		return errors.New("app: Reindex needs a started app")
	}
	svc, ok, err := module.Optional[rebuilder](a.env, search.Module)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("app: the search module is not running (start with --modules=search)")
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	if progress != nil {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(progress), progressbar.OptionSetDescription("indexing products"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("products"), progressbar.OptionThrottle(100*time.Millisecond))
	}
	last := 0
	err = svc.Rebuild(ctx, func(done int) {
		if bar != nil {
			_ = bar.Add(done - last)
		}
		last = done
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	if progress != nil {
		fmt.Fprintf(progress, "\nindexed %d products (%d searchable) in %s\n", last, svc.Searchable(), time.Since(start).Round(time.Millisecond))
	}
	return nil
}
