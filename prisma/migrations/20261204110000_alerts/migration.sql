-- CreateEnum
CREATE TYPE "alert_channel_kind" AS ENUM ('dingtalk', 'wecom', 'webhook', 'email');

-- CreateEnum
CREATE TYPE "alert_rule_kind" AS ENUM ('run_failed', 'run_partial', 'records_dead_lettered', 'scheme_stale', 'no_worker');

-- CreateTable
CREATE TABLE "alert_channels" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" "alert_channel_kind" NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "secret_ciphertext" TEXT NOT NULL,
    "secret_key_id" TEXT NOT NULL,
    "display_url" TEXT NOT NULL DEFAULT '',
    "last_sent_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "failure_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_rules" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "kind" "alert_rule_kind" NOT NULL,
    "scheme_id" UUID,
    "threshold" INTEGER NOT NULL DEFAULT 1,
    "channel_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_windows" (
    "rule_id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "pending" JSONB NOT NULL DEFAULT '[]',
    "pending_count" INTEGER NOT NULL DEFAULT 0,
    "condition" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_windows_pkey" PRIMARY KEY ("rule_id","scope")
);

-- CreateIndex
CREATE INDEX "alert_rules_kind_idx" ON "alert_rules"("kind");

-- CreateIndex
CREATE INDEX "alert_windows_until_idx" ON "alert_windows"("until");

-- AddForeignKey
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_windows" ADD CONSTRAINT "alert_windows_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand (Prisma cannot express it): a threshold is never negative, whatever wrote it.
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_threshold_not_negative" CHECK ("threshold" >= 0);
