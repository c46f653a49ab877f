-- The ledger's model (docs/ledger.md): accounts opened from registry events, an append-only journal
-- of balanced entries hash-chained per partition, balances as per-partition projections, the outcome
-- of every verified payment, fee schedules and merchant settings. Amounts are bigint minor units.

CREATE TABLE ledger_accounts (
  account_id  text        PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  purpose     text        NOT NULL CHECK (purpose IN ('wallet', 'merchant-payable', 'fee-revenue', 'funding', 'settlement')),
  type        text        NOT NULL CHECK (type IN ('asset', 'liability', 'revenue', 'expense')),
  currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  owner_kind  text        NOT NULL CHECK (owner_kind IN ('consumer-account', 'merchant', 'processor')),
  owner_id    text        NOT NULL,
  opened_at   timestamptz NOT NULL,
  UNIQUE (purpose, owner_id)
);

-- One row per hash chain, created up front: locking it is how a writer becomes the partition's only
-- writer, and it holds the chain's head.
CREATE TABLE ledger_partitions (
  partition      integer PRIMARY KEY CHECK (partition >= 0 AND partition < 1024),
  last_sequence  bigint  NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
  last_hash      text    NOT NULL DEFAULT repeat('0', 64) CHECK (last_hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO ledger_partitions (partition) SELECT generate_series(0, 1023);

CREATE TABLE ledger_entries (
  entry_id              text        PRIMARY KEY,
  partition             integer     NOT NULL CHECK (partition >= 0 AND partition < 1024),
  sequence              bigint      NOT NULL CHECK (sequence >= 1),
  partition_key         text        NOT NULL,
  kind                  text        NOT NULL CHECK (kind IN ('payment', 'funding', 'payout', 'refund', 'reversal')),
  -- The business key: a payment's transaction id, a client key, a reversal's original entry id.
  idempotency_key       text        NOT NULL,
  transaction_id        text,
  original_entry_id     text,
  fee_schedule_version  text,
  previous_hash         text        NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
  hash                  text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  posted_at             timestamptz NOT NULL,
  UNIQUE (partition, sequence),
  -- A replay can never post twice, even if the inbox were pruned.
  UNIQUE (kind, idempotency_key),
  CHECK ((kind IN ('refund', 'reversal')) = (original_entry_id IS NOT NULL)),
  CHECK (kind NOT IN ('payment', 'refund', 'reversal') OR transaction_id IS NOT NULL)
);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id) WHERE transaction_id IS NOT NULL;
CREATE INDEX ledger_entries_original ON ledger_entries (original_entry_id) WHERE original_entry_id IS NOT NULL;

CREATE TABLE ledger_postings (
  entry_id       text        NOT NULL,
  posting_index  smallint    NOT NULL CHECK (posting_index >= 0 AND posting_index < 32),
  account_id     text        NOT NULL,
  partition      integer     NOT NULL,
  side           text        NOT NULL CHECK (side IN ('debit', 'credit')),
  amount         bigint      NOT NULL CHECK (amount > 0),
  currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  posted_at      timestamptz NOT NULL,
  PRIMARY KEY (entry_id, posting_index)
);
CREATE INDEX ledger_postings_account_time ON ledger_postings (account_id, posted_at);

-- The journal is append-only: corrections are new entries (refunds, reversals).
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger journal is append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Sub-balances: one row per account and partition, written only under that partition's lock, so a
-- hot merchant account never serializes the ledger. An account's balance is the sum of its rows.
CREATE TABLE ledger_balances (
  account_id  text    NOT NULL,
  partition   integer NOT NULL,
  currency    text    NOT NULL,
  debits      bigint  NOT NULL DEFAULT 0 CHECK (debits >= 0),
  credits     bigint  NOT NULL DEFAULT 0 CHECK (credits >= 0),
  PRIMARY KEY (account_id, partition)
);

-- The final outcome of every verified payment (settled or failed), by transaction id.
CREATE TABLE ledger_settlements (
  transaction_id       text          PRIMARY KEY,
  consumer_account_id  text          NOT NULL,
  merchant_id          text          NOT NULL,
  amount               numeric(20,0) NOT NULL CHECK (amount >= 0),
  currency             text          NOT NULL,
  status               text          NOT NULL CHECK (status IN ('settled', 'failed')),
  reason_code          text,
  fee                  bigint,
  merchant_amount      bigint,
  entry_id             text,
  fee_schedule_version text,
  decided_at           timestamptz   NOT NULL,
  CHECK ((status = 'settled') = (entry_id IS NOT NULL AND reason_code IS NULL))
);
CREATE INDEX ledger_settlements_merchant_time ON ledger_settlements (merchant_id, decided_at);

CREATE TABLE ledger_fee_schedules (
  schedule_id        bigserial   PRIMARY KEY,
  version            text        GENERATED ALWAYS AS ('fee-schedule-' || schedule_id::text) STORED UNIQUE,
  merchant_id        text        NOT NULL,
  basis_points       integer     NOT NULL CHECK (basis_points >= 0 AND basis_points <= 1000),
  fixed_minor_units  bigint      NOT NULL CHECK (fixed_minor_units >= 0 AND fixed_minor_units <= 1000000),
  effective_from     timestamptz NOT NULL,
  created_by         text        NOT NULL,
  created_at         timestamptz NOT NULL
);
CREATE INDEX ledger_fee_schedules_merchant ON ledger_fee_schedules (merchant_id, effective_from DESC, schedule_id DESC);

CREATE TABLE ledger_merchant_settings (
  merchant_id          text        PRIMARY KEY,
  display_name         text        NOT NULL,
  settlement_currency  text        NOT NULL,
  time_zone            text        NOT NULL DEFAULT 'UTC',
  updated_at           timestamptz NOT NULL
);
