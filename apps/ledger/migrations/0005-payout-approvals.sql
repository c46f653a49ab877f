-- Payouts under maker–checker (issue 13 §2): the audit rows of the request and of the approval, a
-- deadline after which a pending payout can no longer be approved, and rejection by a checker.
ALTER TABLE ledger_payouts ADD COLUMN requested_audit_id bigint;
ALTER TABLE ledger_payouts ADD COLUMN approved_audit_id bigint;
ALTER TABLE ledger_payouts ADD COLUMN rejected_by text;
ALTER TABLE ledger_payouts ADD COLUMN decided_at timestamptz;
ALTER TABLE ledger_payouts ADD COLUMN expires_at timestamptz;
-- Payouts requested before this migration get the default lifetime (SETTLE_LEDGER_APPROVAL_TTL_MS).
UPDATE ledger_payouts SET expires_at = requested_at + interval '1 day';
ALTER TABLE ledger_payouts ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE ledger_payouts DROP CONSTRAINT ledger_payouts_status_check;
ALTER TABLE ledger_payouts ADD CONSTRAINT ledger_payouts_status_check CHECK (status IN ('pending-approval', 'posted', 'rejected'));
ALTER TABLE ledger_payouts ADD CONSTRAINT ledger_payouts_rejected_check CHECK ((status = 'rejected') = (rejected_by IS NOT NULL));
CREATE INDEX ledger_payouts_pending ON ledger_payouts (requested_at) WHERE status = 'pending-approval';
-- Payouts requested before this migration have no request audit id: only they may lack it.
ALTER TABLE ledger_entry_operators ALTER COLUMN maker_audit_id DROP NOT NULL;
