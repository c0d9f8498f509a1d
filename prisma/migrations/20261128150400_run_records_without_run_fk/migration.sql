-- DropForeignKey
-- Checking it ran a trigger for every RunRecord inserted (one per record written). Its cascade,
-- deleting a run's RunRecords with the run (retention pruning, deleting a scheme), is a trigger on
-- runs now (qiao_delete_children, see 20261128150300): once per deleted run instead of once per
-- RunRecord inserted.
ALTER TABLE "run_records" DROP CONSTRAINT "run_records_run_id_fkey";

CREATE TRIGGER "runs_delete_records" AFTER DELETE ON "runs"
  FOR EACH ROW EXECUTE FUNCTION "qiao_delete_children"('run_records', 'run_id');
