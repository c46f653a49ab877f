-- The verifier's own projection of the registry's compacted topics (DESIGN §2: no service reads
-- another's tables). Payment verification reads only these, so a replay of the registry topics from
-- offset 0 rebuilds the same state and gives the same verdicts. Each row is the entity's latest state
-- as its last event carried it; the key's lifecycle history and the device's check-ins are kept whole
-- because the rules ask "what held at the terminal's approval time?".

-- key.lifecycle-changed (registry.key-lifecycle.v1): every key with its whole history. The registry
-- only appends periods, so a longer history is a later state: an event replaces the row only when its
-- history is longer (a redelivery, or an older event after a newer one, changes nothing).
CREATE TABLE verifier_keys (
  key_id      text        PRIMARY KEY,
  owner_kind  text        NOT NULL CHECK (owner_kind IN ('device', 'terminal')),
  owner_id    text        NOT NULL,
  purpose     text        NOT NULL CHECK (purpose IN ('payment', 'binding')),
  algorithm   text        NOT NULL CHECK (algorithm IN ('ES256', 'EdDSA')),
  public_jwk  jsonb       NOT NULL,
  state       text        NOT NULL,
  -- KeyStatePeriodV1[] exactly as the event carried it (state, reason, validFrom, validTo).
  history     jsonb       NOT NULL,
  -- The envelope whose payload the row holds (for tracing a verdict back to the registry's event).
  event_id    uuid        NOT NULL
);
CREATE INDEX verifier_keys_owner ON verifier_keys (owner_kind, owner_id);

-- Devices, terminals and merchants are announced once, at creation, with their full state; should one
-- be announced again, the row follows only a later creation time (so redeliveries change nothing).

-- device.enrolled (registry.devices.v1): which account a consumer device pays from.
CREATE TABLE verifier_devices (
  device_id   text        PRIMARY KEY,
  account_id  text        NOT NULL,
  platform    text        NOT NULL,
  enrolled_at timestamptz NOT NULL
);

-- terminal.registered (registry.terminals.v1): which merchant a terminal belongs to.
CREATE TABLE verifier_terminals (
  terminal_id   text        PRIMARY KEY,
  merchant_id   text        NOT NULL,
  registered_at timestamptz NOT NULL
);

-- merchant.onboarded (registry.merchants.v1): the fee inputs payment.verified carries.
CREATE TABLE verifier_merchants (
  merchant_id         text        PRIMARY KEY,
  category_code       text        NOT NULL,
  settlement_currency text        NOT NULL,
  onboarded_at        timestamptz NOT NULL
);

-- device.checked-in (registry.device-check-ins.v1): every check-in ever seen. The event carries the
-- latest 32; rows are only added, so check-ins that fell out of the event's window stay known (the
-- cumulative-cap window of a late upload, the last trusted check-in before a compromise).
CREATE TABLE verifier_device_check_ins (
  device_id      text        NOT NULL,
  checked_in_at  timestamptz NOT NULL,
  valid_until    timestamptz NOT NULL,
  payment_key_id text        NOT NULL,
  -- DeviceCheckInCapV1[]: [{ currency, perTransactionMax, cumulativeMax }], amounts as decimal strings.
  offline_caps   jsonb       NOT NULL,
  PRIMARY KEY (device_id, checked_in_at)
);

-- device.offline-capability-changed (registry.device-offline-capability.v1): every change seen, so
-- "was the device suspended when the terminal approved?" has an answer for late uploads. Rows are only
-- added. The topic is compacted to each device's latest change, so a replay from offset 0 rebuilds
-- only what compaction kept: changes already superseded there are known only to a verifier that
-- consumed them live (its database is the record; see docs/verifier.md).
CREATE TABLE verifier_device_capability_changes (
  device_id  text        NOT NULL,
  changed_at timestamptz NOT NULL,
  capability text        NOT NULL CHECK (capability IN ('enabled', 'suspended')),
  reason     text        NOT NULL,
  PRIMARY KEY (device_id, changed_at)
);
