-- The payloads of a batch go into its run_written_batches row when the batch is marked, not onto
-- each staging row (issue #16, docs/performance.md "The mark's payloads in the batch row"): the
-- durable mark wrote every record's payload (~200 bytes, parsed into jsonb) into its staging row,
-- which made the mark's row version larger than the row's page could hold beside the others (not
-- HOT, three index entries) and cost ~480 WAL bytes per record. Now the mark inserts the batch's row
-- with the payloads as one lz4-compressed array, and the answer fills in that row's entries.
--
-- A batch row is created by the mark with one slot per record of the batch (slot k, 0-based, owns
-- RunRecord id `id` + k): source ids and payloads filled, `ids` NULL until the answer makes the
-- slot a written entry (a record not written keeps a NULL id: its outcome is a run_records row).
-- A staging row being sent names its slot in `sending_entry` (meaningful only while `sending`).
-- Unknown and saved outcomes still copy their payload onto the staging row (sending_payload): the
-- lookup and the audit read it there, long after the run (and its batch rows) may be gone.
ALTER TABLE "source_records" ADD COLUMN "sending_entry" BIGINT;

-- Payloads and answers as json (their text as sent and received), not jsonb: nothing queries into
-- them, and parsing each into jsonb was a measurable part of marking and recording a batch. The
-- view and the readers cast them to jsonb when they are read (a page of a run's records).
DROP VIEW "run_outcomes";
ALTER TABLE "run_written_batches"
  ALTER COLUMN "payloads" TYPE JSON[] USING "payloads"::JSON[],
  ALTER COLUMN "responses" TYPE JSON[] USING "responses"::JSON[];
-- lz4 again (20261207110000_written_batches_lz4), whatever the type change did to the columns'
-- compression method; a server built without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE "run_written_batches"
    ALTER COLUMN "payloads" SET COMPRESSION lz4,
    ALTER COLUMN "responses" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available on this server: run_written_batches keeps pglz';
END
$$;

CREATE VIEW "run_outcomes" AS
SELECT "id", "run_id", "source_record_id", "source_id", "status", "error", "error_field", "error_class",
  "payload", "response", "target_id", "target_number", "batch_id", "created_at", "updated_at"
FROM "run_records"
UNION ALL
SELECT e."id", b."run_id", e."source_record_id", e."source_id", 'written'::"record_status", NULL::TEXT, NULL::TEXT, NULL::"error_class",
  e."payload"::JSONB, e."response"::JSONB, e."target_id", e."target_number", b."batch_id", b."created_at", b."created_at"
FROM "run_written_batches" b
CROSS JOIN LATERAL unnest(b."ids", b."source_record_ids", b."source_ids", b."payloads", b."responses", b."target_ids", b."target_numbers")
  AS e("id", "source_record_id", "source_id", "payload", "response", "target_id", "target_number")
WHERE e."id" IS NOT NULL;
