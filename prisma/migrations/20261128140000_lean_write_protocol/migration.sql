-- AlterTable
ALTER TABLE "source_records" ADD COLUMN     "sending_payload" JSONB,
ADD COLUMN     "sending_run_id" UUID;

-- Written by hand: records marked `sending` before this migration have their payload on a RunRecord
-- in status `sending` (the old protocol wrote one per record at marking time). Copied onto the
-- staging row, where the lookup after an interrupted write now reads it.
UPDATE "source_records" s SET "sending_payload" = r."payload", "sending_run_id" = r."run_id"
FROM "run_records" r
WHERE s."status" = 'sending' AND r."source_record_id" = s."id" AND r."batch_id" = s."batch_id";

-- DropIndex
-- Not needed: a batch's records are found by id (its answer, the lookup's verdicts) or as the
-- scheme's `sending` records through (scheme_id, status, id); only the batch in flight is sending.
-- Every staged row paid an entry in it, and each `sending` mark another.
DROP INDEX "source_records_batch_id_idx";
