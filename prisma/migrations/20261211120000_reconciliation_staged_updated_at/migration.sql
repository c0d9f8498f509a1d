-- What a resync may write again (docs/reconciliation.md, "Resync, exactly once"): a record counts as
-- missing and written only if staging had it written (or stale) when the reconciliation began reading
-- 金蝶's keys and it is unchanged at the comparison; one written later may be in 金蝶 unseen. The
-- reconciliation copies those rows' `updated_at` as keys of side 'staged' before reading 金蝶, and the
-- report keeps it per item: a resync writes a record again only while its row still has that
-- `updated_at`, so a record written again since (a newer report's resync, a run) is left alone.
-- AlterTable
ALTER TABLE "reconciliation_items" ADD COLUMN     "staged_updated_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "reconciliation_keys" ADD COLUMN     "staged_updated_at" TIMESTAMP(3);
