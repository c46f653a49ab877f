-- Payouts wait for a checker in ledger_approvals like fundings, refunds and reversals (issue 13 §2;
-- docs/ledger.md, "Maker–checker"): one list of held movements, one approve and one reject route.
-- ledger_payouts keeps the payouts that were made (and those a checker rejected before this).

ALTER TABLE ledger_approvals DROP CONSTRAINT ledger_approvals_kind_check;
ALTER TABLE ledger_approvals ADD CONSTRAINT ledger_approvals_kind_check CHECK (kind IN ('funding', 'refund', 'reversal', 'payout'));
-- A payout requested before migration 0005 has no request audit row: only a payout may lack it.
ALTER TABLE ledger_approvals ALTER COLUMN maker_audit_id DROP NOT NULL;
ALTER TABLE ledger_approvals ADD CONSTRAINT ledger_approvals_maker_audit_check CHECK (maker_audit_id IS NOT NULL OR kind = 'payout');

-- Payouts still waiting move over with their id, so an operator finds them under the id they know.
-- They were held by the single-payout limit (the only reason a payout waited before).
INSERT INTO ledger_approvals (approval_id, kind, business_key, command, account_key, amount, currency, reasons, status,
                              maker_operator_id, maker_audit_id, requested_at, expires_at)
SELECT payout_id, 'payout', client_key,
       jsonb_build_object('clientKey', client_key, 'merchantId', merchant_id, 'amount', amount::text, 'currency', currency),
       merchant_id, amount, currency, ARRAY['AMOUNT_ABOVE_LIMIT'], 'pending', requested_by, requested_audit_id, requested_at,
       greatest(expires_at, requested_at + interval '1 millisecond')
  FROM ledger_payouts WHERE status = 'pending-approval';
DELETE FROM ledger_payouts WHERE status = 'pending-approval';

-- A payout row is written when the payout posts; a deadline belongs to its approval.
ALTER TABLE ledger_payouts ALTER COLUMN expires_at DROP NOT NULL;
ALTER TABLE ledger_payouts DROP CONSTRAINT ledger_payouts_status_check;
ALTER TABLE ledger_payouts ADD CONSTRAINT ledger_payouts_status_check CHECK (status IN ('posted', 'rejected'));
DROP INDEX ledger_payouts_pending;
