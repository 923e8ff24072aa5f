package cartsvc

import (
	"context"
	"time"
)

// SweepOnce deletes the carts that expired more than Retention ago, in
// batches, and reports how many it deleted.
func (s *Service) SweepOnce(ctx context.Context) (int, error) {
	before := s.now().Add(-s.cfg.Retention)
	total := 0
	for {
		n, err := s.store.DeleteExpired(ctx, before, s.cfg.SweepBatch)
		total += n
		if err != nil || n < s.cfg.SweepBatch {
			return total, err
		}
	}
}

// Sweep runs SweepOnce every SweepInterval until ctx ends.
func (s *Service) Sweep(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		if n, err := s.SweepOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("cart sweep failed", "err", err)
		} else if n > 0 {
			s.log.Info("expired carts deleted", "carts", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
