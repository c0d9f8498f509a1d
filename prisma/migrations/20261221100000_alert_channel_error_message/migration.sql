-- A channel's last error as a message code plus parameters (rendered in the reader's language);
-- `last_error` keeps the zh-CN text, so older rows and SQL readers still read something.

-- AlterTable
ALTER TABLE "alert_channels" ADD COLUMN "last_error_message" JSONB;
