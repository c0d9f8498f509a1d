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

interface Pools {
  /** Under Prisma: every commit waits for its WAL flush (the default). */
  durable: pg.Pool;
  /** For the engine's bookkeeping statements, opened on first use: commits do not wait (see hotQuery). */
  lazy?: pg.Pool;
  options: pg.PoolConfig;
}

const pools = new WeakMap<Db, Pools>();

export function createPrisma(connectionString: string, max = 10): Db {
  const options = { connectionString, max };
  const pool = new pg.Pool(options);
  // A connection that dies while idle (server restart) must not crash the process: the next query
  // gets a fresh one, and a query in flight reports the error where it is awaited.
  pool.on("error", () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const entry: Pools = { durable: pool, options };
  pools.set(db, entry);
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    const lazy = entry.lazy;
    entry.lazy = undefined;
    await Promise.all([lazy?.end(), disconnect()]);
  };
  return db;
}

function poolsOf(db: Db): Pools {
  const entry = pools.get(db);
  if (!entry) throw new Error("this Prisma client was not made by createPrisma");
  return entry;
}

/** The pg pool under a client made by `createPrisma` (durable commits). */
export function poolOf(db: Db): pg.Pool {
  return poolsOf(db).durable;
}

function lazyPoolOf(db: Db): pg.Pool {
  const entry = poolsOf(db);
  if (!entry.lazy) {
    entry.lazy = new pg.Pool({ ...entry.options, max: Math.min(4, entry.options.max ?? 4), options: "-c synchronous_commit=off" });
    entry.lazy.on("error", () => undefined);
  }
  return entry.lazy;
}

/**
 * Runs one of the engine's hot statements, unnamed, so Postgres plans it for each call with the
 * table as it is now (a named statement saved ~0.4 ms of planning per call, but its generic plan,
 * made while a first run's staging table was still small, kept scanning the whole table as it
 * grew: three times slower at 100,000 rows).
 *
 * Only `durable` statements wait for their commit to reach the disk: the write protocol's mark
 * (records `sending` before the call), whose loss in a Postgres crash could mean sending a record
 * twice. What else the engine writes per page and batch (staging, answers, counters, log lines)
 * commits without waiting (synchronous_commit off: a tenth of Postgres's CPU in the benchmark). A
 * Postgres crash loses at most its last fraction of a second of those, and each is redone safely:
 * a page is staged again when it is read again, and a batch whose answer was lost is still
 * `sending`, so it is looked up in the target, not resent. A durable commit also makes every
 * commit before it durable (there is one WAL).
 */
export async function hotQuery<R extends pg.QueryResultRow>(db: Db, text: string, values: unknown[], durable = false): Promise<R[]> {
  const result = await (durable ? poolOf(db) : lazyPoolOf(db)).query<R>(text, values);
  return result.rows;
}

const globalForPrisma = globalThis as unknown as { qiaoPrisma?: Db };

/** The process-wide client for `DATABASE_URL` (kept on globalThis to survive Next's hot reload). */
export function prisma(): Db {
  globalForPrisma.qiaoPrisma ??= createPrisma(config().DATABASE_URL);
  return globalForPrisma.qiaoPrisma;
}
