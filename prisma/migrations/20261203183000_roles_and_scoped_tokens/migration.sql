-- Roles viewer < editor < admin. Users were "admin" or "member" (everyone equal): members become
-- editors, so nobody loses what they could do. Tokens get a role (their owner's, as before) and an
-- optional expiry.

-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('viewer', 'editor', 'admin');

-- AlterTable: convert in place (keeping every user's role), unknown values become editor
ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "users" ALTER COLUMN "role" TYPE "user_role"
  USING (CASE WHEN "role" IN ('viewer', 'editor', 'admin') THEN "role" ELSE 'editor' END)::"user_role";
ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'editor';

-- AlterTable: existing tokens keep acting with their owner's role
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" TIMESTAMP(3),
ADD COLUMN "role" "user_role";
UPDATE "api_tokens" t SET "role" = u."role" FROM "users" u WHERE u."id" = t."user_id";
ALTER TABLE "api_tokens" ALTER COLUMN "role" SET NOT NULL;
