-- Payouts to merchants (docs/ledger.md, "Payouts"): one row per client key; above the configured
-- amount a payout waits for a second operator, who must not be the one who requested it.
CREATE TABLE ledger_payouts (
  payout_id     text        PRIMARY KEY,
  client_key    text        NOT NULL UNIQUE,
  merchant_id   text        NOT NULL,
  amount        bigint      NOT NULL CHECK (amount > 0),
  currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status        text        NOT NULL CHECK (status IN ('pending-approval', 'posted')),
  requested_by  text        NOT NULL,
  approved_by   text,
  entry_id      text        UNIQUE,
  requested_at  timestamptz NOT NULL,
  posted_at     timestamptz,
  CHECK ((status = 'posted') = (entry_id IS NOT NULL AND posted_at IS NOT NULL)),
  CHECK (approved_by IS NULL OR approved_by <> requested_by)
);
CREATE INDEX ledger_payouts_merchant ON ledger_payouts (merchant_id, requested_at);
