-- Waiting records and run-after chains (issue #13).
-- A record whose `lookup` finds nothing yet is `waiting` (等待依赖): never sent with an empty
-- reference. `waiting_records` says what it waits for (one row per scheme it waits for) and since
-- when; it is also how a run finds its scheme's waiting records without an index on
-- source_records.status (whose updates must stay HOT, see 20261128150200_staging_hot_updates).
-- AlterEnum (the new values are not used in this transaction, as PostgreSQL requires)
ALTER TYPE "record_status" ADD VALUE 'waiting';
ALTER TYPE "run_trigger" ADD VALUE 'dependency';
ALTER TYPE "run_trigger" ADD VALUE 'chain';

-- AlterTable: how many records the run left waiting; the run that triggered this one (run-after
-- chains and dependency releases), so the history shows a chain's runs linked.
ALTER TABLE "runs" ADD COLUMN "waiting" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "triggered_by_run_id" UUID;
ALTER TABLE "runs" ADD CONSTRAINT "runs_triggered_by_run_id_fkey" FOREIGN KEY ("triggered_by_run_id") REFERENCES "runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "runs_triggered_by_run_id_idx" ON "runs"("triggered_by_run_id");

-- CreateTable
CREATE TABLE "waiting_records" (
    "source_record_id" BIGINT NOT NULL,
    "waits_for_scheme_id" UUID NOT NULL,
    "scheme_id" UUID NOT NULL,
    "waits_for" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "waiting_records_pkey" PRIMARY KEY ("source_record_id","waits_for_scheme_id")
);
CREATE INDEX "waiting_records_scheme_id_idx" ON "waiting_records"("scheme_id");
CREATE INDEX "waiting_records_waits_for_scheme_id_idx" ON "waiting_records"("waits_for_scheme_id");
CREATE INDEX "waiting_records_since_idx" ON "waiting_records"("since");
ALTER TABLE "waiting_records" ADD CONSTRAINT "waiting_records_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
