-- Pages people read stay fast with a million rows (issue #16 item 4), without making the write
-- path pay: no index on staging's `status` (its changes must stay HOT updates).

-- A run's records by status, in id order (keyset pages of GET /api/runs/:id/records): the id joins
-- the (run_id, status) index, so a page is a range of it instead of every record of that status
-- sorted. Same entries as before: a record written pays nothing more. The unfiltered list is
-- one such range per status, merged (listRunRecords).
DROP INDEX "run_records_run_id_status_idx";
CREATE INDEX "run_records_run_id_status_id_idx" ON "run_records" ("run_id", "status", "id");

-- A scheme's failed records (and bills saved but not audited): every such row carries its reason in
-- `last_error`, which the write path sets only when a write fails and clears when one succeeds, so
-- a record that is marked, sent and written never changes it (HOT updates stay HOT) and the index
-- holds the few rows that failed, not the scheme's million. Rows from before this rule get a reason.
UPDATE "source_records" SET "last_error" = '（没有记录失败原因）/ (no reason recorded)'
WHERE "status" IN ('failed', 'saved') AND "last_error" IS NULL;
CREATE INDEX "source_records_with_error_idx" ON "source_records" ("scheme_id", "id") WHERE "last_error" IS NOT NULL;
