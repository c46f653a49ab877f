-- A device's (terminal's) old keys are retired only when the new ones are active (issue 13 §1,
-- docs/registry.md, Key lifecycle): while new keys await attestation the owner keeps its key in use,
-- so re-enrolment whose attestation is pending or fails never leaves it without a usable key.
-- Per owner and purpose: at most one key in use (active or suspended) and at most one pending.

DROP INDEX registry_keys_one_current_per_purpose;
CREATE UNIQUE INDEX registry_keys_one_in_use_per_purpose ON registry_keys (owner_kind, owner_id, purpose)
  WHERE state IN ('active', 'suspended');
CREATE UNIQUE INDEX registry_keys_one_pending_per_purpose ON registry_keys (owner_kind, owner_id, purpose)
  WHERE state = 'pending';
