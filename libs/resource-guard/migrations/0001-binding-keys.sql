-- The binding keys this service has heard of (registry.key-lifecycle.v1), for the resource guard:
-- a token whose cnf.jkt names a key that is not 'active' here is rejected (docs/security.md).
-- history_length and occurred_at order the updates of one key: an older event never overwrites a newer one.
CREATE TABLE resource_guard_binding_keys (
  key_id          text        PRIMARY KEY,
  owner_kind      text        NOT NULL,
  owner_id        text        NOT NULL,
  state           text        NOT NULL,
  history_length  integer     NOT NULL CHECK (history_length >= 1),
  occurred_at     timestamptz NOT NULL,
  event_id        uuid        NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Replicas refresh their in-memory snapshot by this column every second.
CREATE INDEX resource_guard_binding_keys_updated_at ON resource_guard_binding_keys (updated_at);
