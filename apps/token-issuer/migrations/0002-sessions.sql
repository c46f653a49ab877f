-- The token issuer's own projection of the registry's events (binding keys, devices, terminals, and the
-- attestation level of each key from the verifier), its sessions, the DPoP replay table and the rate-limit
-- buckets. Nothing here is shared with another service.

CREATE TABLE token_issuer_keys (
  key_id        text PRIMARY KEY,
  owner_kind    text NOT NULL CHECK (owner_kind IN ('device', 'terminal')),
  owner_id      text NOT NULL,
  purpose       text NOT NULL,
  state         text NOT NULL,
  public_jwk    jsonb NOT NULL,
  -- Length of the event's history: a redelivered older event (fewer periods) never overwrites a newer one.
  history_count integer NOT NULL CHECK (history_count > 0),
  updated_at    timestamptz NOT NULL
);

CREATE TABLE token_issuer_devices (
  device_id  text PRIMARY KEY,
  account_id text NOT NULL
);

CREATE TABLE token_issuer_terminals (
  terminal_id text PRIMARY KEY,
  merchant_id text NOT NULL
);

-- From verifier.attestation-results.v1 (accepted verdicts): the protection level of each key.
CREATE TABLE token_issuer_attestation_levels (
  key_id text PRIMARY KEY,
  level  text NOT NULL CHECK (level IN ('strongbox', 'tee', 'secure-enclave', 'software'))
);

CREATE TABLE token_issuer_sessions (
  session_id            text PRIMARY KEY,
  key_id                text NOT NULL,
  subject_kind          text NOT NULL CHECK (subject_kind IN ('device', 'terminal')),
  subject_id            text NOT NULL,
  binding_mode          text NOT NULL CHECK (binding_mode IN ('token-binding', 'dpop')),
  -- The RFC 8471 TokenBindingID hash (cnf.tbh); null in DPoP sessions.
  token_binding_id_hash text,
  attestation_kind      text NOT NULL CHECK (attestation_kind IN ('registration', 'fresh')),
  -- att.level of every token of the session (fresh evidence's level, or the key's from the verifier).
  attestation_level     text NOT NULL CHECK (attestation_level IN ('strongbox', 'tee', 'secure-enclave', 'software')),
  started_at            timestamptz NOT NULL,
  -- started_at + the maximum age: no token of the session expires later.
  expires_at            timestamptz NOT NULL CHECK (expires_at > started_at),
  -- The jti of the newest token: only it may be exchanged for the next one.
  last_token_id         text NOT NULL,
  last_token_issued_at  timestamptz NOT NULL,
  ended_at              timestamptz,
  end_reason            text CHECK (end_reason IN ('expired', 'logout', 'key-revoked', 'key-suspended', 'max-age')),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX token_issuer_sessions_open_by_key ON token_issuer_sessions (key_id) WHERE ended_at IS NULL;

-- DPoP proof ids seen (RFC 9449 §11.1), kept until the proof could no longer be accepted anyway.
CREATE TABLE token_issuer_dpop_proofs (
  jti        text PRIMARY KEY,
  key_id     text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX token_issuer_dpop_proofs_expiry ON token_issuer_dpop_proofs (expires_at);

-- Token buckets of the rate limits ('key:<keyId>', 'session:<id>', 'ip:<address>'), shared by every
-- replica; capacity and refill rate are the configuration's at the last request.
CREATE TABLE token_issuer_rate_limits (
  bucket      text PRIMARY KEY,
  capacity    double precision NOT NULL CHECK (capacity >= 1),
  per_second  double precision NOT NULL CHECK (per_second > 0),
  tokens      double precision NOT NULL,
  refilled_at timestamptz NOT NULL,
  allowed     boolean NOT NULL
);
