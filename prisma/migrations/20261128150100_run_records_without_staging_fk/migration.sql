-- DropForeignKey
-- Checking it ran a trigger for every RunRecord inserted (100,000 in a first run of 100,000 shops),
-- 15% of the statement that records a batch's answers. Nothing deletes a staging row on its own: a
-- scheme's staging rows go with the scheme, and its runs (and their RunRecords) with it.
-- The index on source_record_id stays: a record's history, and the retry of chosen records.
ALTER TABLE "run_records" DROP CONSTRAINT "run_records_source_record_id_fkey";
