-- +goose Up
CREATE TABLE platform_api_keys (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    role         TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX platform_api_keys_hash ON platform_api_keys (hash);

-- +goose Down
DROP TABLE platform_api_keys;
