-- The inbox's processed_at index is there for pruning old rows (docs/messaging.md, "Indexes, and
-- pruning the inbox"); no query of the backbone reads it. Inbox rows arrive in processed_at order
-- and are never updated, so a BRIN index (a min/max summary per range of 128 heap pages) finds the
-- blocks of a time range for a prune, while each insert costs a range summary at most instead of a
-- btree entry: ≈ 0.9 µs of PostgreSQL CPU less per consumed event (bench/results/backbone-profile.md).
-- autosummarize has autovacuum summarise each range once it is full, so a prune need not read the
-- ranges written since the last VACUUM.
-- On a database already holding many inbox rows the build reads the table once, and the inbox stays
-- locked (consumers wait) until this migration commits.
DROP INDEX messaging_inbox_processed_at;
CREATE INDEX messaging_inbox_processed_at ON messaging_inbox USING brin (processed_at)
  WITH (autosummarize = on);
