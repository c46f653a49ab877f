-- Issue 14, "cost that grows with history" (docs/ledger.md, "Point-in-time balances"): the balance of
-- an account at a period boundary, written by a background step off the settlement path, so a
-- balance as of a time and a statement's opening balance read one checkpoint and the postings after
-- it instead of every posting the account ever had.
--
-- A row holds sum(debit - credit) over the account's postings whose time on the basis is before
-- `as_of` AND whose posting time is before `as_of` (the cut). On the `posted` basis the two are one
-- condition. On the `approved` basis a payment approved before `as_of` but posted after it (an offline
-- payment uploaded late) is NOT in the row: readers add it from the postings after the cut. A row is
-- written only once no posting with posted_at < as_of can still commit (the writer's margin), so it
-- never changes; a second writer's copy is the same row (INSERT ... ON CONFLICT DO NOTHING).
CREATE TABLE ledger_balance_checkpoints (
  account_id   text        NOT NULL,
  basis        text        NOT NULL CHECK (basis IN ('posted', 'approved')),
  as_of        timestamptz NOT NULL,
  -- Debits minus credits (the normal side is applied when read, as for ledger_balances).
  net          numeric(30,0) NOT NULL,
  -- How many postings the row covers: what a reader no longer reads.
  postings     bigint      NOT NULL CHECK (postings >= 0),
  written_at   timestamptz NOT NULL,
  PRIMARY KEY (account_id, basis, as_of)
);
CREATE TRIGGER ledger_balance_checkpoints_append_only BEFORE UPDATE ON ledger_balance_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
