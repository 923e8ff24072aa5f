-- +goose Up
-- The kind of an order's capture or refund in flight ('' when none), so
-- that recovery finds the ones a crashed process or an outage left.
ALTER TABLE order_orders ADD COLUMN payment_op TEXT NOT NULL DEFAULT '';
CREATE INDEX order_orders_payment_op ON order_orders (payment_op, updated_at) WHERE payment_op <> '';

-- +goose Down
DROP INDEX order_orders_payment_op;
ALTER TABLE order_orders DROP COLUMN payment_op;
