-- AlterTable
ALTER TABLE "schemes" ADD COLUMN     "cursor_from_version" INTEGER;
