-- +goose Up
-- A key whose handler is idempotent by the key itself and answers a
-- secret (RunAgain): its answer is not stored, a repeat runs it again.
ALTER TABLE platform_idempotency ADD COLUMN rerun BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE platform_idempotency DROP COLUMN rerun;
