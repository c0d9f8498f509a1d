-- Reconciliation (对账, issue #14 item 5): report headers with counts, the first N keys per
-- category, and an UNLOGGED working table of the keys read (compared in SQL, dropped after).
-- CreateEnum
CREATE TYPE "reconciliation_status" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "reconciliation_category" AS ENUM ('missing', 'extra', 'different');

-- AlterTable
ALTER TABLE "schemes" ADD COLUMN     "reconcile_cron" TEXT,
ADD COLUMN     "reconcile_filter" TEXT;

-- CreateTable
CREATE TABLE "reconciliations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "scheme_id" UUID NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" "reconciliation_status" NOT NULL DEFAULT 'queued',
    "idempotency_key" TEXT,
    "key_limit" INTEGER NOT NULL,
    "source_count" INTEGER NOT NULL DEFAULT 0,
    "target_count" INTEGER NOT NULL DEFAULT 0,
    "matched" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "missing_written" INTEGER NOT NULL DEFAULT 0,
    "extra" INTEGER NOT NULL DEFAULT 0,
    "different" INTEGER NOT NULL DEFAULT 0,
    "unmatchable" INTEGER NOT NULL DEFAULT 0,
    "error" JSONB,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "resync_run_id" UUID,
    "resync_count" INTEGER,
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "reconciliations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconciliation_items" (
    "id" BIGSERIAL NOT NULL,
    "reconciliation_id" UUID NOT NULL,
    "category" "reconciliation_category" NOT NULL,
    "number" TEXT NOT NULL,
    "source_id" TEXT,
    "source_record_id" BIGINT,
    "staged_status" TEXT,
    "source_name" TEXT,
    "target_name" TEXT,
    "target_id" TEXT,

    CONSTRAINT "reconciliation_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE UNLOGGED TABLE "reconciliation_keys" (
    "id" BIGSERIAL NOT NULL,
    "reconciliation_id" UUID NOT NULL,
    "side" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "name" TEXT,
    "source_id" TEXT,
    "target_id" TEXT,

    CONSTRAINT "reconciliation_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "reconciliations_idempotency_key_key" ON "reconciliations"("idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "reconciliations_resync_run_id_key" ON "reconciliations"("resync_run_id");

-- CreateIndex
CREATE INDEX "reconciliations_scheme_id_created_at_idx" ON "reconciliations"("scheme_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "reconciliation_items_reconciliation_id_category_number_idx" ON "reconciliation_items"("reconciliation_id", "category", "number");

-- CreateIndex
CREATE INDEX "reconciliation_keys_reconciliation_id_side_number_idx" ON "reconciliation_keys"("reconciliation_id", "side", "number");

-- AddForeignKey
ALTER TABLE "reconciliations" ADD CONSTRAINT "reconciliations_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_reconciliation_id_fkey" FOREIGN KEY ("reconciliation_id") REFERENCES "reconciliations"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- One queued or running reconciliation per scheme: a second request while one is active is refused.
CREATE UNIQUE INDEX "reconciliations_one_active_per_scheme" ON "reconciliations"("scheme_id") WHERE "status" IN ('queued', 'running');
