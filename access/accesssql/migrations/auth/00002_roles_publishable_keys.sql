-- +goose Up
CREATE TABLE platform_roles (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX platform_api_keys_role ON platform_api_keys (role);

CREATE TABLE platform_publishable_keys (
    id         TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    channel    TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX platform_publishable_keys_token ON platform_publishable_keys (token);

-- +goose Down
DROP TABLE platform_publishable_keys;
DROP INDEX platform_api_keys_role;
DROP TABLE platform_roles;
