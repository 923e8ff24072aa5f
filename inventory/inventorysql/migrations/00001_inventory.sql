-- +goose Up
CREATE TABLE inventory_locations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    priority   INTEGER NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX inventory_locations_default ON inventory_locations (is_default) WHERE is_default;

CREATE TABLE inventory_items (
    sku             TEXT PRIMARY KEY,
    track_inventory BOOLEAN NOT NULL,
    allow_backorder BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- One row per SKU and location: the hot rows of a flash sale.
CREATE TABLE inventory_levels (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    on_hand     BIGINT NOT NULL,
    reserved    BIGINT NOT NULL,
    committed   BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sku, location_id)
);

-- Lines and allocations are immutable and kept as one JSON document.
CREATE TABLE inventory_reservations (
    id         TEXT PRIMARY KEY,
    reference  TEXT,
    owner      TEXT NOT NULL,
    state      TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    doc        TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX inventory_reservations_reference ON inventory_reservations (reference);
CREATE INDEX inventory_reservations_due ON inventory_reservations (state, expires_at);

-- Append-only: every change of a level is a row.
CREATE TABLE inventory_ledger (
    seq             BIGSERIAL PRIMARY KEY,
    sku             TEXT NOT NULL,
    location_id     TEXT NOT NULL,
    on_hand_delta   BIGINT NOT NULL,
    reserved_delta  BIGINT NOT NULL,
    committed_delta BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    reference       TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX inventory_ledger_sku ON inventory_ledger (sku, seq);

CREATE TABLE inventory_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE inventory_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE inventory_inbox;
DROP TABLE inventory_outbox;
DROP TABLE inventory_ledger;
DROP TABLE inventory_reservations;
DROP TABLE inventory_levels;
DROP TABLE inventory_items;
DROP TABLE inventory_locations;
