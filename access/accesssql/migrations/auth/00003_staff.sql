-- +goose Up
CREATE TABLE platform_staff (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX platform_staff_email ON platform_staff (email);
CREATE INDEX platform_staff_role ON platform_staff (role);

CREATE TABLE platform_staff_sessions (
    hash       TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX platform_staff_sessions_staff ON platform_staff_sessions (staff_id);

-- +goose Down
DROP TABLE platform_staff_sessions;
DROP TABLE platform_staff;
