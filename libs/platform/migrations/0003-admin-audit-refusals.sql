-- Refused admin requests (missing or wrong credentials, no credentials configured), counted per
-- minute and outcome code. Every refusal adds one to its row; only the first
-- SETTLE_ADMIN_REFUSALS_SAMPLED_PER_MINUTE of a minute and code also get a complete admin_audit_log
-- row (the sample, with what was sent). A flood of refused requests grows this table by one row per
-- minute and code, and the audit log by a bounded sample, instead of one row per request.
CREATE TABLE admin_audit_refusals (
  minute       timestamptz NOT NULL,
  outcome_code text        NOT NULL,
  refused      bigint      NOT NULL CHECK (refused > 0),
  sampled      bigint      NOT NULL CHECK (sampled >= 0 AND sampled <= refused),
  PRIMARY KEY (minute, outcome_code)
);
