import { fileURLToPath } from "node:url";

/** prisma/migrations at the repository root. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
