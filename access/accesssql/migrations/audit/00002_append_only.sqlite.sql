-- The database refuses changes to recorded entries.

-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS platform_audit_log_no_update BEFORE UPDATE ON platform_audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS platform_audit_log_no_delete BEFORE DELETE ON platform_audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER IF EXISTS platform_audit_log_no_delete;
DROP TRIGGER IF EXISTS platform_audit_log_no_update;
