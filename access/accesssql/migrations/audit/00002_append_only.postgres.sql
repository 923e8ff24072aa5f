-- The database refuses changes to recorded entries.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION platform_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
-- +goose StatementEnd
CREATE OR REPLACE TRIGGER platform_audit_log_no_change BEFORE UPDATE OR DELETE ON platform_audit_log
    FOR EACH ROW EXECUTE FUNCTION platform_audit_log_append_only();
CREATE OR REPLACE TRIGGER platform_audit_log_no_truncate BEFORE TRUNCATE ON platform_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_log_append_only();

-- +goose Down
DROP TRIGGER IF EXISTS platform_audit_log_no_truncate ON platform_audit_log;
DROP TRIGGER IF EXISTS platform_audit_log_no_change ON platform_audit_log;
DROP FUNCTION IF EXISTS platform_audit_log_append_only();
