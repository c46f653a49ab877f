-- The format of each key's accepted attestation verdict (attestation.completed's `format`), beside its
-- level. The session-start App Attest check needs it exactly (docs/token-issuer.md, "Fresh attestation"):
-- the binding key must be one App Attest vouched for, and the assertion is verified with the device's
-- App Attest key — its active payment key of format `apple-app-attest` — not with the binding key, which
-- on a real iPhone is a Secure Enclave key that cannot make assertions. Level `secure-enclave` alone does
-- not say App Attest (a WebAuthn vendor root may be configured at that level).
-- Null for verdicts projected before this migration: such keys count as not attested by App Attest
-- (fail closed) until the verifier's next verdict for them.
ALTER TABLE token_issuer_attestation_levels ADD COLUMN format text;

-- The App Attest counters are now kept per App Attest key (the key that signs assertions), no longer per
-- binding key; rows written under binding key ids are never matched again and are harmless.
COMMENT ON COLUMN token_issuer_app_attest_counters.key_id IS 'RFC 7638 thumbprint of the App Attest key (the device''s apple-app-attest payment key) whose assertions the counter orders';
