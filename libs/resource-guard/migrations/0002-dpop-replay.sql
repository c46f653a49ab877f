-- DPoP proof ids (RFC 9449 §11.1) seen by any replica of this service: a proof is accepted once.
-- Rows outlive the window in which their proof could still be accepted, then are pruned.
CREATE TABLE resource_guard_dpop_proofs (
  key_thumbprint  text        NOT NULL,
  jti             text        NOT NULL,
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (key_thumbprint, jti)
);

CREATE INDEX resource_guard_dpop_proofs_expires_at ON resource_guard_dpop_proofs (expires_at);
