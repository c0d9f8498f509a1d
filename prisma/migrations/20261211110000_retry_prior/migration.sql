-- A retry run takes failed records by making them pending (assignFailedToRun). One that ended before
-- sending them all (cancelled, or failed as a run) left the rest pending, their reason cleared, and
-- dead letters taken out of the dead letters: gone from the failed records' list, and sent by the
-- scheme's next run unasked. `retry_prior` keeps what the retry changed (status, payload hash and
-- mapping key, reason, run, retry schedule, dead-letter mark) so that what it did not send is put
-- back as it was (restoreUnsentRetries). Nullable without a default: no table rewrite.
ALTER TABLE "source_records" ADD COLUMN "retry_prior" JSONB;
