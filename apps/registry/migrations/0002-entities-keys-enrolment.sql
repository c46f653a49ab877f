-- The registry's model (docs/registry.md): consumer accounts, merchants, terminals and devices (ids
-- issued by the operator's systems through the admin API, each its own business key), the keys of
-- devices and terminals with their lifecycle history, enrolment codes (hashed), attestation
-- challenges, and each device's offline capability and limits (with limit changes awaiting a second
-- operator). Timestamps are timestamptz; amounts are bigint minor units inside jsonb as strings.

CREATE TABLE registry_accounts (
  account_id           text        PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  holder_display_name  text        NOT NULL CHECK (length(holder_display_name) BETWEEN 1 AND 128),
  currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  opened_at            timestamptz NOT NULL,
  created_by           text        NOT NULL,
  -- The ledger's latest account.overdrawn / account.back-in-funds: a device added meanwhile starts suspended.
  overdrawn            boolean     NOT NULL DEFAULT false
);

CREATE TABLE registry_merchants (
  merchant_id          text        PRIMARY KEY CHECK (merchant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  display_name         text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 128),
  category_code        text        NOT NULL CHECK (category_code ~ '^[0-9]{4}$'),
  settlement_currency  text        NOT NULL CHECK (settlement_currency ~ '^[A-Z]{3}$'),
  time_zone            text        NOT NULL,
  onboarded_at         timestamptz NOT NULL,
  created_by           text        NOT NULL
);

CREATE TABLE registry_terminals (
  terminal_id    text        PRIMARY KEY CHECK (terminal_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  merchant_id    text        NOT NULL REFERENCES registry_merchants (merchant_id),
  registered_at  timestamptz NOT NULL,
  created_by     text        NOT NULL
);
CREATE INDEX registry_terminals_by_merchant ON registry_terminals (merchant_id);

CREATE TABLE registry_devices (
  device_id    text        PRIMARY KEY CHECK (device_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  account_id   text        NOT NULL REFERENCES registry_accounts (account_id),
  platform     text        NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
  enrolled_at  timestamptz NOT NULL,
  created_by   text        NOT NULL
);
CREATE INDEX registry_devices_by_account ON registry_devices (account_id);

-- A device's whole offline state. Capability is derived: enabled unless a flag suspends it, so that
-- back-in-funds never lifts an operator's (or a key's) suspension.
CREATE TABLE registry_device_offline (
  device_id                text        PRIMARY KEY REFERENCES registry_devices (device_id),
  account_id               text        NOT NULL REFERENCES registry_accounts (account_id),
  limits                   jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(limits) = 'array' AND jsonb_array_length(limits) <= 16),
  suspended_by_operator    boolean     NOT NULL DEFAULT false,
  suspended_for_overdraft  boolean     NOT NULL DEFAULT false,
  -- The device's payment key is suspended or revoked (lifted by reactivation or by enrolling new keys).
  suspended_for_key        boolean     NOT NULL DEFAULT false,
  last_check_in_at         timestamptz NOT NULL,
  changed_at               timestamptz NOT NULL
);
CREATE INDEX registry_device_offline_by_account ON registry_device_offline (account_id);

-- Limit changes above SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD wait here for a second operator.
CREATE TABLE registry_offline_limit_changes (
  change_id     uuid        PRIMARY KEY,
  device_id     text        NOT NULL REFERENCES registry_devices (device_id),
  limits        jsonb       NOT NULL CHECK (jsonb_typeof(limits) = 'array'),
  requested_by  text        NOT NULL,
  requested_at  timestamptz NOT NULL,
  status        text        NOT NULL CHECK (status IN ('pending', 'approved')),
  decided_by    text,
  decided_at    timestamptz,
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);

-- Enrolment codes: only the SHA-256 of the code is kept; it is shown once, to the operator who asked.
CREATE TABLE registry_enrolment_codes (
  code_hash          text        PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  subject_kind       text        NOT NULL CHECK (subject_kind IN ('account', 'terminal')),
  subject_id         text        NOT NULL,
  issued_by          text        NOT NULL,
  issued_at          timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL CHECK (expires_at > issued_at),
  challenges_issued  integer     NOT NULL DEFAULT 0 CHECK (challenges_issued >= 0),
  consumed_at        timestamptz
);

CREATE TABLE registry_challenges (
  challenge    text        PRIMARY KEY CHECK (challenge ~ '^[A-Za-z0-9_-]{22,128}$'),
  code_hash    text        NOT NULL REFERENCES registry_enrolment_codes (code_hash),
  owner_kind   text        NOT NULL CHECK (owner_kind IN ('device', 'terminal')),
  owner_id     text        NOT NULL,
  issued_at    timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL CHECK (expires_at > issued_at),
  consumed_at  timestamptz
);
CREATE INDEX registry_challenges_by_code ON registry_challenges (code_hash);

-- Keys by RFC 7638 thumbprint. `state` mirrors the last history period (kept for indexing).
CREATE TABLE registry_keys (
  key_id                  text        PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_-]{43}$'),
  owner_kind              text        NOT NULL CHECK (owner_kind IN ('device', 'terminal')),
  owner_id                text        NOT NULL,
  purpose                 text        NOT NULL CHECK (purpose IN ('payment', 'binding')),
  algorithm               text        NOT NULL CHECK (algorithm IN ('ES256', 'EdDSA')),
  public_key_jwk          jsonb       NOT NULL,
  state                   text        NOT NULL CHECK (state IN ('pending', 'active', 'rejected', 'suspended', 'revoked', 'rotated')),
  challenge               text        NOT NULL REFERENCES registry_challenges (challenge),
  attestation_request_id  uuid        NOT NULL UNIQUE,
  attestation_format      text        NOT NULL,
  attestation_level       text,
  registered_at           timestamptz NOT NULL,
  CHECK (purpose = 'payment' OR algorithm = 'ES256')
);
CREATE INDEX registry_keys_by_owner ON registry_keys (owner_kind, owner_id);
-- At most one current (not superseded, not final) key per owner and purpose.
CREATE UNIQUE INDEX registry_keys_one_current_per_purpose ON registry_keys (owner_kind, owner_id, purpose)
  WHERE state IN ('pending', 'active', 'suspended');

-- The key's lifecycle: contiguous periods [valid_from, valid_to), only the last open.
CREATE TABLE registry_key_history (
  key_id        text        NOT NULL REFERENCES registry_keys (key_id),
  period_index  integer     NOT NULL CHECK (period_index >= 0 AND period_index < 64),
  state         text        NOT NULL CHECK (state IN ('pending', 'active', 'rejected', 'suspended', 'revoked', 'rotated')),
  reason        text,
  valid_from    timestamptz NOT NULL,
  valid_to      timestamptz CHECK (valid_to IS NULL OR valid_to >= valid_from),
  PRIMARY KEY (key_id, period_index)
);
CREATE UNIQUE INDEX registry_key_history_one_open ON registry_key_history (key_id) WHERE valid_to IS NULL;
