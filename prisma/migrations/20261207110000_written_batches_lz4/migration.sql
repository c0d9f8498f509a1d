-- The written records' payloads and answers (run_written_batches: ~100 of each per row, 20–30 KB) are
-- compressed into TOAST with lz4 instead of the server's default, pglz (issue #16, docs/performance.md
-- "TOAST compression of the batch rows"): inserting 100,000 shop payloads and answers as 1,000 batch
-- rows took 456–488 ms with pglz and 228–234 ms with lz4 on this machine, for 8.0 against 9.5 MB
-- (uncompressed: 528 ms, 82 MB). Rows already stored keep their compression; new ones use lz4.
--
-- A server built without lz4 (`--with-lz4`; the Debian and official Docker images have it) refuses
-- the method: it keeps pglz rather than failing the upgrade.
DO $$
BEGIN
  ALTER TABLE "run_written_batches"
    ALTER COLUMN "payloads" SET COMPRESSION lz4,
    ALTER COLUMN "responses" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available on this server: run_written_batches keeps pglz';
END
$$;
