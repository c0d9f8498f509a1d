-- The rest of a batch row's arrays (ids, staging ids, source ids, target ids and numbers: ~100 each,
-- 3–4 KB together) are compressed with lz4 too (issue #16): past ~2 KB a row, Postgres compresses its
-- largest inline values, with the server's default (pglz) where the column says nothing, and pglz was
-- ~2 % of Postgres's CPU in the 100,000-shop benchmark's full sync (perf), for values that lz4
-- compresses in a fraction of the time (20261207110000_written_batches_lz4 measured the payloads).
-- Rows already stored keep their compression. A server built without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE "run_written_batches"
    ALTER COLUMN "ids" SET COMPRESSION lz4,
    ALTER COLUMN "source_record_ids" SET COMPRESSION lz4,
    ALTER COLUMN "source_ids" SET COMPRESSION lz4,
    ALTER COLUMN "target_ids" SET COMPRESSION lz4,
    ALTER COLUMN "target_numbers" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available on this server: run_written_batches keeps pglz';
END
$$;
