-- +goose Up
CREATE TABLE platform_audit_log (
    id            TEXT PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    actor         TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    method        TEXT NOT NULL,
    route         TEXT NOT NULL,
    path          TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    status        INTEGER NOT NULL,
    client_addr   TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    before_doc    TEXT,
    after_doc     TEXT
);
CREATE INDEX platform_audit_log_actor ON platform_audit_log (actor, id);
CREATE INDEX platform_audit_log_resource ON platform_audit_log (resource_id, id);
CREATE INDEX platform_audit_log_type ON platform_audit_log (resource_type, id);

-- +goose Down
DROP TABLE platform_audit_log;
