// The one Prisma client of the project (driver adapter pg, no native engine).
// Created lazily so that importing this module (e.g. while Next collects page data) opens nothing.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";
import { config } from "./config";

export type Db = PrismaClient;

export function createPrisma(connectionString: string, max = 10): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max }) });
}

const globalForPrisma = globalThis as unknown as { qiaoPrisma?: Db };

/** The process-wide client for `DATABASE_URL` (kept on globalThis to survive Next's hot reload). */
export function prisma(): Db {
  globalForPrisma.qiaoPrisma ??= createPrisma(config().DATABASE_URL);
  return globalForPrisma.qiaoPrisma;
}
