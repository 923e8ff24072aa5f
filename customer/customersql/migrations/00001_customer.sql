-- +goose Up
CREATE TABLE customer_customers (
    id            TEXT PRIMARY KEY,
    email         TEXT,
    password_hash TEXT NOT NULL,
    doc           TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX customer_customers_email ON customer_customers (email);

CREATE TABLE customer_groups (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE customer_group_members (
    group_code  TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (group_code, customer_id)
);
CREATE INDEX customer_group_members_customer ON customer_group_members (customer_id);

CREATE TABLE customer_sessions (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX customer_sessions_token ON customer_sessions (token_hash);
CREATE INDEX customer_sessions_customer ON customer_sessions (customer_id);
CREATE INDEX customer_sessions_expires ON customer_sessions (expires_at);

CREATE TABLE customer_reset_tokens (
    token_hash  TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX customer_reset_tokens_customer ON customer_reset_tokens (customer_id);

CREATE TABLE customer_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE customer_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE customer_inbox;
DROP TABLE customer_outbox;
DROP TABLE customer_reset_tokens;
DROP TABLE customer_sessions;
DROP TABLE customer_group_members;
DROP TABLE customer_groups;
DROP TABLE customer_customers;
