-- Issue 13 (docs/ledger.md, "Settlement"): a payment's outcome records when the terminal approved it
-- beside when it was posted, so statements and reconciliation can group by either; and a
-- payment.verified replaying a decided transaction id with other content is kept as a fraud signal;
-- postings that do not balance per currency are refused by the database itself.

-- The terminal's approval time (payment.verified's approvedAt). Kept on the outcome, not on the entry:
-- the entry's hash and its canonical encoding stay as they are. Outcomes decided before this
-- migration have none (NULL); the approved basis then falls back to the posted time.
ALTER TABLE ledger_settlements ADD COLUMN approved_at timestamptz;
CREATE INDEX ledger_settlements_approved ON ledger_settlements (approved_at) WHERE approved_at IS NOT NULL;
CREATE INDEX ledger_settlements_decided ON ledger_settlements (decided_at);

-- A payment.verified whose transaction id already has an outcome but whose content differs: what was
-- decided stays untouched, this row says what came again (append-only, like the journal).
CREATE TABLE ledger_fraud_signals (
  signal_id          text        PRIMARY KEY,
  kind               text        NOT NULL CHECK (kind IN ('DUPLICATE_WITH_DIFFERENT_CONTENT')),
  transaction_id     text        NOT NULL,
  -- The event that came again; with the transaction id it makes a redelivery a no-op.
  event_id           text        NOT NULL,
  differing_fields   text[]      NOT NULL CHECK (cardinality(differing_fields) > 0),
  -- What the ledger had decided and what came again (payment.verified's business fields).
  recorded           jsonb       NOT NULL,
  received           jsonb       NOT NULL,
  raised_at          timestamptz NOT NULL,
  UNIQUE (transaction_id, event_id)
);
CREATE INDEX ledger_fraud_signals_raised ON ledger_fraud_signals (raised_at);
CREATE TRIGGER ledger_fraud_signals_append_only BEFORE UPDATE OR DELETE ON ledger_fraud_signals FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- The database refuses postings that do not balance: per entry and currency, the debits an INSERT
-- statement adds equal its credits. The domain asserts it and the writers check it before every
-- write; this is the last line. Per statement, not per row, so a batch costs one aggregate over the
-- rows it inserted; an entry's postings are therefore inserted by one statement (every writer does).
CREATE FUNCTION ledger_refuse_unbalanced_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced record;
BEGIN
  SELECT entry_id, currency INTO unbalanced FROM inserted
   GROUP BY entry_id, currency
  HAVING sum(CASE side WHEN 'debit' THEN amount ELSE -amount END) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the postings of entry % do not balance in %', unbalanced.entry_id, unbalanced.currency USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_unbalanced_postings();
