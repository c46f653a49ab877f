-- Enrolment codes bound to one device and revocable by an operator (issue 13 §1, docs/registry.md).
-- A code names one device (or one terminal), never a whole account: a code issued for device X cannot
-- enrol device Y. Codes issued for an account before this migration are revoked if still unused.
-- Operators address a code by `code_id` (the code itself is shown once and stored only as its hash).

ALTER TABLE registry_enrolment_codes DROP CONSTRAINT registry_enrolment_codes_subject_kind_check;
ALTER TABLE registry_enrolment_codes ADD CONSTRAINT registry_enrolment_codes_subject_kind_check CHECK (subject_kind IN ('account', 'device', 'terminal'));

ALTER TABLE registry_enrolment_codes
  ADD COLUMN code_id     uuid        NOT NULL DEFAULT gen_random_uuid(),
  ADD COLUMN revoked_at  timestamptz,
  ADD COLUMN revoked_by  text,
  ADD CONSTRAINT registry_enrolment_codes_code_id_key UNIQUE (code_id),
  ADD CONSTRAINT registry_enrolment_codes_revoked_by_whom CHECK ((revoked_at IS NULL) = (revoked_by IS NULL)),
  -- A consumed code enrolled its keys; revoking it would say nothing true (revoke the keys instead).
  ADD CONSTRAINT registry_enrolment_codes_consumed_or_revoked CHECK (consumed_at IS NULL OR revoked_at IS NULL);

UPDATE registry_enrolment_codes SET revoked_at = now(), revoked_by = 'migration-0005'
 WHERE subject_kind = 'account' AND consumed_at IS NULL;

ALTER TABLE registry_enrolment_codes ADD CONSTRAINT registry_enrolment_codes_account_codes_closed
  CHECK (subject_kind <> 'account' OR consumed_at IS NOT NULL OR revoked_at IS NOT NULL);
