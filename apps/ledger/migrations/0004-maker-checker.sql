-- Maker–checker on every money movement an operator makes (issue 13 §2; docs/ledger.md, "Admin").

-- Who made each entry an operator made (fundings, refunds, reversals, payouts), and the audit rows of
-- the request and of its approval. Beside the journal rather than in it: the entry's hash covers
-- what moved, this records who moved it. Append-only like the journal. The amount, currency and
-- account repeat the entry's, so rolling totals per operator and per account are one index range.
CREATE TABLE ledger_entry_operators (
  entry_id             text        PRIMARY KEY REFERENCES ledger_entries (entry_id),
  kind                 text        NOT NULL CHECK (kind IN ('funding', 'payout', 'refund', 'reversal')),
  maker_operator_id    text        NOT NULL,
  maker_audit_id       bigint      NOT NULL,
  checker_operator_id  text,
  checker_audit_id     bigint,
  approval_id          text,
  -- The consumer account of a wallet, or the merchant of a payout.
  account_key          text        NOT NULL,
  amount               bigint      NOT NULL CHECK (amount > 0),
  currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  posted_at            timestamptz NOT NULL,
  CHECK ((checker_operator_id IS NULL) = (checker_audit_id IS NULL)),
  -- A person never checks their own movement (credentials of one person share the operator id).
  CHECK (checker_operator_id IS NULL OR checker_operator_id <> maker_operator_id)
);
CREATE INDEX ledger_entry_operators_maker ON ledger_entry_operators (maker_operator_id, currency, posted_at);
CREATE INDEX ledger_entry_operators_account ON ledger_entry_operators (account_key, currency, posted_at);
CREATE TRIGGER ledger_entry_operators_append_only BEFORE UPDATE OR DELETE ON ledger_entry_operators FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Movements waiting for a second operator: what was asked (the command, replayed on approval), why
-- it waits, and how it ended. At most one pending approval per business key; an approval posts at
-- most one entry (entry_id is unique, and the row is locked while it posts).
CREATE TABLE ledger_approvals (
  approval_id          text        PRIMARY KEY,
  kind                 text        NOT NULL CHECK (kind IN ('funding', 'refund', 'reversal')),
  -- The client key of a funding or refund, the original entry of a reversal.
  business_key         text        NOT NULL,
  command              jsonb       NOT NULL,
  account_key          text        NOT NULL,
  amount               bigint      NOT NULL CHECK (amount > 0),
  currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  reasons              text[]      NOT NULL CHECK (cardinality(reasons) > 0),
  status               text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'failed')),
  maker_operator_id    text        NOT NULL,
  maker_audit_id       bigint      NOT NULL,
  requested_at         timestamptz NOT NULL,
  expires_at           timestamptz NOT NULL CHECK (expires_at > requested_at),
  checker_operator_id  text,
  checker_audit_id     bigint,
  decided_at           timestamptz,
  -- Why an approved movement could not post any more (e.g. REFUND_EXCEEDS_REMAINING): status failed.
  outcome_code         text,
  entry_id             text        UNIQUE REFERENCES ledger_entries (entry_id),
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK ((status = 'approved') = (entry_id IS NOT NULL)),
  CHECK ((status = 'failed') = (outcome_code IS NOT NULL)),
  CHECK (status NOT IN ('approved', 'failed') OR checker_operator_id IS NOT NULL),
  CHECK (checker_operator_id IS NULL OR checker_operator_id <> maker_operator_id OR status = 'rejected')
);
CREATE UNIQUE INDEX ledger_approvals_one_pending ON ledger_approvals (kind, business_key) WHERE status = 'pending';
CREATE INDEX ledger_approvals_status ON ledger_approvals (status, requested_at);

-- The audit row of a money movement holds its business fields (amount, currency, account, and the
-- entry or approval it led to), written in the transaction that moved the money or held it. The
-- table is the platform's (platform migration 0001); only the ledger moves money, so only the
-- ledger's database has the column.
ALTER TABLE admin_audit_log ADD COLUMN business_fields jsonb;
