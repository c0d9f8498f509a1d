-- Retry policy and dead letters (issue #14): a failed record's error class (transient: retried
-- automatically on the scheme's backoff schedule; data: not until it, its mapping or a value map
-- changes, or someone asks), the automatic retries it has had, when the next one is due, and when it
-- was dead-lettered (死信: the schedule ran out). The due time lives here, not only in Redis: a
-- maintenance step restores the delayed retry job from it after a flush.
CREATE TYPE "error_class" AS ENUM ('transient', 'data');

-- AlterTable (no defaults to rewrite: nullable columns and a constant default are metadata only)
ALTER TABLE "source_records"
  ADD COLUMN "error_class" "error_class",
  ADD COLUMN "retry_step" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "retry_at" TIMESTAMPTZ(3),
  ADD COLUMN "dead_at" TIMESTAMPTZ(3);

ALTER TABLE "run_records" ADD COLUMN "error_class" "error_class";

-- The schemes with a retry due, and the earliest: a partial index holds only the rows waiting for one
-- (few), so status changes of all other rows stay HOT updates (retry_at is NULL on them).
CREATE INDEX "source_records_retry_at_idx" ON "source_records" ("scheme_id", "retry_at") WHERE "retry_at" IS NOT NULL;
