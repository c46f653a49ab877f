-- The latest copy of Google's Android attestation status list (docs/attestation.md, "The Android
-- revocation status list"), one row per source URL. Every replica fetches on its schedule, upserts
-- here, and reads the row back: a replica whose fetch fails still uses a copy another replica stored,
-- and attestation is refused once the stored copy is older than SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_AGE_MAX_MS.
-- The token issuer keeps a table of the same shape (token_issuer_android_revocation_status).
CREATE TABLE verifier_android_revocation_status (
  source_url  text        PRIMARY KEY,
  fetched_at  timestamptz NOT NULL,
  sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  entry_count integer     NOT NULL CHECK (entry_count >= 0),
  -- The list as fetched (its "entries" object), checked by parseAndroidRevocationStatusList before it is stored.
  list        jsonb       NOT NULL
);
