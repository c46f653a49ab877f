-- Device check-ins (docs/registry.md, "Device check-in"): every online check-in that issued a device
-- credential, kept as history. registry_device_offline.last_check_in_at mirrors the latest one, and
-- device.checked-in carries the latest ones (at most 32) on its compacted topic.

CREATE TABLE registry_device_check_ins (
  check_in_id        uuid        PRIMARY KEY,
  device_id          text        NOT NULL REFERENCES registry_devices (device_id),
  checked_in_at      timestamptz NOT NULL,
  valid_until        timestamptz NOT NULL CHECK (valid_until > checked_in_at),
  payment_key_id     text        NOT NULL REFERENCES registry_keys (key_id),
  -- The processor key (RFC 7638 thumbprint) that signed the credential.
  credential_key_id  text        NOT NULL CHECK (credential_key_id ~ '^[A-Za-z0-9_-]{43}$'),
  -- Exactly the credential's caps: [{currency, perTransactionMax, cumulativeMax}] (amounts as strings).
  offline_caps       jsonb       NOT NULL CHECK (jsonb_typeof(offline_caps) = 'array' AND jsonb_array_length(offline_caps) BETWEEN 1 AND 8),
  -- Check-ins of one device are strictly ordered in time (the row lock on its offline state serialises them).
  UNIQUE (device_id, checked_in_at)
);
