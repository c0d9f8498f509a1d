-- Staging's hashes as 128 bits in base64url, 22 characters (issue #16, docs/performance.md "The
-- staging row's width"): data_hash was md5 in hex (32 characters), payload_hash, written_hash and
-- mapped_with sha256 in hex (64): ~230 of a staging row's ~580 bytes. The code now stores the first
-- 16 bytes of the same digests as base64url (packages/db/src/staging-hash.ts).
--
-- Every stored hash is converted here by the same function, so a record unchanged since the last run
-- compares equal after the upgrade: not found changed, not mapped again, and above all not `stale`
-- or sent again because its written_hash no longer matched (for a target that only creates, a
-- record sent again is a duplicate). Values that are not a hex digest (none is written by the code)
-- are left as they are; converted values are not hex of that length, so converting twice changes
-- nothing. Stop the workers while migrating (as for any migration): a worker still running the code
-- before this one would stage hex hashes again, and the records it stages would be mapped once more
-- on the next run (in create mode, records it marks written could show as stale; never sent twice).
--
-- One ALTER TABLE rewrites the table once with the converted values (and rebuilds its indexes): an
-- UPDATE of every row would leave the table twice its size until vacuumed.
CREATE FUNCTION pg_temp.qiao_hash128("hex" TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN "hex" ~ '^([0-9a-f]{32}|[0-9a-f]{64})$'
    THEN translate(rtrim(encode(substring(decode("hex", 'hex') FROM 1 FOR 16), 'base64'), '='), '+/', '-_')
    ELSE "hex" END
$$;

ALTER TABLE "source_records"
  ALTER COLUMN "data_hash" SET DATA TYPE TEXT USING pg_temp.qiao_hash128("data_hash"),
  ALTER COLUMN "payload_hash" SET DATA TYPE TEXT USING pg_temp.qiao_hash128("payload_hash"),
  ALTER COLUMN "mapped_with" SET DATA TYPE TEXT USING pg_temp.qiao_hash128("mapped_with"),
  ALTER COLUMN "written_hash" SET DATA TYPE TEXT USING pg_temp.qiao_hash128("written_hash");

DROP FUNCTION pg_temp.qiao_hash128(TEXT);
