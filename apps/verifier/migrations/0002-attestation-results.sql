-- One row per attestation request the verifier has judged. The request id is the business key: a
-- replayed attestation.requested (inbox pruned, consumer group reset) finds its row and publishes
-- nothing. reason_code is what attestation.completed v1 carried; precise_reason_code and detail are
-- the library's own (docs/verifier.md, "Reason codes").
CREATE TABLE verifier_attestation_results (
  request_id          text        PRIMARY KEY,
  key_id              text        NOT NULL,
  owner_kind          text        NOT NULL,
  owner_id            text        NOT NULL,
  purpose             text        NOT NULL,
  format              text        NOT NULL,
  verdict             text        NOT NULL CHECK (verdict IN ('accepted', 'rejected')),
  level               text,
  reason_code         text,
  precise_reason_code text,
  detail              text,
  policy_device_class text        NOT NULL,
  verified_at         timestamptz NOT NULL,
  event_id            uuid        NOT NULL,
  CHECK ((verdict = 'accepted') = (reason_code IS NULL))
);

CREATE INDEX verifier_attestation_results_key_id ON verifier_attestation_results (key_id);
