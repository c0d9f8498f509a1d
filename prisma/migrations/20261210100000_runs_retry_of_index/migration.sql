-- Deleting a run sets its retries' `retry_of_id` to null (ON DELETE SET NULL): without an index the
-- foreign key's trigger read every run for each run deleted, so retention slowed with the square of
-- the history (126 ms of a 500-run chunk at 5,000 runs; 288,000 scheduled runs a day at 200
-- schemes on a one-minute schedule). Partial: only retries carry it, and `retry_of_id = $1`
-- implies it is not null, so the trigger's lookup uses it.
CREATE INDEX "runs_retry_of_id_idx" ON "runs" ("retry_of_id") WHERE "retry_of_id" IS NOT NULL;
