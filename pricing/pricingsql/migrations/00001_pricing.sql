-- +goose Up
CREATE TABLE pricing_price_lists (
    id             TEXT PRIMARY KEY,
    currency       TEXT NOT NULL,
    channel        TEXT NOT NULL,
    customer_group TEXT NOT NULL,
    starts_at      TIMESTAMPTZ,
    ends_at        TIMESTAMPTZ,
    active         BOOLEAN NOT NULL,
    tax_inclusive  BOOLEAN NOT NULL,
    priority       INTEGER NOT NULL,
    doc            TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX pricing_price_lists_currency ON pricing_price_lists (currency, active);

CREATE TABLE pricing_list_prices (
    list_id    TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    PRIMARY KEY (list_id, variant_id)
);
CREATE INDEX pricing_list_prices_variant ON pricing_list_prices (variant_id);

CREATE TABLE pricing_base_products (
    product_id TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    deleted    BOOLEAN NOT NULL
);

CREATE TABLE pricing_base_variants (
    variant_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    sku        TEXT NOT NULL,
    prices     TEXT NOT NULL
);
CREATE INDEX pricing_base_variants_product ON pricing_base_variants (product_id);

CREATE TABLE pricing_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE pricing_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE pricing_inbox;
DROP TABLE pricing_outbox;
DROP TABLE pricing_base_variants;
DROP TABLE pricing_base_products;
DROP TABLE pricing_list_prices;
DROP TABLE pricing_price_lists;
