-- AlterTable
-- md5 of the staged record's JSON text, as the source sent it. Staging compares it instead of the
-- jsonb (`data IS DISTINCT FROM`), so an unchanged page costs one index probe per record and no
-- jsonb parsing. Rows staged before this migration have none: their first read restages their data
-- once (status and hashes of the mapped payload are unaffected).
ALTER TABLE "source_records" ADD COLUMN     "data_hash" TEXT;
