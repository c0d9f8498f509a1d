-- AlterTable
ALTER TABLE "schemes" ADD COLUMN     "automation_on_since" TIMESTAMP(3);

