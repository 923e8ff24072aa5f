-- +goose Up
-- The customer an order belongs to ('' for a guest's), so that a customer's
-- orders can be listed and their personal data erased.
ALTER TABLE order_orders ADD COLUMN customer_id TEXT NOT NULL DEFAULT '';
CREATE INDEX order_orders_customer ON order_orders (customer_id, id) WHERE customer_id <> '';

-- +goose Down
DROP INDEX order_orders_customer;
ALTER TABLE order_orders DROP COLUMN customer_id;
