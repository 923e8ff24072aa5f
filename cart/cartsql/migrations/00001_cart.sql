-- +goose Up
CREATE TABLE cart_carts (
    id          TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    doc         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX cart_carts_expires ON cart_carts (expires_at);
CREATE INDEX cart_carts_customer ON cart_carts (customer_id);

CREATE TABLE cart_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE cart_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE cart_inbox;
DROP TABLE cart_outbox;
DROP TABLE cart_carts;
