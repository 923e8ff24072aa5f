-- +goose Up
CREATE TABLE catalog_products (
    id         TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    status     TEXT NOT NULL,
    title_lc   TEXT NOT NULL,
    channels   TEXT NOT NULL DEFAULT '',
    doc        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX catalog_products_handle ON catalog_products (handle) WHERE deleted_at IS NULL;
CREATE INDEX catalog_products_status ON catalog_products (status, id);

CREATE TABLE catalog_variants (
    id         TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    sku        TEXT
);
CREATE UNIQUE INDEX catalog_variants_sku ON catalog_variants (sku);
CREATE INDEX catalog_variants_product ON catalog_variants (product_id);

CREATE TABLE catalog_product_categories (
    category_id TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    PRIMARY KEY (category_id, product_id)
);
CREATE INDEX catalog_product_categories_product ON catalog_product_categories (product_id);

CREATE TABLE catalog_product_collections (
    collection_id TEXT NOT NULL,
    product_id    TEXT NOT NULL,
    PRIMARY KEY (collection_id, product_id)
);
CREATE INDEX catalog_product_collections_product ON catalog_product_collections (product_id);

CREATE TABLE catalog_categories (
    id         TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    parent_id  TEXT,
    position   INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX catalog_categories_handle ON catalog_categories (handle);
CREATE INDEX catalog_categories_parent ON catalog_categories (parent_id, position);

CREATE TABLE catalog_collections (
    id         TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    doc        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX catalog_collections_handle ON catalog_collections (handle);

CREATE TABLE catalog_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE catalog_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE catalog_inbox;
DROP TABLE catalog_outbox;
DROP TABLE catalog_collections;
DROP TABLE catalog_categories;
DROP TABLE catalog_product_collections;
DROP TABLE catalog_product_categories;
DROP TABLE catalog_variants;
DROP TABLE catalog_products;
