// The one Prisma client of the project (driver adapter pg, no native engine), and the pg pool under
// it. Created lazily so that importing this module (e.g. while Next collects page data) opens nothing.
//
// The engine's per-page and per-batch statements (repositories/stage-page.ts, staging.ts,
// write-protocol.ts, …) go to pg directly (`hotQuery`): through `$queryRaw` each paid Prisma's
// parameter and result conversion, a tenth of the worker's CPU in the benchmark. They use pools of
// their own, opened on first use (at most 4 connections, and 2 for the durable mark, besides the
// pool under Prisma); everything else uses the Prisma client.
import { PrismaPg } from "@prisma/adapter-pg";
import { hash } from "node:crypto";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import { config } from "./config";

export type Db = PrismaClient;

interface Pools {
  /** Under Prisma: every commit waits for its WAL flush (the default). */
  durable: pg.Pool;
  /** For the engine's bookkeeping statements, opened on first use: commits do not wait (see hotQuery). */
  lazy?: pg.Pool;
  /** For the engine's durable statements (the mark before a call), opened on first use: commits wait (see hotQuery). */
  marks?: pg.Pool;
  options: pg.PoolConfig;
}

const pools = new WeakMap<Db, Pools>();

/**
 * How long a pool keeps an idle connection: longer than the shortest schedule (a minute), so a
 * scheme that runs every minute finds its connections still open. With pg's default of 10 s every
 * tick of 200 one-minute schemes opened ~32 backends again (100 distinct backends in a two-minute
 * benchmark), each paying its start, its catalog caches and the re-planning of the engine's named
 * statements (docs/scale.md, "Connections between ticks").
 */
export const POOL_IDLE_MS = 90_000;

export function createPrisma(connectionString: string, max = 10): Db {
  // allowExitOnIdle: idle connections alone do not keep a process alive (a script that is done
  // exits at once rather than after POOL_IDLE_MS); the worker and the web app have other handles.
  const options: pg.PoolConfig = { connectionString, max, idleTimeoutMillis: POOL_IDLE_MS, allowExitOnIdle: true };
  const pool = new pg.Pool(options);
  // A connection that dies while idle (server restart) must not crash the process: the next query
  // gets a fresh one, and a query in flight reports the error where it is awaited.
  pool.on("error", () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const entry: Pools = { durable: pool, options };
  pools.set(db, entry);
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    const { lazy, marks } = entry;
    entry.lazy = undefined;
    entry.marks = undefined;
    await Promise.all([lazy?.end(), marks?.end(), disconnect()]);
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

/**
 * The engine's pools for named statements, opened on first use. enable_seqscan=off: these statements
 * find rows by key only, and their plans are cached per connection (see hotQuery); without it, a
 * plan made while a table was small could scan it. `lazy` commits without waiting for the WAL flush;
 * `marks` waits (the default), for the one statement that must be durable before a call.
 */
function namedPoolOf(db: Db, which: "lazy" | "marks"): pg.Pool {
  const entry = poolsOf(db);
  let pool = entry[which];
  if (!pool) {
    pool = new pg.Pool({
      ...entry.options,
      // A run marks one batch at a time (two with the next one prepared while a call is in flight).
      max: Math.min(which === "lazy" ? 4 : 2, entry.options.max ?? 4),
      options: which === "lazy" ? "-c synchronous_commit=off -c enable_seqscan=off" : "-c enable_seqscan=off",
    });
    pool.on("error", () => undefined);
    entry[which] = pool;
  }
  return pool;
}

/**
 * Runs one of the engine's hot statements, as a named statement on connections with enable_seqscan
 * off (`namedPoolOf`), so Postgres plans each once per connection
 * instead of on every call (planning was ~0.35 ms a statement, 15% of Postgres's CPU in the
 * benchmark) and the plan it keeps finds rows by key even if it was made while a table was small.
 * (Named statements on ordinary connections were tried first: a generic plan made while a first
 * run's staging table was small kept scanning the whole table as it grew.) The durable mark is named
 * too, on a pool of its own whose commits wait for the flush (parsing and planning it for every batch
 * was a twentieth of Postgres's CPU per record: issue #16).
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
  return (await namedPoolOf(db, durable ? "marks" : "lazy").query<R>({ name: statementName(text), text, values })).rows;
}

const names = new Map<string, string>();

/** A prepared statement's name: the same text, the same name (on every connection). */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `qiao_${hash("sha1", text, "hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

const globalForPrisma = globalThis as unknown as { qiaoPrisma?: Db };

/** The process-wide client for `DATABASE_URL` (kept on globalThis to survive Next's hot reload). */
export function prisma(): Db {
  globalForPrisma.qiaoPrisma ??= createPrisma(config().DATABASE_URL);
  return globalForPrisma.qiaoPrisma;
}

/** Throws unless the database answers (the health check). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
