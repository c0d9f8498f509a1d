-- AlterTable
-- The mapping (and the values of the variables it uses) a row's payload hash was computed with. A
-- rerun finds a record unchanged by its data hash and this key, without mapping it again. Rows
-- staged before have none: the next read maps them once more and records it.
ALTER TABLE "source_records" ADD COLUMN     "mapped_with" TEXT;
