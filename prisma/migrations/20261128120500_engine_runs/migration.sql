-- DropIndex
DROP INDEX "source_records_scheme_id_status_idx";

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "result" JSONB;

-- CreateIndex
CREATE INDEX "source_records_scheme_id_status_id_idx" ON "source_records"("scheme_id", "status", "id");

-- CreateIndex
CREATE INDEX "run_records_source_record_id_idx" ON "run_records"("source_record_id");


-- Written by hand (Prisma cannot express a partial unique index): at most one active run per
-- scheme. Test runs that write nothing (no writeCount) may run beside it; a test run that writes
-- takes part, because it stages and sends records like any other run.
CREATE UNIQUE INDEX "runs_one_active_per_scheme" ON "runs"("scheme_id")
    WHERE "status" IN ('queued', 'running')
      AND ("trigger" <> 'test' OR COALESCE("options"->>'writeCount', '0') <> '0');
