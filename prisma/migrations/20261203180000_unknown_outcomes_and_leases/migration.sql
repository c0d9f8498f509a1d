-- Unknown write outcomes (issue #11): a record whose BatchSave timed out, lost its connection or got
-- a 5xx after sending is `unknown` (待确认) until it is looked up, no sooner than `check_after`.
-- Attempt leases: every mark and outcome write of an attempt is fenced by `runs.lease_until`.
-- AlterEnum (the new value is not used in this transaction, as PostgreSQL requires)
ALTER TYPE "record_status" ADD VALUE 'unknown';

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "lease_until" TIMESTAMPTZ(3),
ADD COLUMN     "unknown" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "waiting_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "source_records" ADD COLUMN     "check_after" TIMESTAMPTZ(3);
