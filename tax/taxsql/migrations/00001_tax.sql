-- +goose Up
CREATE TABLE tax_regions (
    id            TEXT PRIMARY KEY,
    country       TEXT NOT NULL,
    subdivision   TEXT NOT NULL,
    postal_prefix TEXT NOT NULL,
    doc           TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX tax_regions_scope ON tax_regions (country, subdivision, postal_prefix);

CREATE TABLE tax_rates (
    region_id TEXT NOT NULL,
    tax_class TEXT NOT NULL,
    ppm       BIGINT NOT NULL,
    PRIMARY KEY (region_id, tax_class)
);
CREATE INDEX tax_rates_class ON tax_rates (tax_class);

CREATE TABLE tax_classes (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tax_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tax_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE tax_inbox;
DROP TABLE tax_outbox;
DROP TABLE tax_classes;
DROP TABLE tax_rates;
DROP TABLE tax_regions;
