-- AlterTable
ALTER TABLE "alert_windows" ADD COLUMN     "in_flight_digest" BOOLEAN NOT NULL DEFAULT true;

