-- App Attest assertion counters (fresh attestation at session start, docs/token-issuer.md): the greatest
-- counter accepted for each binding key. A session start with an assertion raises it in its own
-- transaction with a conditional upsert (… WHERE counter < the new one), so two concurrent session starts
-- can never both accept the same counter, and a refused start leaves it unchanged.
CREATE TABLE token_issuer_app_attest_counters (
  key_id      text PRIMARY KEY,
  -- The authenticator data's counter is a big-endian uint32; the first assertion after attestation is ≥ 1.
  counter     bigint NOT NULL CHECK (counter BETWEEN 1 AND 4294967295),
  accepted_at timestamptz NOT NULL
);
