-- A funding names the bank transfer it credits (issue 13 §2; docs/ledger.md, "Admin API"): per
-- consumer account one reference credits once, so one deposit cannot be credited twice under two
-- client keys. Written in the transaction that posts the funding (held fundings: when approved).
-- The handler checks it under the account's partition lock; the unique index refuses a second row
-- whatever happens above it. Compared without case: a reference retyped in other case is the same
-- transfer. Beside the journal rather than in it (the entry's hash covers what moved; this says which
-- transfer paid for it), append-only like the journal. Fundings posted before this migration named
-- no reference and have no row.
CREATE TABLE ledger_funding_references (
  consumer_account_id  text        NOT NULL,
  external_reference   text        NOT NULL CHECK (external_reference ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$'),
  entry_id             text        PRIMARY KEY REFERENCES ledger_entries (entry_id)
);
CREATE UNIQUE INDEX ledger_funding_references_once ON ledger_funding_references (consumer_account_id, lower(external_reference));
CREATE TRIGGER ledger_funding_references_append_only BEFORE UPDATE OR DELETE ON ledger_funding_references FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
