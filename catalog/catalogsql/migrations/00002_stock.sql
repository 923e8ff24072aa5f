-- +goose Up
-- What inventory last said about each SKU that it tracks (a read model of
-- inventory.level_changed events): whether it can be bought now.
CREATE TABLE catalog_stock (
    sku        TEXT PRIMARY KEY,
    sellable   BOOLEAN NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE catalog_stock;
