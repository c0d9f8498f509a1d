-- AlterTable
ALTER TABLE "alert_windows" ADD COLUMN     "in_flight" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "in_flight_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "in_flight_until" TIMESTAMPTZ(3);

