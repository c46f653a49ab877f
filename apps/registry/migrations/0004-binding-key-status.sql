-- The registry's resource guard reads binding-key states from registry_keys itself (it is their source
-- of truth: no Kafka in between). Each replica refreshes an in-memory snapshot every second from the
-- rows whose state changed since its last read, hence when the state last changed.
ALTER TABLE registry_keys ADD COLUMN state_changed_at timestamptz NOT NULL DEFAULT clock_timestamp();

CREATE INDEX registry_keys_binding_state_changed_at ON registry_keys (state_changed_at) WHERE purpose = 'binding';
