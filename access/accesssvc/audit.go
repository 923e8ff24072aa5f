package accesssvc

import (
	"context"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/id"
)

// Record appends e to the audit log, giving it an id and, when it has
// none, the time. The log is append-only: nothing changes or deletes an
// entry.
func (s *Service) Record(ctx context.Context, e access.Entry) (access.Entry, error) {
	e.ID = id.New("aud")
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC()
	if err := s.store.AppendAudit(ctx, e); err != nil {
		return access.Entry{}, err
	}
	return e, nil
}

// GetAuditEntry implements access.Service.
func (s *Service) GetAuditEntry(ctx context.Context, entryID string) (access.Entry, error) {
	if !id.Valid("aud", entryID) {
		return access.Entry{}, errs.E(errs.NotFound, "not_found", "audit entry not found")
	}
	return s.store.AuditEntry(ctx, entryID)
}

// ListAudit implements access.Service.
func (s *Service) ListAudit(ctx context.Context, q access.AuditQuery) (access.Page[access.Entry], error) {
	q.Limit = limit(q.Limit)
	return s.store.AuditEntries(ctx, q)
}
