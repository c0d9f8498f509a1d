-- Cron ticks deferred while their scheme was busy (session 30's audit). A tick that meets an active
-- run which does not read the source (a release of records waiting for another scheme, a retry, a
-- test run that writes) is not done by it: the tick's run is requested once the scheme is free, with
-- the tick's idempotency key, by the end of the busy run (a follow-up) or the maintenance sweep.
-- Kept here, not in a worker's memory, so that a worker restart does not lose it. One per scheme: a
-- later tick deferred meanwhile replaces it (one read does the work of both).

-- CreateTable
CREATE TABLE "deferred_ticks" (
    "scheme_id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "busy_run_id" UUID,
    "deferred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deferred_ticks_pkey" PRIMARY KEY ("scheme_id")
);

-- AddForeignKey
ALTER TABLE "deferred_ticks" ADD CONSTRAINT "deferred_ticks_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
