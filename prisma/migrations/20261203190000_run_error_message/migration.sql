-- A run's error as a message code plus parameters (rendered in the reader's language); `error`
-- keeps the zh-CN text, so older rows and SQL readers still read something.

-- AlterTable
ALTER TABLE "runs" ADD COLUMN "error_message" JSONB;
