-- Bills saved but not audited (issue #12, 已保存未审核): with audit "separate" a bill can be saved in
-- 金蝶 while its Submit or Audit failed (e.g. 负库存). The record is `saved`, with the bill's id and
-- number; a retry audits it and never saves it again. Runs count such records apart.
-- AlterEnum (the new value is not used in this transaction, as PostgreSQL requires)
ALTER TYPE "record_status" ADD VALUE 'saved';

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "saved" INTEGER NOT NULL DEFAULT 0;
