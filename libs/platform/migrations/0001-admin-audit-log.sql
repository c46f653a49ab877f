-- Every admin action of this service (DESIGN §8): who, what, on which target, with which outcome.
-- A row is inserted before the action runs (outcome still null) and completed when it finishes, so
-- no admin action can happen without a row; a row left without an outcome means the process died or
-- could not record it. Rejected credentials get a complete row at once, with the claimed operator id.
CREATE TABLE admin_audit_log (
  id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requested_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at         timestamptz,
  -- Verified operator id; null when the credentials were rejected.
  operator_id         text,
  -- The operator id the caller sent, unverified (who is being tried), for rejected requests.
  claimed_operator_id text,
  -- The route's action name, e.g. RegistryAdminController.whoami.
  action              text        NOT NULL,
  http_method         text        NOT NULL,
  path                text        NOT NULL,
  target_params       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  outcome_status      integer,
  outcome_code        text,
  request_id          text        NOT NULL,
  trace_id            text,
  CONSTRAINT admin_audit_log_outcome_complete CHECK ((outcome_status IS NULL) = (finished_at IS NULL))
);

CREATE INDEX admin_audit_log_requested_at ON admin_audit_log (requested_at);
CREATE INDEX admin_audit_log_operator_requested_at ON admin_audit_log (operator_id, requested_at);
