// Prisma CLI configuration. `env("DATABASE_URL")` would throw when the variable is unset,
// even for `prisma generate`, so read it leniently (see ../shared/STACK.md).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
