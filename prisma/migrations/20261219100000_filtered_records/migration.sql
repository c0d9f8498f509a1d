-- A filter node (过滤条件, session 28): a source record its condition leaves out is staged as
-- `filtered` (its latest data kept, nothing sent), and a run counts such records in `filtered`.
ALTER TYPE "record_status" ADD VALUE 'filtered';
ALTER TABLE "runs" ADD COLUMN "filtered" INTEGER NOT NULL DEFAULT 0;
