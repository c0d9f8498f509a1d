-- The attempt whose mark inserted a batch row (session 22, issue #16). An attempt's last settling
-- asked every staging row of its scheme whether one was still `sending` (a superseded attempt's mark
-- that straddled its claim): ~0.7 s of Postgres at 1,000,000 staged rows, at the end of every run,
-- even a run that read nothing. It now reads only the run's batch rows of other attempts and probes
-- their records (sendingMarkedByOthers). Rows marked before this migration have no attempt and
-- count as another's. A nullable column without a default: no table rewrite.
ALTER TABLE "run_written_batches" ADD COLUMN "attempt" INTEGER;
