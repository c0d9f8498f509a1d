// The one Prisma client of the project (driver adapter pg, no native engine), and the pg pool under
// it. Created lazily so that importing this module (e.g. while Next collects page data) opens nothing.
//
// The engine's per-page and per-batch statements (repositories/staging.ts, runs.ts) go to the pool
// directly (`poolOf`): through `$queryRaw` each paid Prisma's parameter and result conversion, a
// tenth of the worker's CPU in the benchmark. Everything else uses the Prisma client. Both share
// the same connections, so a pool size is a pool size.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import { config } from "./config";

export type Db = PrismaClient;

const pools = new WeakMap<Db, pg.Pool>();

export function createPrisma(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max });
  // A connection that dies while idle (server restart) must not crash the process: the next query
  // gets a fresh one, and a query in flight reports the error where it is awaited.
  pool.on("error", () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/** The pg pool under a client made by `createPrisma` (for the engine's hot statements). */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("poolOf: this Prisma client was not made by createPrisma");
  return pool;
}

/**
 * Runs one of the engine's hot statements on the pool. Unnamed, so Postgres plans it for each call
 * with the table as it is now: a named (prepared) statement saved ~0.4 ms of planning per call,
 * but its generic plan, made while a first run's staging table was still small, kept scanning the
 * whole table as it grew (three times slower at 100,000 rows).
 */
export async function hotQuery<R extends pg.QueryResultRow>(db: Db, text: string, values: unknown[]): Promise<R[]> {
  const result = await poolOf(db).query<R>(text, values);
  return result.rows;
}

const globalForPrisma = globalThis as unknown as { qiaoPrisma?: Db };

/** The process-wide client for `DATABASE_URL` (kept on globalThis to survive Next's hot reload). */
export function prisma(): Db {
  globalForPrisma.qiaoPrisma ??= createPrisma(config().DATABASE_URL);
  return globalForPrisma.qiaoPrisma;
}
