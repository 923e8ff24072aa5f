-- +goose Up
-- The next step of an order's cancellation ('' when none is running), so
-- that recovery finds the cancels a crashed process left unfinished.
ALTER TABLE order_orders ADD COLUMN cancel_step TEXT NOT NULL DEFAULT '';
CREATE INDEX order_orders_cancel_step ON order_orders (cancel_step, updated_at) WHERE cancel_step <> '';

-- +goose Down
DROP INDEX order_orders_cancel_step;
ALTER TABLE order_orders DROP COLUMN cancel_step;
