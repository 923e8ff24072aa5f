-- +goose Up
-- The provider and its reference of the authorization, so that a provider's
-- webhook finds its payment. Payments made before this migration keep empty
-- columns; webhooks find those by the authorization key the provider echoes.
ALTER TABLE payment_payments ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_payments ADD COLUMN provider_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX payment_payments_provider_ref ON payment_payments (provider, provider_ref);

-- +goose Down
DROP INDEX payment_payments_provider_ref;
ALTER TABLE payment_payments DROP COLUMN provider_ref;
ALTER TABLE payment_payments DROP COLUMN provider;
