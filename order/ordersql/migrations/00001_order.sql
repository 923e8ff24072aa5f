-- +goose Up
CREATE TABLE order_checkouts (
    id             TEXT PRIMARY KEY,
    cart_id        TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    step           TEXT NOT NULL,
    state          TEXT NOT NULL,
    reservation_id TEXT NOT NULL,
    payment_id     TEXT NOT NULL,
    order_id       TEXT NOT NULL,
    active_cart    TEXT UNIQUE,
    doc            TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_checkouts_cart ON order_checkouts (cart_id);
CREATE INDEX order_checkouts_state ON order_checkouts (state, updated_at);

CREATE TABLE order_orders (
    id         TEXT PRIMARY KEY,
    number     BIGINT NOT NULL UNIQUE,
    status     TEXT NOT NULL,
    cart_id    TEXT NOT NULL,
    doc        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_orders_status ON order_orders (status, id);

CREATE TABLE order_access_tokens (
    token_hash TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL
);

CREATE TABLE order_sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO order_sequences (name, value) VALUES ('order_number', 1000);

CREATE TABLE order_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE order_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE order_inbox;
DROP TABLE order_outbox;
DROP TABLE order_sequences;
DROP TABLE order_access_tokens;
DROP TABLE order_orders;
DROP TABLE order_checkouts;
