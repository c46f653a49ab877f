-- Status and confirmations, end-of-day reconciliation (docs/verifier.md, "Status and confirmations"
-- and "End-of-day reconciliation").

-- 1. Confirmation cursors that never skip a confirmation.
-- GET /v1/confirmations pages by confirmation_seq. A sequence alone is not a safe cursor: two
-- transactions (the verification consumer signing a rejection, the settlement-outcomes consumer
-- signing a settlement, two replicas of either) take nextval in one order and commit in the other,
-- so a client that read seq 8 before seq 7 committed would never see 7. This trigger takes the seq
-- itself, under a transaction-scoped advisory lock held until commit: whoever takes a seq after us
-- waits until we are committed (and visible), so seq order is commit order. Every writer is covered
-- whatever its SET clause says (a nextval there is replaced: the gap is harmless). The lock is held
-- only from a transaction's first confirmation write to its commit; writers make that the end.
-- A confirmation, once written, is final (signed, maybe already fetched and verified offline).
CREATE FUNCTION verifier_assign_confirmation_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.confirmation IS NOT NULL THEN
    IF NEW.confirmation IS DISTINCT FROM OLD.confirmation THEN
      RAISE EXCEPTION 'the confirmation of % is written once', OLD.transaction_id USING ERRCODE = 'check_violation';
    END IF;
    NEW.confirmation_seq := OLD.confirmation_seq;
    RETURN NEW;
  END IF;
  IF NEW.confirmation IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('settle.verifier.confirmation-seq'));
    NEW.confirmation_seq := nextval('verifier_confirmation_seq');
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER verifier_transactions_confirmation_seq
  BEFORE INSERT OR UPDATE OF confirmation, confirmation_seq ON verifier_transactions
  FOR EACH ROW EXECUTE FUNCTION verifier_assign_confirmation_seq();

-- 2. End-of-day reports: one row per (terminal, reportId), the business key of the POST (a repeat
-- finds it; the same id with other content is a conflict, told by content_digest = SHA-256 of the
-- normalised period and totals). The comparison is made once, when the report arrives, and kept:
-- reported and received totals per currency as JSON (amounts as decimal strings), the differences,
-- and matched / mismatched.
CREATE TABLE verifier_reconciliation_reports (
  terminal_id     text        NOT NULL,
  report_id       text        NOT NULL,
  merchant_id     text        NOT NULL,
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  content_digest  bytea       NOT NULL,
  -- [{ currency, count, amount }] as the terminal reported them, by currency.
  reported_totals jsonb       NOT NULL,
  -- [{ currency, count, amount, rejectedCount, rejectedAmount }] of verifier_transactions.
  received_totals jsonb       NOT NULL,
  -- [{ currency, reportedCount, reportedAmount, receivedCount, receivedAmount, countDifference, amountDifference }]
  differences     jsonb       NOT NULL,
  status          text        NOT NULL CHECK (status IN ('matched', 'mismatched')),
  reported_at     timestamptz NOT NULL,
  PRIMARY KEY (terminal_id, report_id),
  CHECK (period_start < period_end),
  CHECK ((status = 'matched') = (jsonb_array_length(differences) = 0))
);
-- The admin list: newest first (a backward scan), optionally only one status.
CREATE INDEX verifier_reconciliation_reports_listing ON verifier_reconciliation_reports (reported_at, terminal_id, report_id);
CREATE INDEX verifier_reconciliation_reports_status ON verifier_reconciliation_reports (status, reported_at, terminal_id, report_id);
