-- The outcomes of a batch's written records as ONE row per batch (issue #16 item 3, docs/performance.md):
-- a RunRecord per written record cost a heap row, three index entries and a speculative insertion
-- (~12–15 µs of Postgres CPU per record). Failed, unknown, saved, waiting and looked-up records keep
-- one run_records row each: they are few, and retries, alerts and the failed list read them.
-- `run_outcomes` (below) shows both as RunRecords; existing run_records rows stay as they are.

-- Ids: a batch row takes one value of the RunRecords' sequence and owns the 1024 ids from it; its
-- records are that value + their position in the batch (a batch is at most 1,000 records, see
-- SCHEME_LIMITS). So every outcome, one row or an entry of a batch row, has an id from one space,
-- in the order they were recorded, and a run's records in id order are its batch rows in id order.
SELECT setval('run_records_id_seq', COALESCE((SELECT max("id") FROM "run_records"), 0) + 1, false);
ALTER SEQUENCE "run_records_id_seq" INCREMENT BY 1024;

CREATE TABLE "run_written_batches" (
    "run_id" UUID NOT NULL,
    -- The first id of the block; entry k (0-based) of the arrays is RunRecord id `ids[k+1]`.
    "id" BIGINT NOT NULL,
    "batch_id" TEXT,
    -- The entries' RunRecord ids, increasing; NULL where a later outcome of the record in the same
    -- run superseded the entry (that outcome is a run_records row).
    "ids" BIGINT[] NOT NULL,
    "source_record_ids" BIGINT[] NOT NULL,
    "source_ids" TEXT[] NOT NULL,
    "target_ids" TEXT[] NOT NULL,
    "target_numbers" TEXT[] NOT NULL,
    -- The payloads as sent and the target's answers, one element per entry.
    "payloads" JSONB[] NOT NULL,
    "responses" JSONB[] NOT NULL,
    -- Entries not superseded (the run's written count from this row without unnesting it).
    "written" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "run_written_batches_pkey" PRIMARY KEY ("run_id", "id"),
    CONSTRAINT "run_written_batches_block" CHECK (cardinality("ids") BETWEEN 1 AND 1024)
);
-- No foreign key to runs (one trigger per row inserted); deleted with the run like run_records.
CREATE TRIGGER "runs_delete_written_batches" AFTER DELETE ON "runs"
  FOR EACH ROW EXECUTE FUNCTION "qiao_delete_children"('run_written_batches', 'run_id');

-- The batch entry holding the record's last written outcome (NULL: none, or it is a run_records
-- row). A later outcome of the record in the same run finds the entry by it and supersedes it, so a
-- record is shown once per run, with its final state.
ALTER TABLE "source_records" ADD COLUMN "outcome_entry" BIGINT;

-- Every outcome in the RunRecord shape: the rows of run_records and the entries of batch rows.
-- A filter on run_id (and status) reaches both branches' indexes; a status other than 'written'
-- makes the second branch a one-time false filter.
CREATE VIEW "run_outcomes" AS
SELECT "id", "run_id", "source_record_id", "source_id", "status", "error", "error_field", "error_class",
  "payload", "response", "target_id", "target_number", "batch_id", "created_at", "updated_at"
FROM "run_records"
UNION ALL
SELECT e."id", b."run_id", e."source_record_id", e."source_id", 'written'::"record_status", NULL::TEXT, NULL::TEXT, NULL::"error_class",
  e."payload", e."response", e."target_id", e."target_number", b."batch_id", b."created_at", b."created_at"
FROM "run_written_batches" b
CROSS JOIN LATERAL unnest(b."ids", b."source_record_ids", b."source_ids", b."payloads", b."responses", b."target_ids", b."target_numbers")
  AS e("id", "source_record_id", "source_id", "payload", "response", "target_id", "target_number")
WHERE e."id" IS NOT NULL;
