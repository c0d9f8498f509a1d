-- DropIndex
-- It served the foreign key's cascade from staging (dropped in 20261128150100) and a record's
-- history, which nothing reads. Every record written paid an entry in it.
DROP INDEX "run_records_source_record_id_idx";
