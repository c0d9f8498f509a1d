-- AlterTable
-- A staged record is stored as the source sent it (json keeps the text; jsonb parsed every record
-- into its binary form, a tenth of staging a new page, for queries nothing makes: staging compares
-- records by data_hash). Rewrites the table once.
ALTER TABLE "source_records" ALTER COLUMN "data" SET DATA TYPE JSON USING "data"::json;
