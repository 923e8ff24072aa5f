-- +goose Up
CREATE TABLE shipping_zones (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE shipping_zone_countries (
    zone_id TEXT NOT NULL,
    country TEXT NOT NULL,
    PRIMARY KEY (zone_id, country)
);
CREATE INDEX shipping_zone_countries_country ON shipping_zone_countries (country, zone_id);

CREATE TABLE shipping_options (
    id         TEXT PRIMARY KEY,
    zone_id    TEXT NOT NULL,
    currency   TEXT NOT NULL,
    doc        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX shipping_options_zone ON shipping_options (zone_id, currency);

CREATE TABLE shipping_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    envelope   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE shipping_inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE shipping_inbox;
DROP TABLE shipping_outbox;
DROP TABLE shipping_options;
DROP TABLE shipping_zone_countries;
DROP TABLE shipping_zones;
