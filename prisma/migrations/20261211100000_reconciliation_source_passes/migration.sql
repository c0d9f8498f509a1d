-- How a reconciliation read its source (issue #16's re-read passes, session 16): 管易云 pages by page
-- number, so a record modified out of the window or deleted during the read can move another past a
-- page boundary unseen, which the report would list as extra in 金蝶. The source is read again, as a
-- run's window is (packages/engine/src/read-pass.ts): `source_passes` is how many passes it took,
-- `source_moved` whether the last one still saw the source move (the report then says so). Reports
-- from before were read once.
ALTER TABLE "reconciliations"
  ADD COLUMN "source_passes" INTEGER NOT NULL DEFAULT 1,
  ADD COLUMN "source_moved" BOOLEAN NOT NULL DEFAULT false;
